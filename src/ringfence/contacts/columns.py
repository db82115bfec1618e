"""Map the headers of an import file to contact fields, in several languages.

"Mobile", "Tel.", "Phone 2", "E-mail", "Téléphone portable", "Handynummer", "Correo" ...:
headers are folded (accents removed, case folded, punctuation and digits dropped) and
matched against the word lists below. ``--map FIELD=COLUMN`` overrides any guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FIELDS = (
    "name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "country",
    "organization",
    "address",
)

_PHRASES: dict[str, set[str]] = {
    "given_name": {
        "first name",
        "firstname",
        "given name",
        "forename",
        "vorname",
        "prenom",
        "nombre de pila",
        "voornaam",
        "nome proprio",
        "primeiro nome",
    },
    "family_name": {
        "last name",
        "lastname",
        "surname",
        "family name",
        "nachname",
        "nom de famille",
        "apellido",
        "apellidos",
        "achternaam",
        "cognome",
        "sobrenome",
    },
    "name": {
        "name",
        "full name",
        "fullname",
        "display name",
        "contact",
        "contact name",
        "nombre",
        "nom",
        "naam",
        "nome",
        "navn",
        "nombre completo",
        "nom complet",
    },
    "country": {
        "country",
        "country code",
        "land",
        "pays",
        "pais",
        "paese",
        "nation",
        "countrycode",
        "iso country",
    },
    "organization": {
        "company",
        "organization",
        "organisation",
        "firma",
        "empresa",
        "societe",
        "employer",
        "account",
        "unternehmen",
        "azienda",
        "bedrijf",
    },
    "address": {
        "address",
        "street",
        "adresse",
        "direccion",
        "indirizzo",
        "endereco",
        "postal address",
        "anschrift",
    },
}
_EMAIL_WORDS = {"email", "mail", "courriel", "correo", "e mail", "emailadresse"}
_MOBILE_WORDS = {"mobile", "cell", "cellphone", "handy", "mobil", "movil", "celular",
                 "portable", "gsm", "whatsapp", "handynummer", "mobilnummer", "cellulare",
                 "telemovel"}  # fmt: skip
_PHONE_WORDS = _MOBILE_WORDS | {"phone", "telephone", "tel", "telefon", "telefono",
                                "telefone", "phonenumber", "telefonnummer", "numero", "tlf",
                                "fon"}  # fmt: skip
_LABELS = {
    "mobile": _MOBILE_WORDS,
    "work": {
        "work",
        "office",
        "business",
        "bureau",
        "arbeit",
        "trabajo",
        "travail",
        "buro",
        "geschaftlich",
        "dienstlich",
        "company",
        "ufficio",
    },
    "home": {"home", "privat", "private", "casa", "domicile", "maison", "zuhause", "residence"},
}


def fold(header: str) -> str:
    """Accents off, case folded, punctuation and digits to spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", header)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z]+", " ", text).split())


@dataclass(frozen=True)
class ColumnMap:
    """Which file column feeds which field; phones keep their label."""

    fields: dict[str, str]  # field -> column (single-valued fields)
    emails: tuple[str, ...]
    phones: tuple[tuple[str, str], ...]  # (column, label)
    external_id: str | None

    @property
    def used(self) -> set[str]:
        return {
            *self.fields.values(),
            *self.emails,
            *(c for c, _ in self.phones),
            *([self.external_id] if self.external_id else []),
        }


def phone_label(header: str) -> str:
    words = set(fold(header).split()) | {fold(header).replace(" ", "")}
    for label, vocabulary in _LABELS.items():
        if words & vocabulary:
            return label
    return "other"


def guess_field(header: str) -> str | None:
    """The field a header most likely holds, or ``None``."""
    folded = fold(header)
    if not folded:
        return None
    for field, phrases in _PHRASES.items():
        if folded in phrases:
            return field
    words = set(folded.split()) | {folded.replace(" ", "")}
    if words & _EMAIL_WORDS or folded in _EMAIL_WORDS:
        return "email"
    if words & _PHONE_WORDS or "phone" in folded or "tel" in folded.split():
        return "phone"
    return None


def build_map(
    headers: list[str], overrides: dict[str, list[str]], id_column: str | None
) -> ColumnMap:
    """Map ``headers``; ``overrides`` (from ``--map``) win over guesses.

    Raises:
        ValueError: an override or the id column names a column the file does not have,
            or an unknown field.
    """
    known = set(headers)
    for field, columns in overrides.items():
        if field not in FIELDS:
            raise ValueError(f"--map: unknown field {field!r} (fields: {', '.join(FIELDS)})")
        for column in columns:
            if column not in known:
                raise ValueError(f"--map: the file has no column {column!r}")
    if id_column is not None and id_column not in known:
        raise ValueError(f"--id-column: the file has no column {id_column!r}")
    taken = {c for cols in overrides.values() for c in cols} | ({id_column} if id_column else set())
    fields: dict[str, str] = {}
    emails: list[str] = list(overrides.get("email", []))
    phones: list[tuple[str, str]] = [(c, phone_label(c)) for c in overrides.get("phone", [])]
    for field, columns in overrides.items():
        if field not in ("email", "phone"):
            fields[field] = columns[0]
    for header in headers:
        if header in taken:
            continue
        guessed = guess_field(header)
        if guessed == "phone" and "phone" not in overrides:
            phones.append((header, phone_label(header)))
        elif guessed == "email" and "email" not in overrides:
            emails.append(header)
        elif guessed and guessed not in fields and guessed not in overrides:
            fields[guessed] = header
    return ColumnMap(fields, tuple(emails), tuple(phones), id_column)
