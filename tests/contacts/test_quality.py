"""The data-quality report flags each problem, with masked examples only."""

from __future__ import annotations

import json
from dataclasses import replace

from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.contacts.freshness import record_verified
from ringfence.contacts.quality import quality_report, report_html
from ringfence.phone import NumberType, normalize


def test_each_check_fires(store):
    store.add_contact(name="Fr in US", phones=["+33 6 12 34 56 78"], country="US")
    store.add_contact(name="Landline", phones=["+44 20 7946 0018"], country="GB")  # label mobile
    store.add_contact(name="Toll free", phones=["+1 800 356 9377"], country="US")
    for n in range(3):
        store.add_contact(name=f"Switchboard {n}", phones=["+1 650 253 0000"], country="US")
    twin_a = store.add_contact(name="Twin", phones=["+1 650 253 0001"], country="US")
    store.add_contact(name="Twin", phones=["+1 650 253 0001"], country="US")
    record_verified(store, twin_a.phone_points[0].id, method="sms_otp")
    # A number stored as a mobile whose metadata now says fixed line or mobile.
    changed = replace(normalize("+1 650 253 0002"), number_type=NumberType.MOBILE)
    store.add_contacts([{"name": "Changed", "phones": [changed]}])
    store.add_contact(name="National", phones=["(650) 253-0003"], country="US")

    report = quality_report(store)
    checks = {name: c.count for name, c in report.checks.items()}
    assert report.contacts == 10 and report.phones == 10
    assert checks["region_mismatch"] == 1
    assert checks["fixed_line_in_mobile_field"] == 1
    assert checks["toll_free"] == 1
    assert checks["shared_number"] == 3
    assert checks["possible_duplicates"] == 2
    assert checks["type_changed"] == 1
    assert checks["not_verified"] == 9
    assert checks["missing_country_code"] == 1
    assert checks["invalid_now"] == 0
    page = report_html(report)
    assert "<svg" in page and "<script" not in page
    dumped = json.dumps(report.to_dict()) + page
    for secret in ("6502530000", "33612345678", "2079460018", "8003569377"):
        assert secret not in dumped


def test_quality_cli(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    runner = CliRunner()
    runner.invoke(
        app, ["contacts", "add", "--name", "A", "--phone", "+18003569377", "--db", db_url]
    )
    result = runner.invoke(
        app, ["contacts", "quality", "--db", db_url, "--json", "--html", str(tmp_path / "q.html")]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["checks"]["toll_free"]["count"] == 1
    assert "Phone data quality" in (tmp_path / "q.html").read_text()
