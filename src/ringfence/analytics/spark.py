"""The Spark engine: the same hooks as DuckDB's over a SparkSession (``local[*]`` or a
cluster master URL). Imported only when asked for; the ``spark`` extra installs PySpark.

The session reads double-quoted names as identifiers (``spark.sql.ansi.doubleQuotedIdentifiers``)
so the pipeline's SQL is the same on both engines; executors run the interpreter that runs
this one (``PYSPARK_PYTHON``), so they have ringfence too.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from ringfence.analytics.engines import ORDINAL, SPARK, AnalyticsError, file_kind
from ringfence.errors import MissingDependency


class SparkEngine:
    name = "spark"
    dialect = SPARK

    def __init__(self, master: str = "local[*]") -> None:
        try:
            from pyspark.sql import SparkSession
        except ModuleNotFoundError:
            raise MissingDependency.for_extra("spark", "pyspark") from None
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        active = SparkSession.getActiveSession()
        if active is not None and active.sparkContext.master != master:
            active.stop()  # one SparkContext per process: another master replaces it
        self.session: Any = (
            SparkSession.builder.master(master)
            .appName("ringfence")
            .config("spark.sql.ansi.doubleQuotedIdentifiers", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        self.session.sparkContext.setLogLevel("ERROR")
        self._cached: dict[str, Any] = {}

    def load(self, name: str, path: Path, *, numbered: bool = False) -> list[str]:
        kind = file_kind(path)
        path = path.resolve()
        try:
            reader = self.session.read
            if kind == "parquet":
                frame = reader.parquet(str(path))
            else:
                frame = reader.csv(str(path), header=True, inferSchema=False, multiLine=True)
        except Exception as exc:  # Spark raises many kinds: each means unreadable
            raise AnalyticsError(
                f"cannot read {path.name}: {type(exc).__name__}", reason="unreadable_input"
            ) from None
        columns = list(frame.columns)
        if numbered:  # increasing ids in input order, with no global window
            from pyspark.sql.functions import monotonically_increasing_id

            frame = frame.withColumn(ORDINAL, monotonically_increasing_id())
        frame.createOrReplaceTempView(name)
        return columns

    def register(self, name: str, table: pa.Table) -> None:
        # Spark has no dictionary type: such columns become their plain values
        plain = [
            column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
            for column in table.columns
        ]
        table = pa.table(plain, names=table.column_names)
        self.session.createDataFrame(table).createOrReplaceTempView(name)

    def fetch(self, query: str) -> pa.Table:
        result: pa.Table = self.session.sql(query).toArrow()
        return result

    def write_parquet(self, query: str, path: Path) -> int:
        """One Parquet file at ``path``, rows in the query's order."""
        path = path.resolve()  # the JVM resolves relative paths against its own directory
        frame = self.session.sql(query)
        with tempfile.TemporaryDirectory(dir=path.parent) as staging:
            frame.coalesce(1).write.mode("overwrite").parquet(staging + "/out")
            [part] = sorted(Path(staging, "out").glob("part-*.parquet"))
            shutil.move(str(part), path)
        return int(frame.count())

    def materialize(self, name: str, query: str) -> None:
        """``query`` as the view ``name``, cached by the executors once first computed."""
        frame = self.session.sql(query).cache()
        frame.createOrReplaceTempView(name)
        self._cached[name] = frame

    def drop(self, name: str) -> None:
        frame = self._cached.pop(name, None)
        if frame is not None:
            frame.unpersist()
        self.session.catalog.dropTempView(name)

    def close(self) -> None:
        self.session.stop()
