"""``ringfence report``: a self-contained HTML report with charts — people by country on a
world map, the line-type mix, calls by hour of day and destination country, the
origin-destination matrix — and a PNG of each chart. Built from a pseudonymized call log,
every cell k-suppressed; every script and the map ship in the package
(``analytics/static``), so the page loads nothing from the internet.
"""

from __future__ import annotations

import html
import importlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ringfence.analytics.engines import AnalyticsEngine, AnalyticsError
from ringfence.analytics.patterns import patterns

SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


@dataclass(frozen=True)
class Report:
    k: int
    charts: dict[str, dict[str, Any]]  # title -> Vega-Lite specification


def _static(name: str) -> str:
    return (resources.files("ringfence.analytics") / "static" / name).read_text(encoding="utf-8")


@cache
def _world() -> Any:
    return json.loads(_static("countries-110m.json"))


def _numeric(alpha2: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2)
    return str(int(country.numeric)) if country is not None else None


def build_report(engine: AnalyticsEngine, source: Path, *, k: int = 15) -> Report:
    """The charts of a pseudonymized call log (see :func:`ringfence.analytics.patterns`)."""
    alt: Any = importlib.import_module("altair")
    found = patterns(engine, source, k=k)
    people = engine.fetch(
        "SELECT caller_country AS country, caller_type AS type, "
        "count(DISTINCT caller_pid) AS people FROM calls WHERE caller_pid IS NOT NULL GROUP BY 1, 2"
    ).to_pylist()
    by_country: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for row in people:
        by_country[row["country"]] = by_country.get(row["country"], 0) + row["people"]
        by_type[row["type"]] = by_type.get(row["type"], 0) + row["people"]
    countries = [
        {"id": _numeric(code), "country": code, "people": count}
        for code, count in sorted(by_country.items())
        if code and count >= k and _numeric(code)
    ]
    types = [{"type": t, "people": n} for t, n in sorted(by_type.items()) if n >= k]
    hour = engine.dialect.local_hour.format(ts="start_time", tz="callee_tz")
    hours = [
        {key: row[key] for key in ("country", "hour", "events")}
        for row in engine.fetch(
            f"SELECT callee_country AS country, {hour} AS hour, count(*) AS events, "
            "count(DISTINCT caller_pid) AS people FROM calls "
            "WHERE callee_tz IS NOT NULL AND caller_pid IS NOT NULL GROUP BY 1, 2"
        ).to_pylist()
        if row["people"] >= k
    ]
    heat = alt.Color("events:Q", scale=alt.Scale(scheme="blues"))
    charts = {
        "People by country": _world_map(alt, countries),
        "Line types": alt.Chart(alt.Data(values=types))
        .mark_bar()
        .encode(x="people:Q", y=alt.Y("type:N", sort="-x"))
        .properties(width=480),
        "Calls by hour of day (callee's local time)": alt.Chart(alt.Data(values=hours))
        .mark_rect()
        .encode(x="hour:O", y="country:N", color=heat)
        .properties(width=480),
        "Origin and destination": alt.Chart(alt.Data(values=found["origin_destination"]["cells"]))
        .mark_rect()
        .encode(x="destination:N", y="origin:N", color="events:Q")
        .properties(width=360, height=360),
    }
    return Report(k=k, charts={title: dict(chart.to_dict()) for title, chart in charts.items()})


def _world_map(alt: Any, countries: list[dict[str, Any]]) -> Any:
    shapes = alt.Data(values=_world(), format=alt.DataFormat(type="topojson", feature="countries"))
    base = alt.Chart(shapes).mark_geoshape(fill="#eeeeee", stroke="white")
    filled = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white")
        .transform_lookup(
            lookup="id",
            from_=alt.LookupData(alt.Data(values=countries), "id", ["people", "country"]),
        )
        .transform_filter("datum.people != null")
        .encode(
            color=alt.Color("people:Q", scale=alt.Scale(scheme="oranges")),
            tooltip=["country:N", "people:Q"],
        )
    )
    return alt.layer(base, filled).project("equalEarth").properties(width=640, height=340)


def write_html(report: Report, path: Path) -> None:
    """One HTML file with the scripts inline: it opens anywhere, offline."""
    scripts = "\n".join(f"<script>{_static(name)}</script>" for name in SCRIPTS)
    sections, calls = [], []
    for index, (title, spec) in enumerate(report.charts.items()):
        payload = json.dumps(spec).replace("</", "<\\/")
        sections.append(
            f'<section><h2>{html.escape(title)}</h2><div id="chart{index}"></div>'
            f'<script type="application/json" id="spec{index}">{payload}</script></section>'
        )
        calls.append(
            f'vegaEmbed("#chart{index}", JSON.parse(document.getElementById("spec{index}")'
            ".textContent), {actions: false});"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringfence report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}</style>
{scripts}</head><body>
<h1>Communication patterns</h1>
<p>Aggregates of pseudonymized data; every cell with fewer than {report.k} people is left out.</p>
{"".join(sections)}
<script>{"".join(calls)}</script>
</body></html>"""
    path.write_text(page, encoding="utf-8")


def write_pngs(report: Report, folder: Path) -> list[Path]:
    """A PNG of each chart, rendered without a browser (vl-convert)."""
    import vl_convert

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, spec in enumerate(report.charts.values()):
        target = folder / f"chart{index + 1}.png"
        try:
            target.write_bytes(vl_convert.vegalite_to_png(spec, scale=1))
        except ValueError as exc:
            raise AnalyticsError(f"cannot render a chart: {exc}", reason="chart_failed") from None
        written.append(target)
    return written
