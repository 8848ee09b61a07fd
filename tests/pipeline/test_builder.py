"""The pipeline builder on its own: config and input shapes in, a table plan out (no data, no engine)."""

from __future__ import annotations

from typing import Any

import pytest

from lakerun.pipeline.builder import InputShape, build_table_plan, definition_hash, source_plan
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.errors import PlanError
from lakerun.pipeline.plan import Refresh, TablePlan

RAW = InputShape(
    columns=("id", "amount", "updated_at"),
    types={"id": "VARCHAR", "amount": "VARCHAR", "updated_at": "VARCHAR"},
)


def config(**claims: Any) -> PipelineConfig:
    """A raw file table and a bronze `claims` table over it; `claims` fields override the defaults."""
    bronze: dict[str, Any] = {
        "layer": "bronze",
        "inputs": ["raw_claims"],
        "transform": {
            "steps": [{"op": "cast", "columns": {"amount": "decimal(12,2)", "updated_at": "timestamp"}}]
        },
        "sink": {"table": "main.bronze.claims", "mode": "append", "watermark": {"column": "updated_at"}},
        **claims,
    }
    raw = {"layer": "raw", "inputs": {"files": {"type": "files", "path": "/data/claims", "format": "csv"}}}
    return PipelineConfig.model_validate(
        {"name": "t", "warehouse": "/wh", "tables": {"raw_claims": raw, "claims": bronze}}
    )


def plan(pipeline: PipelineConfig, watermark: str | None = None, refresh: Refresh = Refresh()) -> TablePlan:
    return build_table_plan(
        pipeline, "claims", {"raw_claims": RAW}, config_hash="h", watermark_value=watermark, refresh=refresh
    )


def test_an_incremental_plan_reads_past_the_watermark_as_the_columns_type() -> None:
    built = plan(config(), watermark="2024-01-01 00:00:00")
    sql = built.transform.sql("duckdb")
    assert "\"updated_at\" > CAST('2024-01-01 00:00:00' AS TIMESTAMP)" in sql
    assert built.output_columns == ("id", "amount", "updated_at")
    assert dict(built.output_types)["amount"] == "DECIMAL(12, 2)"
    assert built.watermark_column == "updated_at" and built.watermark_value == "2024-01-01 00:00:00"
    assert built.sink.uri == "/wh/main/bronze/claims" and built.sink.mode == "append"


def test_the_first_run_reads_everything() -> None:
    assert " WHERE " not in plan(config()).transform.sql("duckdb")


def test_a_full_refresh_overwrites_and_forgets_the_watermark() -> None:
    built = plan(config(), watermark="2024-01-01 00:00:00", refresh=Refresh(full=True))
    assert " WHERE " not in built.transform.sql("duckdb")
    assert built.sink.mode == "overwrite" and built.watermark_value is None


def test_a_backfill_selects_its_range_and_stays_below_the_stored_watermark() -> None:
    built = plan(config(), watermark="2024-06-01", refresh=Refresh(backfill=("2024-01-01", "2024-02-01")))
    sql = built.transform.sql("duckdb")
    assert ">= CAST('2024-01-01' AS TIMESTAMP)" in sql and "<= CAST('2024-02-01' AS TIMESTAMP)" in sql
    assert "<= CAST('2024-06-01' AS TIMESTAMP)" in sql
    assert built.range_predicate is not None


def test_a_backfill_without_a_watermark_column_is_refused() -> None:
    unwatched = config(sink={"table": "main.bronze.claims", "mode": "append"})
    with pytest.raises(PlanError, match=r"backfill needs a `sink\.watermark`"):
        plan(unwatched, refresh=Refresh(backfill=("2024-01-01", "2024-02-01")))


def test_a_text_watermark_is_refused_because_it_would_compare_as_text() -> None:
    untyped = config(transform={"steps": []})
    with pytest.raises(PlanError, match="watermark column `updated_at` is text"):
        plan(untyped)


def test_a_sink_key_that_is_not_a_column_is_named() -> None:
    keyed = config(sink={"table": "main.bronze.claims", "mode": "merge", "keys": ["claim_id"]})
    with pytest.raises(PlanError, match="claim_id"):
        plan(keyed)


def test_a_range_check_on_a_text_column_is_refused() -> None:
    ranged = config(expectations=[{"type": "range", "column": "id", "min": 0, "action": "warn"}])
    with pytest.raises(PlanError, match="column `id` is text"):
        plan(ranged)


def test_a_quarantine_check_adds_a_quarantine_table_replaced_with_the_sink() -> None:
    checked = config(expectations=[{"type": "not_null", "column": "amount", "action": "quarantine"}])
    appended = plan(checked).quarantine
    assert appended is not None and appended.mode == "append"
    assert appended.table_name == "main.bronze.claims_quarantine"
    refreshed = plan(checked, refresh=Refresh(full=True)).quarantine
    assert refreshed is not None and refreshed.mode == "overwrite"
    assert plan(config()).quarantine is None


def test_merge_keys_are_unique_by_a_dedupe_step_or_a_strict_unique_check() -> None:
    sink = {"table": "main.bronze.claims", "mode": "merge", "keys": ["id"]}
    steps = [{"op": "dedupe", "keys": ["id"], "order_by": ["updated_at DESC"]}]
    assert plan(config(sink=sink, transform={"steps": steps})).keys_unique
    assert not plan(config(sink=sink, transform={"steps": []})).keys_unique
    unique = [{"type": "unique", "columns": ["id"], "action": "drop"}]
    assert plan(config(sink=sink, transform={"steps": []}, expectations=unique)).keys_unique
    warned = [{"type": "unique", "columns": ["id"], "action": "warn"}]
    assert not plan(config(sink=sink, transform={"steps": []}, expectations=warned)).keys_unique


def test_an_upstream_input_reads_the_upstream_tables_sink() -> None:
    pipeline = config()
    upstream = source_plan(pipeline, "raw_claims")
    assert upstream.kind == "table" and upstream.format == "delta" and upstream.upstream_table == "raw_claims"
    assert upstream.uri == "/wh/main/raw/raw_claims"
    files = source_plan(pipeline, pipeline.tables["raw_claims"].inputs["files"])
    assert files.kind == "files" and files.uri == "/data/claims" and files.format == "csv"


def test_the_definition_hash_follows_the_tables_own_config_only() -> None:
    base = config()
    assert definition_hash(base, "claims") == definition_hash(config(), "claims")
    described = config(description="typed claims")
    assert definition_hash(described, "claims") != definition_hash(base, "claims")
    assert definition_hash(described, "raw_claims") == definition_hash(base, "raw_claims")
