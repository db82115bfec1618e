"""The HTML report: self-contained (every script inline, nothing fetched), one chart per
table, PNG exports rendered without a browser, and no phone number in any output file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringfence.analytics.engines import DuckDBEngine
from ringfence.analytics.pipeline import pseudonymize
from ringfence.analytics.report import build_report, write_html, write_pngs
from ringfence.crypto import Keyring
from ringfence.crypto.pseudonyms import Pseudonymizer
from tests.analytics.calllog import write_call_log

PSEUDONYMS = Pseudonymizer(Keyring({1: bytes(range(32))}), 1)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    folder = tmp_path_factory.mktemp("report")
    source = folder / "calls.csv"
    rows = write_call_log(source, 500, 5000, seed=4)
    out = folder / "calls.parquet"
    pseudonymize(
        DuckDBEngine(), source, out, phone_columns=["caller", "callee"], pseudonyms=PSEUDONYMS
    )
    numbers = sorted({row["caller"] for row in rows} | {row["callee"] for row in rows})
    return out, numbers


def _scan(data: bytes, numbers: list[str]) -> list[str]:
    """Input numbers found in ``data`` in any written form (as typed, digits only)."""
    found = []
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        if number.encode() in data or digits.encode() in data:
            found.append(number)
    return found


def test_report_html_and_pngs(log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source, numbers = log
    report = build_report(DuckDBEngine(), source, k=15)
    assert list(report.charts) == [
        "People by country",
        "Line types",
        "Calls by hour of day (callee's local time)",
        "Origin and destination",
    ]
    page = tmp_path / "report.html"
    write_html(report, page)
    text = page.read_text(encoding="utf-8")
    assert "<script src" not in text and "cdn." not in text  # nothing fetched
    assert text.count('vegaEmbed("#chart') == 4
    assert '"type": "topojson"' in text or '"type":"topojson"' in text
    pngs = write_pngs(report, tmp_path / "png")
    assert len(pngs) == 4
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
    for output in [page, *pngs, source]:
        assert _scan(output.read_bytes(), numbers) == [], output.name
    specs = [
        json.loads(match.replace("<\\/", "</"))
        for match in re.findall(r'<script type="application/json" id="spec\d">(.*?)</script>', text)
    ]
    assert len(specs) == 4 and all("$schema" in spec for spec in specs)


def test_report_cli(log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ringfence.cli import app

    source, _numbers = log
    result = CliRunner().invoke(
        app,
        ["report", str(source), "-o", str(tmp_path / "r.html"), "--png-dir", str(tmp_path / "p")],
    )
    assert result.exit_code == 0, result.output
    assert "4 charts" in result.stdout and len(list((tmp_path / "p").glob("*.png"))) == 4
    raw = CliRunner().invoke(
        app, ["report", str(tmp_path / "r.html"), "-o", str(tmp_path / "x.html")]
    )
    assert raw.exit_code == 2 and "unknown_file_type" in raw.stderr
