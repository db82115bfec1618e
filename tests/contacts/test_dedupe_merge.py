"""Deduplication (Splink) and merge / unmerge with survivorship rules."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ringfence.cli import app
from ringfence.contacts import ContactNotFound
from ringfence.contacts.dedupe import find_duplicates, fold, pairwise_scores
from ringfence.contacts.freshness import record_verified
from ringfence.contacts.merge import MergeRefused, merge_contacts, unmerge
from ringfence.testing import synthetic_contacts


def test_fold_names():
    assert fold("  Zoë  Łukasz ") == "zoe lukasz"
    assert fold("Weiß") == "weiss"
    assert fold("Дмитрий") == "dmitriy"  # transliterated from any script
    assert fold("Ελένη") == "eleni"
    assert fold("") is None


def test_synthetic_contacts_are_labelled_and_deterministic():
    first = synthetic_contacts(500, seed=3)
    assert first == synthetic_contacts(500, seed=3)
    assert len(first) == 500
    assert len({r["person_id"] for r in first}) < 500  # some people have duplicates
    assert any(r["country"] is None for r in first)  # missing country codes


def test_graded_phone_model_beats_exact_phone_model():
    records = synthetic_contacts(8000, seed=11)
    for record in records:
        record["id"] = record["record_id"]
    truth = {r["id"]: r["person_id"] for r in records}
    ours = pairwise_scores(find_duplicates(records), truth)
    baseline = pairwise_scores(find_duplicates(records, graded=False), truth)
    print(f"ours {ours}\nbaseline {baseline}")
    # benchmarks/dedupe.py measures the +0.05 target at 100k and 1M; on this small sample the
    # exact-string baseline does better than at scale, so the margin asked here is smaller.
    assert ours["f1"] >= baseline["f1"] + 0.02
    assert ours["recall"] > baseline["recall"]
    assert ours["precision"] > 0.95 and ours["recall"] > 0.95


def _records(*rows):
    return [
        {"id": str(i), "first_name": f, "last_name": s, "email": e, "phone": p, "country": c}
        for i, (f, s, e, p, c) in enumerate(rows)
    ]


def test_small_inputs_use_the_shipped_model_and_keep_households_apart():
    records = _records(
        ("Ada", "Lovelace", "ada@example.com", "+44 20 7946 0018", "GB"),
        ("Ada", "Lovelace", "ada@example.com", "020 7946 0018", "GB"),
        ("Bob", "Lovelace", "bob@example.net", "+44 20 7946 0018", "GB"),  # her household
        ("Grace", "Hopper", None, "+1 650 253 0000", "US"),
        ("Grace", "Hopper", None, "650 253 0001", "US"),  # one digit off, same person
    )
    clusters = find_duplicates(records)
    assert sorted(c.ids for c in clusters) == [["0", "1"], ["3", "4"]]  # household apart
    same, typo = sorted(clusters, key=lambda c: c.ids)
    assert "phone: same number" in same.reasons
    assert "phone: one digit wrong or two swapped" in typo.reasons
    assert same.probability > typo.probability  # a typo is weaker evidence
    assert find_duplicates(records[:1]) == []


def test_merge_survivorship_and_unmerge(store):
    a = store.add_contact(name="Ada", phones=["+16502530000"], emails=["a@example.com"])
    b = store.add_contact(
        name="Ada L.",
        phones=["+16502530001", "+16502530002"],
        emails=["a@example.com", "ada@example.org"],
        tags=["vip"],
    )
    record_verified(store, b.phone_points[1].id, method="sms_otp")
    merge_id = merge_contacts(store, a.id, b.id, probability=0.99, reasons=["phone"])
    survivor = store.get_contact(a.id)
    assert {p.e164 for p in survivor.phones} == {"+16502530000", "+16502530001", "+16502530002"}
    assert survivor.phone_points[0].number.e164 == "+16502530002"  # most recently verified
    assert survivor.emails == ("a@example.com", "ada@example.org")
    assert survivor.tags == ("vip",)
    assert store.get_contact(b.id).status == "merged"
    assert all(c.id != b.id for c in store.list_contacts())
    assert [c.id for c in store.find_by_phone("+16502530001")] == [a.id]
    with pytest.raises(MergeRefused):
        merge_contacts(store, a.id, a.id)

    assert unmerge(store, b.id) == b.id
    restored, survivor = store.get_contact(b.id), store.get_contact(a.id)
    assert {p.e164 for p in restored.phones} == {"+16502530001", "+16502530002"}
    assert [p.e164 for p in survivor.phones] == ["+16502530000"]
    assert survivor.phone_points[0].is_primary
    assert survivor.emails == ("a@example.com",)
    with pytest.raises(ContactNotFound):
        unmerge(store, merge_id)  # already undone
    with pytest.raises(ContactNotFound):
        unmerge(store, "nonsense")


def test_dedupe_and_merge_cli(monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("RINGFENCE_KEY_FILE", str(tmp_path / "root.key"))
    runner = CliRunner()
    ids = []
    for phone in ("+44 20 7946 0018", "020 7946 0018"):
        added = runner.invoke(
            app,
            [
                "contacts",
                "add",
                "--name",
                "Ada Lovelace",
                "--phone",
                phone,
                "--email",
                "ada@example.com",
                "--country",
                "GB",
                "--db",
                db_url,
                "--json",
            ],
        )
        ids.append(json.loads(added.stdout)["id"])
    found = runner.invoke(app, ["contacts", "dedupe", "--db", db_url, "--json"])
    assert found.exit_code == 0, found.output
    clusters = json.loads(found.stdout)["clusters"]
    assert [sorted(c["ids"]) for c in clusters] == [sorted(ids)]
    assert clusters[0]["probability"] >= 0.999 and clusters[0]["reasons"]
    merged = runner.invoke(
        app, ["contacts", "dedupe", "--db", db_url, "--json", "--auto-merge-above", "0.99"]
    )
    assert json.loads(merged.stdout)["merged"] == 1
    listed = json.loads(runner.invoke(app, ["contacts", "list", "--db", db_url, "--json"]).stdout)
    assert len(listed) == 1
    other = next(i for i in ids if i != listed[0]["id"])
    assert runner.invoke(app, ["contacts", "unmerge", other, "--db", db_url]).exit_code == 0
    assert (
        len(json.loads(runner.invoke(app, ["contacts", "list", "--db", db_url, "--json"]).stdout))
        == 2
    )
    bad = runner.invoke(app, ["contacts", "merge", ids[0], ids[0], "--db", db_url])
    assert bad.exit_code == 2 and "[merge_refused]" in bad.stderr
