"""Options and helpers shared by the store-backed commands."""

from __future__ import annotations

from typing import Annotated

import typer

from ringfence.contacts import ContactStore
from ringfence.settings import load_settings

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: RINGFENCE_DATABASE_URL, else sqlite:///ringfence.db).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def open_store(db: str | None) -> ContactStore:
    """Open the contact store named by ``--db`` or the settings."""
    return ContactStore.open(db, settings=load_settings())
