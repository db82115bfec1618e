"""Traffic counters: codes sent, verified and refused per UTC day, per destination country,
destination prefix, number block, client IP, and client IP x country. They feed the
SMS-pumping rule (codes nobody enters) and the conversion metrics (approved / sent).

Numbers never reach the table: a block (the number without its last four digits) and a
client IP are stored as blind-index digests; a prefix is the country code and national
destination code (``+33 6``), the ladder's level below the country.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Select, Table, and_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from ringfence.crypto import BlindIndexer
from ringfence.phone import PhoneNumber
from ringfence.phone.describe import destination_prefix
from ringfence.risk.model import Tally, TrafficSnapshot
from ringfence.store.models import TrafficCounterRow

COUNTERS = cast(Table, TrafficCounterRow.__table__)
C = COUNTERS.c
NON_GEOGRAPHIC = "001"
# Rows per counter: a send adds to one of them at random, so that concurrent sends to one
# country rarely wait on each other's row lock; readers sum them.
SHARDS = 16


def _snapshot_query(with_ip: bool) -> Select[Any]:
    day = bindparam("day", type_=C.day.type)
    wanted = [
        and_(C.scope == "country", C.key == bindparam("country")),
        and_(C.scope == "block", C.key == bindparam("block")),
    ]
    if with_ip:
        wanted += [
            and_(C.scope == "ip", C.key == bindparam("ip")),
            and_(
                C.scope == "ip_country",
                C.key >= bindparam("ip_from"),
                C.key < bindparam("ip_to"),
                C.day == day,
            ),
        ]
    return (
        select(C.day, C.scope, C.key, func.sum(C.sent).label("sent"))
        .add_columns(func.sum(C.verified).label("verified"))
        .where(C.day >= bindparam("start", type_=C.day.type), C.day <= day, or_(*wanted))
        .group_by(C.day, C.scope, C.key)
    )


def _upsert(dialect: Any) -> Any:
    statement = dialect.insert(COUNTERS)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["scope", "key", "day", "shard"],
        set_={
            "sent": C.sent + excluded.sent,
            "verified": C.verified + excluded.verified,
            "blocked": C.blocked + excluded.blocked,
        },
    )


# Built once: reused statements skip SQLAlchemy's construction and cache-key work.
_SNAPSHOT = _snapshot_query(with_ip=False)
_SNAPSHOT_WITH_IP = _snapshot_query(with_ip=True)
_UPSERT = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


@dataclass(frozen=True)
class TrafficKeys:
    """The counters one send is counted under."""

    country: str
    prefix: str
    block: str
    ip: str | None = None

    def pairs(self) -> list[list[str]]:
        pairs = [["country", self.country], ["prefix", self.prefix], ["block", self.block]]
        if self.ip is not None:
            pairs += [["ip", self.ip], ["ip_country", f"{self.ip}:{self.country}"]]
        return pairs


def traffic_keys(indexer: BlindIndexer, number: PhoneNumber, client_ip: str | None) -> TrafficKeys:
    """Counter keys for a send to ``number`` asked for from ``client_ip``."""
    return TrafficKeys(
        country=number.region or NON_GEOGRAPHIC,
        prefix=destination_prefix(number),
        block=indexer.exact(number.e164[:-4]).hex(),
        # "ip:" keeps client addresses apart from numbers under the same key.
        ip=indexer.exact("ip:" + client_ip).hex() if client_ip else None,
    )


class TrafficCounters:
    """Reads and writes the counters in one store."""

    def __init__(self, engine: Engine, indexer: BlindIndexer) -> None:
        self.engine = engine
        self.indexer = indexer

    def keys(self, number: PhoneNumber, client_ip: str | None) -> TrafficKeys:
        return traffic_keys(self.indexer, number, client_ip)

    def snapshot(
        self,
        keys: TrafficKeys,
        day: date,
        baseline_days: int = 14,
        *,
        connection: Connection | None = None,
    ) -> TrafficSnapshot:
        """The tallies of ``day`` and the baselines of the ``baseline_days`` days before it,
        in one query (in ``connection`` if given)."""
        parameters = {
            "start": day - timedelta(days=baseline_days),
            "day": day,
            "country": keys.country,
            "block": keys.block,
        }
        query = _SNAPSHOT
        if keys.ip is not None:
            query = _SNAPSHOT_WITH_IP
            parameters |= {"ip": keys.ip, "ip_from": keys.ip + ":", "ip_to": keys.ip + ";"}
        if connection is None:
            with self.engine.connect() as own:
                rows = own.execute(query, parameters).all()
        else:
            rows = connection.execute(query, parameters).all()
        return _snapshot(rows, keys, day)

    def count(
        self,
        connection: Connection,
        pairs: Iterable[list[str]],
        day: date,
        *,
        sent: int = 0,
        verified: int = 0,
        blocked: int = 0,
    ) -> None:
        """Add to the counters of ``pairs`` on ``day`` (one upsert for all of them, on one
        shard picked at random)."""
        shard = random.randrange(SHARDS)  # noqa: S311 (spreads lock contention; no secret)
        rows = [
            {
                "day": day,
                "shard": shard,
                "scope": scope,
                "key": key,
                "sent": sent,
                "verified": verified,
                "blocked": blocked,
            }
            for scope, key in pairs
        ]
        if not rows:
            return
        connection.execute(_UPSERT[connection.dialect.name], rows)

    def conversion(self, since: date, until: date, scope: str = "country") -> list[Conversion]:
        """Sent, verified, refused and the conversion rate per ``country`` or ``prefix``
        over the days ``since`` to ``until`` inclusive, busiest first."""
        if scope not in ("country", "prefix"):
            raise ValueError("conversion is reported per country or per prefix")
        query = (
            select(C.key, func.sum(C.sent), func.sum(C.verified), func.sum(C.blocked))
            .where(C.scope == scope, C.day >= since, C.day <= until)
            .group_by(C.key)
            .order_by(func.sum(C.sent).desc(), C.key)
        )
        with self.engine.connect() as connection:
            return [
                Conversion(key, int(sent), int(verified), int(blocked))
                for key, sent, verified, blocked in connection.execute(query)
            ]


@dataclass(frozen=True)
class Conversion:
    """Codes sent, approved and refused for one country or prefix."""

    key: str
    sent: int
    verified: int
    blocked: int

    @property
    def rate(self) -> float | None:
        """Approved / sent (``None`` when nothing was sent)."""
        return min(1.0, self.verified / self.sent) if self.sent else None

    def to_dict(self) -> dict[str, Any]:
        rate = self.rate
        return {
            "key": self.key,
            "sent": self.sent,
            "verified": self.verified,
            "blocked": self.blocked,
            "conversion_rate": None if rate is None else round(rate, 4),
        }


def _snapshot(rows: Iterable[Any], keys: TrafficKeys, day: date) -> TrafficSnapshot:
    today: dict[str, Tally] = {}
    baseline = {"country": 0, "block": 0}
    countries = set()
    for row in rows:
        if row.scope == "ip_country":
            countries.add(row.key)
        elif row.day == day:
            today[row.scope] = Tally(row.sent, row.verified)
        elif row.scope in baseline:
            baseline[row.scope] = max(baseline[row.scope], row.verified)
    countries.add(f"{keys.ip}:{keys.country}")
    return TrafficSnapshot(
        country=today.get("country", Tally()),
        block=today.get("block", Tally()),
        ip=today.get("ip", Tally()) if keys.ip is not None else None,
        ip_countries=len(countries) if keys.ip is not None else 0,
        country_baseline=baseline["country"],
        block_baseline=baseline["block"],
    )
