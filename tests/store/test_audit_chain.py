"""The audit log's hash chains (lanes): appends under concurrency stay unbroken chains, and
any modified, deleted, reordered, moved or forged entry, or a cut-off tail, is found and
named with its lane."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ringfence.store import make_engine, upgrade
from ringfence.store.audit import (
    AUDIT,
    LANES,
    heads_digest,
    list_events,
    record_event,
    verify_chain,
)
from ringfence.store.migrate import upgrade as migrate_to

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url):  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def append(engine, count: int, start: int = 0, lane: int | None = None) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + count):
        with engine.begin() as connection:
            record_event(
                connection,
                lane=lane,
                at=AT + timedelta(seconds=i),
                action="consent.granted",
                subject_type="phone",
                subject_id=f"subject-{i}",
                actor="agent-1",
                details={"n": i, "score": 0.125, "note": "é"},
            )


def test_an_intact_chain_verifies(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        empty = verify_chain(connection)
    assert empty.ok and empty.entries == 0
    append(engine, 5)
    with engine.connect() as connection:
        report = verify_chain(connection)
        newest = list_events(connection, limit=1)[0]
    assert report.ok and report.entries == 5 and report.head_seq == 5
    assert len(report.lanes) == LANES
    _lane, seq, hash_ = next(head for head in report.lanes if head[0] == newest["lane"])
    assert (seq, hash_) == (newest["seq"], newest["hash"].hex())
    assert newest["subject_id"] == "subject-4"
    heads = [(lane, seq, bytes.fromhex(hash_)) for lane, seq, hash_ in report.lanes]
    assert report.head_hash == heads_digest(heads) != empty.head_hash


def test_concurrent_appends_make_one_chain(engine) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            append(engine, 15, start=offset * 100)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as connection:
        report = verify_chain(connection)
        lanes = connection.execute(text("SELECT DISTINCT lane FROM audit_events")).all()
    assert report.ok and report.entries == 90
    assert len(lanes) > 1  # appends spread over the lanes (not queueing on one head)


IN_LANE_3 = "lane = 3 AND seq = 3"
TAMPERING: dict[str, str | None] = {
    "modified details": f"UPDATE audit_events SET details = '{{\"n\": 99}}' WHERE {IN_LANE_3}",
    "modified action": f"UPDATE audit_events SET action = 'consent.revoked' WHERE {IN_LANE_3}",
    "modified time": f"UPDATE audit_events SET subject_id = 'someone-else' WHERE {IN_LANE_3}",
    "deleted": f"DELETE FROM audit_events WHERE {IN_LANE_3}",
    "reordered": None,  # entries 3 and 4 swap places (below)
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_tampering_is_found_at_the_first_bad_entry(engine, change: str) -> None:  # type: ignore[no-untyped-def]
    append(engine, 4, lane=1)
    append(engine, 6, lane=3)
    with engine.begin() as connection:
        if change == "reordered":
            # a unique pair: swap through a free number, as a careful forger would
            swap = "UPDATE audit_events SET seq = {} WHERE lane = 3 AND seq = {}"
            connection.execute(text(swap.format(-4, 4)))
            connection.execute(text(swap.format(4, 3)))
            connection.execute(text(swap.format(3, -4)))
        else:
            connection.execute(text(str(TAMPERING[change])))
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert not report.ok
    assert (report.bad_lane, report.bad_seq) == (3, 3), report
    assert report.problem


@pytest.mark.parametrize(("lane", "problem"), [(5, "removed"), (99, "does not exist")])
def test_an_entry_moved_to_another_lane_is_found(engine, lane: int, problem: str) -> None:  # type: ignore[no-untyped-def]
    append(engine, 3, lane=2)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE audit_events SET lane = {lane} WHERE seq = 3"))
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert not report.ok and report.bad_lane == lane and problem in (report.problem or "")


def test_a_cut_off_tail_and_a_forged_entry_are_found(engine) -> None:  # type: ignore[no-untyped-def]
    append(engine, 4, lane=7)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 4"))
    with engine.connect() as connection:
        cut = verify_chain(connection)
    assert not cut.ok and (cut.bad_lane, cut.bad_seq) == (7, 4)
    assert "missing" in (cut.problem or "")
    with engine.begin() as connection:
        row = connection.execute(AUDIT.select().where(AUDIT.c.seq == 3)).one()
        forged = {**row._mapping, "id": 1000, "seq": 4, "prev_hash": row.hash, "hash": bytes(32)}
        connection.execute(AUDIT.insert().values(**forged))
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert not report.ok and report.bad_seq == 4 and "modified" in (report.problem or "")


def test_the_migration_chains_entries_written_before_it(db_url) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    try:
        migrate_to(engine, "0008")
        with engine.begin() as connection:
            for i in range(3):
                connection.execute(
                    text(
                        "INSERT INTO audit_events (at, action, subject_type, subject_id, actor,"
                        " details) VALUES (:at, 'old.event', 'thing', :sid, NULL, :details)"
                    ),
                    {"at": AT + timedelta(minutes=i), "sid": f"old-{i}", "details": '{"i": 1}'},
                )
        upgrade(engine)
        append(engine, 2)
        with engine.connect() as connection:
            report = verify_chain(connection)
        assert report.ok and report.entries == 5
    finally:
        engine.dispose()


def test_audit_verify_cli(engine, db_url, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from ringfence.cli import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    append(engine, 3, lane=1)
    intact = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert intact.exit_code == 0 and "intact: 3 entries" in intact.stdout
    report = json.loads(runner.invoke(app, ["audit", "verify", "--db", db_url, "--json"]).stdout)
    assert report["ok"] and report["head"]["seq"] == 3 and report["first_bad"] is None
    assert {k: report["lanes"][0][k] for k in ("lane", "seq")} == {"lane": 1, "seq": 3}
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET actor = 'someone' WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify", "--db", db_url])
    assert broken.exit_code == 1
    assert "BROKEN at lane 1 entry 2" in broken.stderr and "modified" in broken.stderr
    as_json = runner.invoke(app, ["audit", "verify", "--db", db_url, "--json"])
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["first_bad"]["seq"] == 2
    bad_db = runner.invoke(app, ["audit", "verify", "--db", "mysql://x"])
    assert bad_db.exit_code == 2 and "unsupported_database" in bad_db.stderr


@pytest.mark.parametrize("lane", [0, -1, 17, 10**9])
def test_a_lane_out_of_range_is_refused_and_writes_nothing(engine, lane: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="numbered 1 to 16"), engine.begin() as connection:
        record_event(connection, at=AT, action="x", subject_type="t", subject_id="s", lane=lane)
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert report.ok and report.entries == 0


def test_going_back_to_one_lane_is_refused_once_other_lanes_hold_entries(db_url) -> None:  # type: ignore[no-untyped-def]
    from ringfence.store import downgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        append(engine, 2, lane=1)
        downgrade(engine, "0013")  # only lane 1 used: back to one chain, intact
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_head")).scalar() == 1
        upgrade(engine)
        append(engine, 1, lane=9)
        with pytest.raises(RuntimeError, match="cannot go back to one lane"):
            downgrade(engine, "0013")
        with engine.connect() as connection:
            report = verify_chain(connection)
        assert report.ok and report.entries == 3
    finally:
        engine.dispose()
