"""The FCC Reassigned Numbers Database checker against a local gateway speaking DNCScrub's
RND Basic API: yes, no and no data; batches of 1,000; refusals and malformed answers are
clear errors; no number reaches a URL or a log line; a yes revokes consent."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest
from pydantic import SecretStr

from ringfence.compliance import ComplianceError, ConsentLedger
from ringfence.compliance.reassigned import (
    Reassigned,
    ReassignedUnavailable,
    check_all_points,
    check_contact_point,
)
from ringfence.compliance.rnd import FccRndChecker, RndSettings
from ringfence.contacts import ContactStore
from ringfence.phone import normalize
from ringfence.testing import FakeClock
from tests.fakes.rnd import RND_LOGIN, FakeRnd
from tests.servers import serving

NUMBER = "+12015550123"


@pytest.fixture
def rnd() -> Iterator[tuple[FakeRnd, FccRndChecker, str]]:
    fake = FakeRnd()
    fake.disconnected["2015550123"] = "20260601"
    with serving(fake.app) as url:
        checker = FccRndChecker(RndSettings(login_id=SecretStr(RND_LOGIN), base_url=url))
        yield fake, checker, url
        checker.close()


def test_answers_yes_no_and_no_data(rnd) -> None:  # type: ignore[no-untyped-def]
    fake, checker, _url = rnd
    number = normalize(NUMBER)
    assert checker.check(number, date(2026, 1, 15)) is Reassigned.YES
    assert checker.check(number, date(2026, 6, 1)) is Reassigned.YES  # the day itself
    assert checker.check(number, date(2026, 6, 2)) is Reassigned.NO
    assert checker.check(number, date(2020, 5, 1)) is Reassigned.NO_DATA
    assert fake.requests[0] == {
        "Data": [{"phoneNumber": "2015550123", "date": "20260115"}],
        "UseSandbox": False,
    }


def test_batches_of_a_thousand_in_order(rnd) -> None:  # type: ignore[no-untyped-def]
    fake, checker, _url = rnd
    numbers = [normalize(f"+1201555{n:04d}") for n in range(2500)]
    answers = checker.check_many([(n, date(2026, 1, 15)) for n in numbers])
    assert len(fake.requests) == 3
    assert [len(r["Data"]) for r in fake.requests] == [1000, 1000, 500]
    assert answers[123] is Reassigned.YES
    assert answers.count(Reassigned.YES) == 1 and answers.count(Reassigned.NO) == 2499


def test_refusals_and_bad_answers_are_clear_errors(rnd) -> None:  # type: ignore[no-untyped-def]
    fake, checker, url = rnd
    number = normalize(NUMBER)
    with pytest.raises(ComplianceError) as foreign:
        checker.check(normalize("+33612345678"), date(2026, 1, 15))
    assert foreign.value.reason == "rnd_not_nanp"
    wrong = FccRndChecker(RndSettings(login_id=SecretStr("wrong"), base_url=url))
    with pytest.raises(ReassignedUnavailable) as refused:
        wrong.check(number, date(2026, 1, 15))
    assert refused.value.reason == "rnd_unauthorized" and "555" not in str(refused.value)
    wrong.close()
    fake.sandbox = True
    with pytest.raises(ReassignedUnavailable) as sandbox:
        checker.check(number, date(2026, 1, 15))
    assert sandbox.value.reason == "sandbox_answer"
    fake.sandbox, fake.status = False, 503
    with pytest.raises(ReassignedUnavailable) as down:
        checker.check(number, date(2026, 1, 15))
    assert down.value.reason == "HTTP_503"
    with pytest.raises(ComplianceError) as unconfigured:
        FccRndChecker(RndSettings(login_id=None))
    assert unconfigured.value.reason == "rnd_not_configured"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"IsReassigned": True}),
        httpx.Response(200, json=[]),
        httpx.Response(200, json=[{"PhoneNumber": "2015550999", "IsReassigned": True}]),
        httpx.Response(200, json=[{"PhoneNumber": "2015550123", "IsReassigned": "maybe"}]),
    ],
)
def test_malformed_answers(answer: httpx.Response) -> None:
    transport = httpx.MockTransport(lambda _request: answer)
    checker = FccRndChecker(RndSettings(login_id=SecretStr("x")), transport=transport)
    with pytest.raises(ReassignedUnavailable) as bad:
        checker.check(normalize(NUMBER), date(2026, 1, 15))
    assert bad.value.reason == "bad_answer"
    checker.close()


def test_network_failure() -> None:
    checker = FccRndChecker(RndSettings(login_id=SecretStr("x"), base_url="http://127.0.0.1:9"))
    with pytest.raises(ReassignedUnavailable) as network:
        checker.check(normalize(NUMBER), date(2026, 1, 15))
    assert network.value.reason == "network"
    checker.close()


def test_yes_revokes_consent_and_no_number_is_logged(rnd, db_url, keyring, caplog) -> None:  # type: ignore[no-untyped-def]
    _fake, checker, _url = rnd
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    caplog.set_level(logging.DEBUG)
    with ContactStore.open(db_url, keyring=keyring, clock=clock) as store:
        contact = store.add_contact(name="Old holder", phones=[NUMBER])
        ledger = ConsentLedger(store.engine, keyring, clock=clock)
        ledger.grant(NUMBER, channel="voice", purpose="marketing", brand="Acme")
        point = store.get_contact(contact.id).phone_points[0]
        assert check_contact_point(store, checker, point.id, since=date(2026, 1, 15)) is (
            Reassigned.YES
        )
        assert store.get_contact(contact.id).phone_points[0].status == "reassigned"
        assert not ledger.state(NUMBER, channel="voice", purpose="marketing", brand="Acme").granted
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RNDBasic" in logged and "2015550123" not in logged


def test_check_all_points_in_batches(rnd, db_url, keyring) -> None:  # type: ignore[no-untyped-def]
    fake, checker, _url = rnd
    clock = FakeClock(datetime(2026, 11, 20, 12, tzinfo=UTC))
    with ContactStore.open(db_url, keyring=keyring, clock=clock) as store:
        held = store.add_contact(name="Old holder", phones=[NUMBER, "+33612345678"])
        for n in range(5):
            store.add_contact(name=f"Other {n}", phones=[f"+1201555{n + 200:04d}"])
        answers = check_all_points(store, checker, since=date(2026, 1, 15), batch=4)
        assert [len(r["Data"]) for r in fake.requests] == [4, 2]
        by_answer = {a.answer.value if a.answer else "not_covered": a for a in answers}
        assert by_answer["yes"].contact_id == held.id and by_answer["yes"].masked.endswith("0123")
        assert by_answer["not_covered"].masked.startswith("+33")
        assert sum(a.answer is Reassigned.NO for a in answers) == 5
        statuses = {p.number.e164: p.status for p in store.get_contact(held.id).phone_points}
        assert statuses == {NUMBER: "reassigned", "+33612345678": "active"}


def test_check_reassigned_command(rnd, monkeypatch, tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from ringfence.cli import app

    _fake, _checker, url = rnd
    runner = CliRunner()
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    monkeypatch.setenv("RINGFENCE_DATABASE_URL", db_url)
    monkeypatch.setenv("RINGFENCE_RND_BASE_URL", url)
    monkeypatch.setenv("RINGFENCE_RND_LOGIN_ID", RND_LOGIN)
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    added = runner.invoke(app, ["contacts", "add", "--name", "Old holder", "--phone", NUMBER])
    assert added.exit_code == 0, added.output
    done = runner.invoke(app, ["contacts", "check-reassigned", "--since", "2026-01-15", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["yes"], report["no"]) == (1, 0)
    assert "2015550123" not in done.stdout and report["points"][0]["answer"] == "yes"
    runner.invoke(app, ["contacts", "add", "--name", "Other", "--phone", "+12015550999"])
    monkeypatch.setenv("RINGFENCE_RND_LOGIN_ID", "wrong")
    refused = runner.invoke(app, ["contacts", "check-reassigned"])
    assert refused.exit_code == 2 and "rnd_unauthorized" in refused.output
    assert "Traceback" not in refused.output
    bad_day = runner.invoke(app, ["contacts", "check-reassigned", "--since", "15/01/2026"])
    assert bad_day.exit_code == 2
    monkeypatch.delenv("RINGFENCE_RND_LOGIN_ID")
    unset = runner.invoke(app, ["contacts", "check-reassigned"])
    assert unset.exit_code == 2 and "rnd_not_configured" in unset.output
