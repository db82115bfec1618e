"""The analytics page: the charts of a pseudonymized call log (``RINGFENCE_ANALYTICS_DATASET``,
written by ``ringfence analyze pseudonymize``), every cell under k people left out. Charts
are rendered to SVG on the server, so the page needs no script and no ``unsafe-eval``."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ringfence.analytics.engines import AnalyticsError, DuckDBEngine
from ringfence.analytics.report import Report, build_report
from ringfence.compliance.roles import Permission, Principal, authorize


class ChartFailed(AnalyticsError):
    """The chart renderer failed on a chart of the page."""

    default_reason = "chart_failed"


_lock = threading.Lock()
_reports: dict[tuple[str, int, int], Report] = {}
_svgs: dict[tuple[str, int, int, int], bytes] = {}


def _report(dataset: Path, k: int) -> Report:
    key = (str(dataset), dataset.stat().st_mtime_ns, k)
    with _lock:
        if key not in _reports:
            engine = DuckDBEngine()
            try:
                _reports[key] = build_report(engine, dataset, k=k)
            finally:
                engine.close()
        return _reports[key]


def analytics_overview(
    dataset: Path | None, principal: Principal, *, k: int = 15
) -> dict[str, Any]:
    """The chart titles and their Vega-Lite specifications (aggregates only)."""
    authorize(principal, Permission.ANALYTICS)
    if dataset is None or not dataset.is_file():
        return {"available": False, "k": k, "charts": []}
    report = _report(dataset, k)
    return {
        "available": True,
        "k": report.k,
        "charts": [{"title": title, "spec": spec} for title, spec in report.charts.items()],
    }


def chart_svg(dataset: Path | None, principal: Principal, index: int, *, k: int = 15) -> bytes:
    """Chart ``index`` of the page as SVG (cached while the dataset is unchanged)."""
    authorize(principal, Permission.ANALYTICS)
    if dataset is None or not dataset.is_file():
        raise AnalyticsError("no analytics dataset is configured", reason="no_dataset")
    report = _report(dataset, k)
    specs = list(report.charts.values())
    if not 0 <= index < len(specs):
        raise AnalyticsError("no such chart", reason="no_such_chart")
    key = (str(dataset), dataset.stat().st_mtime_ns, k, index)
    with _lock:
        if key not in _svgs:
            import vl_convert

            try:
                _svgs[key] = vl_convert.vegalite_to_svg(specs[index]).encode("utf-8")
            except ValueError:  # its message may quote the data: not repeated
                raise ChartFailed("cannot render this chart") from None
        return _svgs[key]
