"""The `_executor_metadata` store on DuckDB: creation, drift detection, in-place upgrade, idempotent upserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.executor.schema import ALL_TABLES, SCHEMA_VERSION
from lakerun.executor.store import MetadataStore

pytestmark = pytest.mark.core


def test_validate_creates_then_finds_everything(tmp_path: Path) -> None:
    store = MetadataStore(DuckDBEngine(str(tmp_path / "m.duckdb")))
    created = store.validate(create=True)
    assert created.validation_status == "created"
    assert created.tables_created == [t.name for t in ALL_TABLES]
    found = store.validate(create=False)
    assert found.as_result()["validation_status"] == "valid"
    assert found.schema_version == SCHEMA_VERSION


def test_drift_is_reported_and_missing_columns_are_added(tmp_path: Path) -> None:
    engine = DuckDBEngine(str(tmp_path / "m.duckdb"))
    engine.query("CREATE SCHEMA _executor_metadata")
    engine.query(
        "CREATE TABLE _executor_metadata.logs (log_id VARCHAR, run_id BIGINT, log_level VARCHAR, legacy VARCHAR)"
    )
    store = MetadataStore(engine)
    report = store.validate(create=False)
    drift = report.column_drift["logs"]
    assert drift["missing_columns"] == ["log_message", "file_path", "log_timestamp"]
    assert drift["extra_columns"] == ["legacy"]
    assert drift["type_mismatches"] == {"run_id": {"expected": "string", "found": "int64"}}
    assert report.tables_missing == ["sources", "tables", "columns", "executor_runs"]

    upgraded = store.validate(create=True)
    assert upgraded.columns_added == {"logs": ["log_message", "file_path", "log_timestamp"]}
    assert upgraded.validation_status == "drift"
    assert any("logs.run_id is int64" in note for note in upgraded.recommendations())


def test_upsert_updates_by_key_and_partial_updates_keep_other_columns(tmp_path: Path) -> None:
    store = MetadataStore(DuckDBEngine(str(tmp_path / "m.duckdb")))
    store.validate(create=True)
    store.upsert("tables", [{"table_id": "t1", "table_name": "a", "row_count": 1}])
    store.upsert(
        "tables",
        [{"table_id": "t1", "table_name": "a", "row_count": 2}, {"table_id": "t2", "table_name": "b"}],
    )
    store.upsert("tables", [{"table_id": "t1", "quality_score": 91.5}], only=("quality_score",))
    rows = {r["table_id"]: r for r in store.select("tables")}
    assert set(rows) == {"t1", "t2"}
    assert (rows["t1"]["row_count"], rows["t1"]["table_name"], rows["t1"]["quality_score"]) == (2, "a", 91.5)
