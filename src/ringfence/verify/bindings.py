"""Reading the account bindings of a number, for the risk gate's history rule."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, func, select

from ringfence.store.models import AccountContactRow

CONTACTS = cast(Table, AccountContactRow.__table__)


def phone_history(
    connection: Connection, indexes: list[bytes], account_id: str | None
) -> tuple[datetime | None, int]:
    """When ``account_id`` bound the number (``None``: it did not), and how many accounts
    hold it now. ``indexes`` are its exact blind indexes under every key version."""
    live = (
        CONTACTS.c.kind == "phone",
        CONTACTS.c.exact_index.in_(indexes),
        CONTACTS.c.unbound_at.is_(None),
    )
    holders = connection.execute(
        select(func.count(func.distinct(CONTACTS.c.account_id))).where(*live)
    ).scalar_one()
    added_at = None
    if account_id is not None:
        added_at = connection.execute(
            select(func.min(CONTACTS.c.bound_at)).where(*live, CONTACTS.c.account_id == account_id)
        ).scalar()
    return added_at, int(holders)
