"""Each expectation type and each action (warn, drop, quarantine, fail), on DuckDB with Delta sinks."""

from __future__ import annotations

from typing import Any

import pytest

from lakerun.engines.delta_io import open_table
from lakerun.pipeline.errors import ExpectationFailedError
from tests.pipeline.conftest import one_layer, runner_for

CAST_AGE = {"steps": [{"op": "cast", "columns": {"age": "int"}}]}


def run_with(write_config, engine, people, expectations: list[dict[str, Any]]):
    source = {"type": "files", "path": str(people), "format": "parquet"}
    runner = runner_for(write_config(one_layer(source, transform=CAST_AGE, expectations=expectations)))
    result = runner.run("raw", engine)
    return runner, result


@pytest.mark.parametrize(
    ("check", "failing"),
    [
        ({"type": "not_null", "column": "id"}, 1),
        ({"type": "unique", "columns": ["id"]}, 2),
        ({"type": "range", "column": "age", "min": 0, "max": 45}, 2),
        ({"type": "valid_values", "column": "city", "values": ["Paris", "Rome"]}, 3),
        ({"type": "regex", "column": "name", "pattern": "^[a-c]"}, 2),
        ({"type": "expression", "expression": "updated < 45 OR city = 'Paris'"}, 1),
    ],
)
def test_each_check_counts_its_failing_rows(write_config, engine, people, check, failing) -> None:
    _, result = run_with(write_config, engine, people, [{**check, "action": "warn"}])
    assert [e.failed_rows for e in result.expectations] == [failing]
    assert result.rows_out == result.rows_in == 6


def test_drop_removes_failing_rows(write_config, engine, people) -> None:
    runner, result = run_with(
        write_config, engine, people, [{"type": "range", "column": "age", "min": 0, "action": "drop"}]
    )
    rows = open_table(runner.plan("raw").sink.uri).to_pyarrow_table().to_pylist()
    assert (result.rows_dropped, result.rows_out) == (1, 5)
    assert all(r["age"] is None or r["age"] >= 0 for r in rows) and len(rows) == 5


def test_quarantine_moves_rows_with_their_reasons(write_config, engine, people) -> None:
    checks = [
        {"type": "not_null", "column": "age", "action": "quarantine", "name": "age_present"},
        {"type": "range", "column": "age", "min": 0, "action": "quarantine", "name": "age_positive"},
        {"type": "not_null", "column": "city", "action": "drop"},
    ]
    runner, result = run_with(write_config, engine, people, checks)  # type: ignore[arg-type]
    plan = runner.plan("raw")
    assert plan.quarantine is not None and plan.quarantine.uri.endswith("main/test/out_quarantine")
    quarantined = open_table(plan.quarantine.uri).to_pyarrow_table().to_pylist()
    reasons = {r["name"]: r["_quarantine_reason"] for r in quarantined}
    assert reasons == {"bob": "age_present;", "dee": "age_positive;"}
    assert (result.rows_quarantined, result.rows_dropped, result.rows_out) == (2, 1, 3)


def test_fail_stops_the_layer_before_writing(write_config, engine, people) -> None:
    source = {"type": "files", "path": str(people), "format": "parquet"}
    runner = runner_for(
        write_config(
            one_layer(source, expectations=[{"type": "unique", "columns": ["id"], "action": "fail"}])
        )
    )
    with pytest.raises(ExpectationFailedError, match="unique_id: 2 rows"):
        runner.run("raw", engine)
    assert open_table(runner.plan("raw").sink.uri) is None


def test_duplicate_default_names_must_be_named(write_config) -> None:
    from lakerun.pipeline.config.loader import load_pipeline
    from lakerun.pipeline.errors import ConfigError

    checks = [{"type": "expression", "expression": "a > 1"}, {"type": "expression", "expression": "b > 1"}]
    document = one_layer({"type": "files", "path": "x", "format": "csv"}, expectations=checks)
    with pytest.raises(ConfigError, match="distinct names"):
        load_pipeline(str(write_config(document)))
