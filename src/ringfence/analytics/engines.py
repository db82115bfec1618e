"""The engines the analytics pipeline runs on. Each is a thin adapter over a handful of
hooks — load a table, register an Arrow table, run SQL, fetch, write Parquet — so the
pipeline's logic is written once. DuckDB is the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import pyarrow as pa

from ringfence.errors import ConfigurationError, RingfenceError


class AnalyticsError(RingfenceError, ValueError):
    """An input the pipeline cannot read, or a query over columns it does not have."""

    default_reason = "analytics_error"


class AnalyticsEngine(Protocol):
    name: str

    def load(self, name: str, path: Path) -> list[str]: ...

    def register(self, name: str, table: pa.Table) -> None: ...

    def fetch(self, query: str) -> pa.Table: ...

    def write_parquet(self, query: str, path: Path) -> int: ...

    def close(self) -> None: ...


def quote(identifier: str) -> str:
    """A SQL identifier, quoted (both engines' dialects accept double quotes)."""
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBEngine:
    """In-process DuckDB over CSV and Parquet files."""

    name = "duckdb"

    def __init__(self) -> None:
        import duckdb

        self._duckdb = duckdb
        self.connection = duckdb.connect(":memory:")

    def load(self, name: str, path: Path) -> list[str]:
        """Expose a CSV (every cell as text: leading zeros and ``+`` survive) or Parquet
        file as the view ``name``; returns its columns."""
        kind = _kind(path)
        try:
            if kind == "parquet":
                relation = self.connection.read_parquet(str(path))
            else:
                relation = self.connection.read_csv(str(path), all_varchar=True, header=True)
            relation.create_view(name, replace=True)
            return list(relation.columns)
        except (self._duckdb.Error, OSError) as exc:
            raise AnalyticsError(
                f"cannot read {path.name}: {type(exc).__name__}", reason="unreadable_input"
            ) from None

    def register(self, name: str, table: pa.Table) -> None:
        self.connection.register(name, table)

    def fetch(self, query: str) -> pa.Table:
        return self.connection.sql(query).to_arrow_table()

    def write_parquet(self, query: str, path: Path) -> int:
        # ``query`` is built by the pipeline from quoted identifiers; the path is a parameter.
        self.connection.execute(f"COPY ({query}) TO ? (FORMAT parquet)", [str(path)])
        counted = self.connection.execute(f"SELECT count(*) FROM ({query})").fetchone()  # noqa: S608
        return int(counted[0]) if counted else 0

    def close(self) -> None:
        self.connection.close()


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    raise AnalyticsError("input must be .csv, .tsv or .parquet", reason="unknown_file_type")


def open_engine(name: str, *, spark_master: str | None = None) -> AnalyticsEngine:
    """The engine called ``name`` (``duckdb``; ``spark`` is not built yet)."""
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        raise ConfigurationError(
            "the Spark engine is not available yet: use --engine duckdb",
            reason="engine_unavailable",
        )
    raise ConfigurationError("--engine is duckdb or spark", reason="unknown_engine")
