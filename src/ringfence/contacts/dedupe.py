"""Entity resolution over contacts: which records are the same person?

A Fellegi-Sunter model (Splink, DuckDB backend) combines:

* a graded phone comparison — same E.164 and extension; same number, other extension; same
  national number with the country missing or different; one national number a suffix of
  the other (written without its area code); one wrong digit or two adjacent digits swapped
  (Damerau-Levenshtein 1) — with term-frequency adjustment, so a number that a switchboard or
  a household shares is weak evidence;
* first names folded (accents, case) and mapped through nicknames, then Jaro-Winkler —
  and postal addresses inside the same comparison: a shared address counts only together
  with the same first name;
* last names folded, then Jaro-Winkler; emails exact, then same user part.

Why addresses ride with first names: the members of a household share an address just as
they share a landline. Compared on its own, the address agreement adds to the phone's under
the model's independence assumption and outvotes a different first name (measured on
synthetic_contacts: precision at 100k fell from 0.99 to 0.78). Joined to the first name, the
address sharpens "same first name" (same address: stronger; two different addresses: weaker;
an address missing: unchanged) and says nothing when first names differ. Measured: F1 at
100k 0.986 -> 0.989, at 1M 0.940 -> 0.964.

Phone numbers exist in clear only inside this process, in DuckDB's memory, for the run.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ringfence.phone import normalize_many

NICKNAMES = {
    "bob": "robert",
    "rob": "robert",
    "bobby": "robert",
    "bill": "william",
    "will": "william",
    "liam": "william",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "maggie": "margaret",
    "peggy": "margaret",
    "meg": "margaret",
    "kate": "katherine",
    "katie": "katherine",
    "kathy": "katherine",
    "jim": "james",
    "jimmy": "james",
    "mike": "michael",
    "mick": "michael",
    "jen": "jennifer",
    "jenny": "jennifer",
    "rick": "richard",
    "dick": "richard",
    "alex": "alexander",
    "sasha": "alexander",
    "annie": "anne",
    "tom": "thomas",
    "tommy": "thomas",
    "dan": "daniel",
    "danny": "daniel",
    "chris": "christopher",
    "pat": "patricia",
    "trish": "patricia",
    "joe": "joseph",
    "sue": "susan",
    "charlie": "charles",
    "chuck": "charles",
    "debbie": "deborah",
    "deb": "deborah",
    "mohamed": "mohammed",
    "muhammad": "mohammed",
    "kolya": "nikolai",
}
# Chosen on synthetic_contacts, where F1 peaks near it at both sizes measured:
# 100k: 0.986 at 0.8, 0.990 at 0.95; 1M: 0.940 at 0.8, 0.844 at 0.95 (the prior that two
# records match shrinks as the data grows, so a higher cut-off loses recall at scale).
DEFAULT_THRESHOLD = 0.8
# Below this many records the model is not trained on the data but loaded ready-made.
MIN_RECORDS_TO_TRAIN = 5_000
PRETRAINED_MODEL = Path(__file__).parent / "dedupe_model.json"


def fold(text: str | None) -> str | None:
    """Transliterated to ASCII (any script: "Łukasz", "Weiß", "Дмитрий", "李"), case folded,
    punctuation gone."""
    if not text:
        return None
    from anyascii import anyascii

    letters = anyascii(unicodedata.normalize("NFC", text)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split()) or None


@dataclass(frozen=True)
class Cluster:
    """Records judged to be one person, with the weakest link's probability and why."""

    ids: list[str]
    probability: float
    reasons: list[str] = field(default_factory=list)


def _features(records: Sequence[dict[str, Any]]) -> Any:
    """The comparison columns, as an Arrow table (phones normalized in bulk)."""
    import pyarrow as pa

    phones = [r.get("phone") for r in records]
    normalized = normalize_many(phones, regions=[r.get("country") for r in records]).to_pylist()
    rows = []
    for record, norm in zip(records, normalized, strict=True):
        if norm["valid"]:
            nsn = norm["e164"][1 + len(str(norm["country_code"])) :]
        else:  # no usable country: the digits alone, trunk zeros off, stand for the NSN
            raw = re.sub(r"(?i)\s*(ext\.?|x|#).*$", "", record.get("phone") or "")
            nsn = re.sub(r"\D", "", raw).lstrip("0") or None
        first = fold(record.get("first_name"))
        rows.append(
            {
                "unique_id": str(record["id"]),
                "phone_raw": record.get("phone"),
                "e164": norm["e164"],
                "extension": norm["extension"],
                "nsn": nsn,
                "nsn_last7": nsn[-7:] if nsn and len(nsn) >= 7 else None,
                "first_name": NICKNAMES.get(first or "", first),
                "last_name": fold(record.get("last_name")),
                "email": (record.get("email") or "").strip().lower() or None,
                "email_user": (record.get("email") or "").split("@")[0].lower() or None,
                "address": _address(record.get("address")),
            }
        )
    return pa.Table.from_pylist(rows)


_STREET_WORDS = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "strasse": "str",
    "boulevard": "blvd",
    "place": "pl",
    "rue": "r",
}


def _address(text: str | None) -> str | None:
    """Folded, with common street words abbreviated the same way."""
    folded = fold(text)
    if not folded:
        return None
    return " ".join(_STREET_WORDS.get(word, word) for word in folded.split())


def _phone_comparison(graded: bool) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    if not graded:  # what people do today: the phone as an exact string
        return cl.ExactMatch("phone_raw").configure(term_frequency_adjustments=True)
    return cl.CustomComparison(
        output_column_name="phone",
        comparison_levels=[
            cll.CustomLevel(
                "(e164_l IS NULL OR e164_r IS NULL) AND (nsn_l IS NULL OR nsn_r IS NULL)"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "e164_l = e164_r AND coalesce(extension_l, '') = coalesce(extension_r, '')",
                label_for_charts="same number",
            ).configure(tf_adjustment_column="e164", tf_adjustment_weight=1.0),
            cll.CustomLevel(
                "e164_l = e164_r", label_for_charts="same number, other extension"
            ).configure(tf_adjustment_column="e164", tf_adjustment_weight=1.0),
            cll.CustomLevel("nsn_l = nsn_r", label_for_charts="same national number").configure(
                tf_adjustment_column="nsn", tf_adjustment_weight=1.0
            ),
            cll.CustomLevel(
                "length(nsn_l) >= 7 AND length(nsn_r) >= 7 AND "
                "(ends_with(nsn_l, nsn_r) OR ends_with(nsn_r, nsn_l))",
                label_for_charts="short national number",
            ),
            cll.CustomLevel(
                "damerau_levenshtein(nsn_l, nsn_r) <= 1",
                label_for_charts="one digit wrong or swapped",
            ),
            cll.ElseLevel(),
        ],
    )


# m-probabilities set from knowledge, not learnt: expectation-maximisation, blocked on a
# shared number, sees households and switchboards as matches and learns that a different
# first name or email is common among duplicates. It is not; fixing these keeps a household
# (same number, same surname, other first name) apart. "Same first name" (0.86 in all) is
# split by address: both records show one (36%), then nearly always the same one.
FIRST_NAME_M = [0.279, 0.031, 0.55, 0.07, 0.04, 0.03]
EMAIL_M = [0.9, 0.05, 0.05]


def _first_name_and_address_levels() -> list[tuple[str, str]]:
    same = "first_name_l = first_name_r"
    return [
        (f"{same} AND address_l = address_r", "same, same address"),
        (f"{same} AND address_l IS NOT NULL AND address_r IS NOT NULL", "same, other address"),
        *_name_levels("first_name"),
    ]


def _name_levels(column: str) -> list[tuple[str, str]]:
    return [
        (f"{column}_l = {column}_r", "same"),
        (f"jaro_winkler_similarity({column}_l, {column}_r) >= 0.92", "very similar"),
        (f"jaro_winkler_similarity({column}_l, {column}_r) >= 0.8", "similar"),
    ]


def _fixed_m(column: str, levels: list[tuple[str, str]], m: list[float]) -> Any:
    """A comparison whose m-probabilities are fixed (null level, ``levels``, else)."""
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            {"sql_condition": f"{column}_l IS NULL OR {column}_r IS NULL", "is_null_level": True},
            *(
                {
                    "sql_condition": sql,
                    "label_for_charts": label,
                    "m_probability": p,
                    "fix_m_probability": True,
                }
                for (sql, label), p in zip(levels, m, strict=False)
            ),
            {
                "sql_condition": "ELSE",
                "label_for_charts": "different",
                "m_probability": m[-1],
                "fix_m_probability": True,
            },
        ],
    )


def _settings(graded: bool) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            _phone_comparison(graded),
            _fixed_m("first_name", _first_name_and_address_levels(), FIRST_NAME_M),
            cl.JaroWinklerAtThresholds("last_name", [0.92, 0.8]),
            _fixed_m(
                "email",
                [
                    ("email_l = email_r", "same email"),
                    ("email_user_l = email_user_r", "same email user"),
                ],
                EMAIL_M,
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nsn_last7") if graded else block_on("phone_raw"),
            block_on("email"),
            block_on("first_name", "last_name"),
        ],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )


def find_duplicates(
    records: Sequence[dict[str, Any]], *, threshold: float = DEFAULT_THRESHOLD, graded: bool = True
) -> list[Cluster]:
    """Cluster ``records`` (dicts with ``id``, ``first_name``, ``last_name``, ``email``,
    ``phone``, ``country``) into people; only clusters of two or more are returned.

    Args:
        threshold: match probability at or above which two records are the same person.
        graded: the graded phone comparison (default); ``False`` gives the baseline model
            that compares phones as exact strings.
    """
    import duckdb
    from splink import DuckDBAPI, Linker

    if len(records) < 2:
        return []
    logging.getLogger("splink").setLevel(logging.ERROR)  # training chatter is not for users
    connection = duckdb.connect()
    db_api = DuckDBAPI(connection=connection)
    table = db_api.register(_features(records))
    if graded and len(records) < MIN_RECORDS_TO_TRAIN:
        # Too few records to estimate a model: use the one trained on synthetic_contacts.
        linker = Linker(table, _pretrained_without_tf(), log_level=None)
    else:
        linker = Linker(table, _settings(graded), log_level=None)
        _train(linker, graded)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    result = _clusters(connection, predictions.physical_name, clusters.physical_name)
    connection.close()
    return result


def _pretrained_without_tf() -> dict[str, Any]:
    """The shipped model, without term-frequency adjustments: in a handful of records every
    number looks frequent, which would wrongly weaken the best evidence there is."""
    import json

    model: dict[str, Any] = json.loads(PRETRAINED_MODEL.read_text())
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            level.pop("tf_adjustment_column", None)
            level.pop("tf_adjustment_weight", None)
    return model


def _train(linker: Any, graded: bool) -> None:
    from splink import block_on

    deterministic: list[Any] = [block_on("email")]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("nsn_last7") if graded else block_on("phone_raw")
    )


def train_pretrained_model(path: Path = PRETRAINED_MODEL, n: int = 50_000) -> None:
    """Train the graded model on synthetic contacts and save it (run when the model or the
    generator changes: ``uv run python -m ringfence.contacts.dedupe``)."""
    import duckdb
    from splink import DuckDBAPI, Linker

    from ringfence.testing import synthetic_contacts

    records = synthetic_contacts(n, seed=42)
    for record in records:
        record["id"] = record["record_id"]
    db_api = DuckDBAPI(connection=duckdb.connect())
    linker = Linker(db_api.register(_features(records)), _settings(True), log_level=None)
    _train(linker, True)
    linker.misc.save_model_to_json(str(path), overwrite=True)


REASON_LABELS = {
    "phone": {
        5: "phone: same number",
        4: "phone: same number, other extension",
        3: "phone: same national number, country missing or different",
        2: "phone: one number is the other without its area code",
        1: "phone: one digit wrong or two swapped",
    },
    "phone_raw": {1: "phone: same text"},
    "first_name": {
        5: "first name and address: same",
        4: "first name: same, addresses differ",
        3: "first name: same (nicknames folded)",
        2: "first name: very similar",
        1: "first name: similar",
    },
    "last_name": {3: "last name: same", 2: "last name: very similar", 1: "last name: similar"},
    "email": {2: "email: same", 1: "email: same user name"},
}


def _clusters(connection: Any, predictions: str, clusters: str) -> list[Cluster]:
    members = connection.execute(
        f"SELECT cluster_id, list(unique_id ORDER BY unique_id) FROM {clusters} "  # noqa: S608
        "GROUP BY cluster_id HAVING count(*) > 1"
    ).fetchall()
    columns = {row[0] for row in connection.execute(f"DESCRIBE {predictions}").fetchall()}
    level_columns = [
        c
        for c in ("gamma_phone", "gamma_first_name", "gamma_last_name", "gamma_email")
        if c in columns
    ]
    edges = connection.execute(
        f"SELECT c.cluster_id, min(p.match_probability) "  # noqa: S608
        f"{''.join(f', list(DISTINCT p.{c})' for c in level_columns)} "
        f"FROM {predictions} p JOIN {clusters} c ON p.unique_id_l = c.unique_id "
        "GROUP BY c.cluster_id"
    ).fetchall()
    by_cluster = {row[0]: row[1:] for row in edges}
    result = []
    for cluster_id, ids in members:
        probability, *levels = by_cluster.get(cluster_id, (1.0,))
        reasons = [
            REASON_LABELS[column.removeprefix("gamma_")].get(level, f"{column}={level}")
            for column, values in zip(level_columns, levels, strict=False)
            for level in sorted((v for v in values if v is not None), reverse=True)
            if level > 0
        ]
        result.append(Cluster(ids=list(ids), probability=float(probability), reasons=reasons))
    return sorted(result, key=lambda c: c.ids)


def pairwise_scores(clusters: Sequence[Cluster], truth: dict[str, Any]) -> dict[str, float]:
    """Precision, recall and F1 of the pairs implied by ``clusters`` against ``truth``
    (record id -> true person id)."""
    from collections import defaultdict
    from itertools import combinations

    predicted = {tuple(sorted(p)) for c in clusters for p in combinations(c.ids, 2)}
    people: dict[Any, list[str]] = defaultdict(list)
    for record_id, person in truth.items():
        people[person].append(record_id)
    actual = {tuple(sorted(p)) for ids in people.values() for p in combinations(ids, 2)}
    hits = len(predicted & actual)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(actual) if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "predicted_pairs": len(predicted),
        "true_pairs": len(actual),
    }


def store_records(store: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One record per active contact (its primary number), and id -> shown id (the
    external id when there is one)."""
    records: list[dict[str, Any]] = []
    shown: dict[str, str] = {}
    offset = 0
    while batch := store.list_contacts(limit=5000, offset=offset):
        for contact in batch:
            first, _, last = contact.name.partition(" ")
            phone = contact.phones[0] if contact.phones else None
            records.append(
                {
                    "id": str(contact.id),
                    "first_name": contact.given_name or first,
                    "last_name": contact.family_name or last or None,
                    "email": contact.emails[0] if contact.emails else None,
                    "address": (contact.addresses[0].get("text") if contact.addresses else None),
                    "phone": phone.e164 if phone else None,
                    "country": contact.country,
                }
            )
            shown[str(contact.id)] = contact.external_id or str(contact.id)
        offset += len(batch)
    return records, shown


def dedupe_store(store: Any, *, threshold: float = DEFAULT_THRESHOLD) -> list[Cluster]:
    """Clusters of active contacts in ``store`` that are probably one person (contact ids)."""
    records, _ = store_records(store)
    return find_duplicates(records, threshold=threshold)


if __name__ == "__main__":
    train_pretrained_model()
