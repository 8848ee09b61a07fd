"""The same pipeline on DuckDB and on a local SparkSession writes the same gold tables."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lakerun.engines.delta_io import open_table
from lakerun.engines.duckdb_engine import DuckDBEngine
from tests.pipeline.conftest import EXAMPLE, load_generator, runner_for

pytestmark = [pytest.mark.spark, pytest.mark.slow, pytest.mark.timeout(900)]


GOLD_KEYS = {
    "claims_monthly": ("service_month", "species", "claim_type"),
    "provider_summary": ("provider_id",),
    "customer_value": ("customer_state",),
}


def gold_rows(runner, name: str) -> dict[tuple, dict[str, object]]:
    """Gold rows by key, numbers as floats (the engines pick different decimal widths)."""
    table = open_table(runner.plan(name).sink.uri)
    assert table is not None
    keys = GOLD_KEYS[name]
    return {
        tuple(row[k] for k in keys): {
            k: float(v) if isinstance(v, int | float | Decimal) else v
            for k, v in row.items()
            if k not in keys
        }
        for row in table.to_pyarrow_table().to_pylist()
    }


def test_gold_tables_match_between_duckdb_and_spark(spark_session: Any, tmp_path: Path) -> None:
    from lakerun.engines.spark_tables import SparkTableEngine

    load_generator().main(["--rows", "500", "--files", "2", "--out", str(tmp_path / "spark" / "raw")])
    shutil.copytree(tmp_path / "spark" / "raw", tmp_path / "duck" / "raw")
    on_spark = runner_for(EXAMPLE / "pipeline.yml", data_root=str(tmp_path / "spark"))
    on_duck = runner_for(EXAMPLE / "pipeline.yml", data_root=str(tmp_path / "duck"))
    spark_engine = SparkTableEngine(spark_session)
    try:
        spark_results = on_spark.run_all(spark_engine)
    finally:
        spark_engine.close()
    duck_results = on_duck.run_all(DuckDBEngine())
    figures = [(r.name, r.rows_in, r.rows_out, r.rows_dropped, r.rows_quarantined) for r in duck_results]
    assert [
        (r.name, r.rows_in, r.rows_out, r.rows_dropped, r.rows_quarantined) for r in spark_results
    ] == figures
    for name in GOLD_KEYS:
        spark_gold, duck_gold = gold_rows(on_spark, name), gold_rows(on_duck, name)
        assert spark_gold.keys() == duck_gold.keys() and len(duck_gold) > 5, name
        for key, values in duck_gold.items():
            # DuckDB averages decimals as DOUBLE, Spark exactly: a half-cent average may round either way.
            assert spark_gold[key] == pytest.approx(values, abs=0.011), (name, key)
