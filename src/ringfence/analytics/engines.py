"""The engines the analytics pipeline runs on. Each is a thin adapter over a handful of
hooks — load a table, register an Arrow table, run SQL, fetch, write Parquet — so the
pipeline's logic is written once. DuckDB is the embedded default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from ringfence.errors import ConfigurationError, RingfenceError


class AnalyticsError(RingfenceError, ValueError):
    """An input the pipeline cannot read, or a query over columns it does not have."""

    default_reason = "analytics_error"


# the column a view loaded with ``numbered=True`` carries: the input order, for ORDER BY
ORDINAL = "__ringfence_row"


@dataclass(frozen=True)
class Dialect:
    """Where the engines' SQL differs: the text type, a 64-bit hash, the local hour."""

    text: str
    # a 64-bit hash of the text ``{}`` (Spark's ``hash`` has 32 bits: too few to count by)
    fingerprint: str
    # the hour (0-23) of an ISO 8601 UTC timestamp text ``{ts}`` in the IANA zone ``{tz}``
    local_hour: str


DUCKDB = Dialect(
    text="VARCHAR",
    fingerprint="hash({})",
    local_hour="hour(timezone({tz}, CAST({ts} AS TIMESTAMPTZ)))",
)
SPARK = Dialect(
    text="STRING",
    fingerprint="xxhash64({})",
    local_hour="hour(from_utc_timestamp(CAST({ts} AS TIMESTAMP), {tz}))",
)


class AnalyticsEngine(Protocol):
    name: str
    dialect: Dialect

    def load(self, name: str, path: Path, *, numbered: bool = False) -> list[str]: ...

    def register(self, name: str, table: pa.Table) -> None: ...

    def fetch(self, query: str) -> pa.Table: ...

    def write_parquet(self, query: str, path: Path) -> int: ...

    def materialize(self, name: str, query: str) -> None: ...

    def drop(self, name: str) -> None: ...

    def close(self) -> None: ...


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (both engines' dialects accept double quotes)."""
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBEngine:
    """In-process DuckDB over CSV and Parquet files."""

    name = "duckdb"
    dialect = DUCKDB

    def __init__(self) -> None:
        import duckdb

        self._duckdb = duckdb
        self.connection = duckdb.connect(":memory:")

    def load(self, name: str, path: Path, *, numbered: bool = False) -> list[str]:
        """Expose a CSV (every cell as text: leading zeros and ``+`` survive) or Parquet
        file as the view ``name``; returns its columns. ``numbered`` adds the column
        :data:`ORDINAL`, the input order (not among the columns returned)."""
        kind = file_kind(path)
        try:
            if kind == "parquet":
                relation = self.connection.read_parquet(str(path))
            else:
                relation = self.connection.read_csv(str(path), all_varchar=True, header=True)
            columns = list(relation.columns)
            if numbered:
                relation = self._numbered(relation, path, columns)
            # replacing a view in place can clash with an earlier query's objects: drop it
            self.connection.execute(f"DROP VIEW IF EXISTS {quote(name)}")
            relation.create_view(name, replace=False)
            return columns
        except (self._duckdb.Error, OSError) as exc:
            raise AnalyticsError(
                f"cannot read {path.name}: {type(exc).__name__}", reason="unreadable_input"
            ) from None

    def _numbered(self, relation: Any, path: Path, columns: list[str]) -> Any:
        """``relation`` with the input order as :data:`ORDINAL`. A single Parquet file
        numbers its rows as it is read (``file_row_number``: streamed, no window); other
        inputs get ``row_number() OVER ()``, which holds the whole input to number it."""
        if file_kind(path) == "parquet" and path.is_file() and "file_row_number" not in columns:
            numbered = self.connection.read_parquet(str(path), file_row_number=True)
            return numbered.project(f"* EXCLUDE (file_row_number), file_row_number AS {ORDINAL}")
        return relation.project(f"*, row_number() OVER () AS {ORDINAL}")

    def register(self, name: str, table: pa.Table) -> None:
        self.connection.register(name, table)

    def fetch(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def write_parquet(self, query: str, path: Path) -> int:
        # ``query`` is built by the pipeline from quoted identifiers; the path is a parameter.
        written = self.connection.execute(f"COPY ({query}) TO ? (FORMAT parquet)", [str(path)])
        row = written.fetchone()  # COPY answers with the number of rows it wrote
        return int(row[0]) if row else 0

    def materialize(self, name: str, query: str) -> None:
        """Compute ``query`` once into the temporary table ``name``."""
        self.connection.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS {query}")

    def drop(self, name: str) -> None:
        self.connection.execute(f"DROP TABLE IF EXISTS {quote(name)}")

    def close(self) -> None:
        self.connection.close()


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    raise AnalyticsError("input must be .csv, .tsv or .parquet", reason="unknown_file_type")


def open_engine(name: str, *, spark_master: str | None = None) -> AnalyticsEngine:
    """The engine called ``name``: ``duckdb`` (in-process) or ``spark`` (``local[*]`` or
    ``spark_master``, e.g. ``spark://host:7077``)."""
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        from ringfence.analytics.spark import SparkEngine

        return SparkEngine(spark_master or "local[*]")
    raise ConfigurationError("--engine is duckdb or spark", reason="unknown_engine")
