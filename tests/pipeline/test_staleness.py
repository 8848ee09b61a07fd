"""Which tables a run would rebuild: changed inputs or definitions, and everything downstream of them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.pipeline.staleness import stale_tables
from lakerun.pipeline.writer import DeltaRsWriter
from tests.pipeline.conftest import runner_for


def _document(
    people: Path, city_sql: str = "SELECT city, count(*) AS n FROM people GROUP BY city"
) -> dict[str, Any]:
    return {
        "name": "s",
        "warehouse": "wh",
        "tables": {
            "people": {
                "layer": "bronze",
                "inputs": {"src": {"type": "files", "path": str(people), "format": "parquet"}},
            },
            "others": {
                "layer": "bronze",
                "inputs": {"src": {"type": "files", "path": str(people), "format": "parquet"}},
            },
            "cities": {"layer": "silver", "inputs": ["people"], "transform": {"sql": city_sql}},
            "report": {"layer": "gold", "inputs": ["cities"]},
        },
    }


def _run(path: Path) -> None:
    engine = DuckDBEngine()
    try:
        runner_for(path).run_all(engine)
    finally:
        engine.close()


def test_nothing_is_stale_after_a_run_and_a_new_file_makes_its_readers_stale(
    people: Path, write_config: Callable[..., Path]
) -> None:
    path = write_config(_document(people))
    assert stale_tables(runner_for(path), ["report"], DeltaRsWriter()) == {"people", "cities", "report"}
    _run(path)
    assert stale_tables(runner_for(path), ["report"], DeltaRsWriter()) == set()
    shutil.copy(people / "part-0.parquet", people / "part-1.parquet")
    assert stale_tables(runner_for(path), ["cities"], DeltaRsWriter()) == {"people", "cities"}
    assert stale_tables(runner_for(path), ["report"], DeltaRsWriter()) == {"people", "cities", "report"}


def test_a_changed_definition_is_stale_and_so_is_what_reads_it(
    people: Path, write_config: Callable[..., Path]
) -> None:
    path = write_config(_document(people))
    _run(path)
    write_config(_document(people, "SELECT city, count(*) AS people FROM people GROUP BY city"))
    assert stale_tables(runner_for(path), ["report"], DeltaRsWriter()) == {"cities", "report"}
