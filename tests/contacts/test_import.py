"""contacts import: every row accounted for, idempotent, crash-safe, on both engines."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook, load_workbook

from ringfence.contacts.columns import build_map, guess_field, phone_label
from ringfence.contacts.export import export_contacts, neutralize
from ringfence.contacts.importer import import_contacts, resolve_country
from ringfence.errors import InputFileError

DATA = Path(__file__).parents[1] / "data"
FRENCH = DATA / "contacts_fr_latin1.csv"


def _counts(report):
    d = report.to_dict()
    return {k: d[k] for k in ("rows", "created", "updated", "merged", "unchanged", "rejected")}


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Mobile", "phone"),
        ("Tel.", "phone"),
        ("Phone 2", "phone"),
        ("E-mail", "email"),
        ("Country", "country"),
        ("Téléphone portable", "phone"),
        ("Handynummer", "phone"),
        ("Teléfono", "phone"),
        ("Correo", "email"),
        ("Vorname", "given_name"),
        ("Nachname", "family_name"),
        ("Nom", "name"),
        ("Pays", "country"),
        ("Company", "organization"),
        ("Notes", None),
        ("", None),
    ],
)
def test_headers_map_in_several_languages(header, field):
    assert guess_field(header) == field


def test_phone_labels_and_overrides():
    assert phone_label("Mobile") == "mobile"
    assert phone_label("Tel. Büro") == "work"
    assert phone_label("Home phone") == "home"
    assert phone_label("Phone 2") == "other"
    mapping = build_map(["A", "B", "Tel"], {"phone": ["A"], "name": ["B"]}, None)
    assert mapping.phones == (("A", "other"),)
    assert mapping.fields == {"name": "B"}
    with pytest.raises(ValueError, match="no column"):
        build_map(["A"], {"phone": ["Z"]}, None)
    with pytest.raises(ValueError, match="unknown field"):
        build_map(["A"], {"shoe_size": ["A"]}, None)


def test_region_from_the_address_when_there_is_no_country_column(store, tmp_path):
    source = tmp_path / "a.csv"
    source.write_text('name,phone,address\nAda,020 7946 0018,"1 High St, London, United Kingdom"\n')
    report = import_contacts(store, source)
    assert report.created == 1
    assert store.find_by_phone("+442079460018")


def test_country_names_and_codes():
    assert resolve_country("France") == "FR"
    assert resolve_country("fr") == "FR"
    assert resolve_country("DEU") == "DE"
    assert resolve_country("Narnia") is None


def test_import_sniffs_encoding_and_delimiter_and_accounts_for_every_row(store):
    report = import_contacts(store, FRENCH, id_column="ID")
    assert _counts(report) == {
        "rows": 7,
        "created": 2,
        "updated": 0,
        "merged": 1,
        "unchanged": 0,
        "rejected": 4,
    }
    assert {(r.row, r.column, r.reason) for r in report.rejects} == {
        (3, "Téléphone portable", "invalid_number"),
        (4, "Pays", "unknown_country"),
        (6, "Téléphone portable", "missing_region"),
        (7, "E-mail", "invalid_email"),
    }
    ada = store.find_by_phone("+33612345678")[0]
    assert ada.external_id == "1"
    assert set(ada.emails) == {"ada@example.com", "ada2@example.com"}  # row 5 merged in
    assert {p.label for p in ada.phone_points} == {"mobile", "work"}
    assert store.find_by_phone("+442079460018")[0].name == "Alan Turing"


def test_reimport_is_idempotent_and_region_option_rescues_rows(store):
    import_contacts(store, FRENCH, id_column="ID")
    again = import_contacts(store, FRENCH, id_column="ID")
    assert _counts(again)["unchanged"] == 3 and _counts(again)["created"] == 0
    with_region = import_contacts(store, FRENCH, id_column="ID", region="FR")
    assert (6, "Téléphone portable", "missing_region") not in {
        (r.row, r.column, r.reason) for r in with_region.rejects
    }
    assert with_region.created == 1
    assert len(store.list_contacts()) == 3


def test_dry_run_writes_nothing(store):
    report = import_contacts(store, FRENCH, id_column="ID", dry_run=True)
    assert report.created == 2 and report.dry_run
    assert store.list_contacts() == []


def test_crash_half_way_then_rerun_completes(store, tmp_path):
    source = tmp_path / "many.csv"
    lines = ["name,phone"] + [f"Person {i},+1 415 555 {i:04d}" for i in range(250)]
    source.write_text("\n".join(lines) + "\n")

    class Crash(Exception):
        pass

    def crash_at(rows: int) -> None:
        if rows == 200:
            raise Crash

    with pytest.raises(Crash):
        import_contacts(store, source, batch_size=50, on_progress=crash_at)
    done = len(store.list_contacts(limit=1000))
    assert done in (150, 200)  # whole batches only; the batch being written rolled back
    report = import_contacts(store, source, batch_size=50)
    assert report.unchanged == done and report.created == 250 - done
    assert len(store.list_contacts(limit=1000)) == 250


def test_xlsx_jsonl_and_parquet(store, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Mobile", "Country"])
    sheet.append(["Xavier", 7400123456, "GB"])  # a number cell: Excel drops the trunk 0
    sheet.append(["Yolanda", "+34 612 34 56 78", None])
    book.save(tmp_path / "c.xlsx")
    assert import_contacts(store, tmp_path / "c.xlsx").created == 2
    assert store.find_by_phone("+447400123456")[0].name == "Xavier"

    (tmp_path / "c.jsonl").write_text(
        json.dumps({"name": "Zoe", "phone": "+49 30 1234567"}) + "\n{broken\n[1, 2]\n"
    )
    report = import_contacts(store, tmp_path / "c.jsonl")
    assert report.created == 1
    assert [(r.row, r.reason) for r in report.rejects] == [
        (2, "malformed_json"),
        (3, "malformed_json"),
    ]

    pq.write_table(
        pa.table({"full name": ["Wim"], "tel": ["+31 20 123 4567"]}), tmp_path / "c.parquet"
    )
    assert import_contacts(store, tmp_path / "c.parquet").created == 1


def test_hostile_csv(store, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_bytes(
        b"name,phone\n"
        b"ok,+16502530000\n"
        b"too,many,fields\n"
        b'"unterminated,+16502530001\n' + b"huge," + b"9" * 2_000_000 + b"\n"
        b"nul\x00,+1650\x002530002\n"
    )
    report = import_contacts(store, source)
    assert report.rows == report.created + report.rejected + report.merged + report.unchanged
    assert report.created >= 1
    assert all(
        r.reason in {"malformed_row", "too_long", "not_a_number", "invalid_number"}
        for r in report.rejects
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("none.csv", None, "file_not_found"),
        ("e.csv", "", "empty_file"),
        ("x.pdf", "x", "unknown_format"),
        ("d.csv", "a,a\n1,2\n", "bad_header"),
    ],
)
def test_unreadable_files(store, tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputFileError) as caught:
        import_contacts(store, path)
    assert caught.value.reason == reason


def test_bad_mapping_is_an_input_error(store):
    with pytest.raises(InputFileError) as caught:
        import_contacts(store, FRENCH, mapping={"phone": ["Nope"]})
    assert caught.value.reason == "bad_mapping"


@pytest.mark.parametrize("cell", ["=1+1", "+1 650", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralized(cell):
    assert neutralize(cell) == "'" + cell
    assert neutralize("Ada") == "Ada"


def test_export_csv_and_xlsx_are_formula_safe(store, tmp_path):
    store.add_contact(name='=HYPERLINK("http://x","click")', phones=["+16502530000"])
    export_contacts(store, tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_text()
    assert "'=HYPERLINK" in text and "'+1 ***-***-0000" in text
    export_contacts(store, tmp_path / "out.xlsx", reveal=True)
    sheet = load_workbook(tmp_path / "out.xlsx").active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert values[2].startswith("'=") and values[6] == "'+16502530000"
    with pytest.raises(InputFileError):
        export_contacts(store, tmp_path / "out.pdf")
