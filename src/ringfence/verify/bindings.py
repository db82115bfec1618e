"""Reading the account bindings of a number, for the risk gate's history rule."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, func, select

from ringfence.store.models import AccountContactRow

CONTACTS = cast(Table, AccountContactRow.__table__)


_LIVE = (
    CONTACTS.c.kind == "phone",
    CONTACTS.c.exact_index.in_(bindparam("indexes", expanding=True)),
    CONTACTS.c.unbound_at.is_(None),
)
# Built once, run with parameters.
_HOLDERS = select(func.count(func.distinct(CONTACTS.c.account_id))).where(*_LIVE)
_ADDED_AT = select(func.min(CONTACTS.c.bound_at)).where(
    *_LIVE, CONTACTS.c.account_id == bindparam("account")
)


def phone_history(
    connection: Connection, indexes: list[bytes], account_id: str | None
) -> tuple[datetime | None, int]:
    """When ``account_id`` bound the number (``None``: it did not), and how many accounts
    hold it now. ``indexes`` are its exact blind indexes under every key version."""
    holders = connection.execute(_HOLDERS, {"indexes": indexes}).scalar_one()
    added_at = None
    if account_id is not None:
        parameters = {"indexes": indexes, "account": account_id}
        added_at = connection.execute(_ADDED_AT, parameters).scalar()
    return added_at, int(holders)
