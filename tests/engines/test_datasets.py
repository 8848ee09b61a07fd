"""The one file-source layer: locate datasets under a path and register them in DuckDB, Arrow and Spark."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakerun.engines.datasets import (
    LocationError,
    arrow_dataset,
    is_empty,
    locate,
    register_duckdb,
    register_spark,
    table_name,
)
from lakerun.engines.duckdb_engine import DuckDBEngine

CSV = "id,code,when\n1,NA,2024-01-01\n2,7,2024-01-02\n3,,2024-01-03\n"


def _lake(root: Path) -> Path:
    from deltalake import write_deltalake

    (root / "raw").mkdir(parents=True)
    (root / "raw" / "codes.csv").write_text(CSV)
    for year in (2023, 2024):
        part = root / "sales" / f"year={year}"
        part.mkdir(parents=True)
        pq.write_table(pa.table({"amount": [1.5, 2.5]}), part / "part-0.parquet")
    write_deltalake(str(root / "deep" / "events"), pa.table({"id": [1, 2, 3]}))
    (root / "raw" / "empty.csv").write_text("")
    return root


def test_locate_finds_each_dataset_once_with_its_kind(tmp_path: Path) -> None:
    located = locate(str(_lake(tmp_path)))
    found = {table_name(d): (d.kind, str(d.format)) for d in located.datasets}
    assert found == {
        "raw/codes": ("file", "csv"),
        "raw/empty": ("file", "csv"),
        "sales": ("folder", "parquet"),
        "deep/events": ("delta", "delta"),
    }
    assert [table_name(d) for d in located.datasets if is_empty(d)] == ["raw/empty"]
    with pytest.raises(LocationError, match="holds 4 datasets"):
        located.single()
    with pytest.raises(LocationError, match="does not exist"):
        locate(str(tmp_path / "nope"))


def test_duckdb_and_arrow_see_the_same_rows_and_types(tmp_path: Path) -> None:
    located = locate(str(_lake(tmp_path)))
    engine = DuckDBEngine()
    for dataset in located.datasets:
        if is_empty(dataset):
            continue
        name = table_name(dataset)
        register_duckdb(engine, name, located.source, dataset)
        in_duckdb = engine.query(f'SELECT * FROM "{name}"')
        in_arrow = arrow_dataset(located.source, dataset).to_table()
        assert in_duckdb.num_rows == in_arrow.num_rows
        if name == "raw/codes":
            assert in_duckdb.column("code").to_pylist() == ["NA", "7", None]
            assert in_arrow.column("code").to_pylist() == ["NA", "7", None]
            assert str(in_arrow.schema.field("when").type) == "date32[day]"
        if name == "sales":
            assert sorted(in_duckdb.column("year").to_pylist()) == [2023, 2023, 2024, 2024]


def test_spark_reads_the_csv_with_the_same_types(tmp_path: Path, spark_session) -> None:
    from lakerun.engines.spark_tables import SparkTableEngine

    located = locate(str(_lake(tmp_path) / "raw" / "codes.csv"))
    engine = SparkTableEngine(spark_session)
    register_spark(engine, "codes", located.source, located.single())
    rows = engine.query("SELECT id, code, `when` FROM codes ORDER BY id").to_pylist()
    assert [r["code"] for r in rows] == ["NA", "7", None]
    assert str(engine.query("SELECT * FROM codes").schema.field("when").type) == "date32[day]"
