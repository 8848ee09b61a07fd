"""Each declarative transform step, run for real on DuckDB and written to Delta."""

from __future__ import annotations

from typing import Any

import pytest

from lakerun.engines.delta_io import open_table
from lakerun.pipeline.errors import PlanError
from tests.pipeline.conftest import one_layer, runner_for


def run_steps(
    write_config, engine, people, steps: list[dict[str, Any]], sql: str | None = None
) -> list[dict]:
    source = {"type": "files", "path": str(people), "format": "parquet"}
    transform: dict[str, Any] = {"steps": steps}
    if sql:
        transform["sql"] = sql
    runner = runner_for(write_config(one_layer(source, transform=transform)))
    result = runner.run("raw", engine)
    table = open_table(runner.plan("raw").sink.uri)
    assert table is not None and result.table_version == table.version()
    return table.to_pyarrow_table().to_pylist()


def test_select_keeps_named_columns_in_order(write_config, engine, people) -> None:
    rows = run_steps(write_config, engine, people, [{"op": "select", "columns": ["name", "id"]}])
    assert list(rows[0]) == ["name", "id"] and len(rows) == 6


def test_rename_keeps_positions(write_config, engine, people) -> None:
    rows = run_steps(write_config, engine, people, [{"op": "rename", "columns": {"name": "first_name"}}])
    assert list(rows[0]) == ["id", "first_name", "age", "city", "updated"]


def test_safe_cast_turns_bad_values_into_null(write_config, engine, people) -> None:
    rows = run_steps(write_config, engine, people, [{"op": "cast", "columns": {"age": "int"}}])
    assert sorted((r["age"] for r in rows), key=lambda v: (v is None, v)) == [-3, 29, 34, 41, 50, None]


def test_filter_keeps_matching_rows(write_config, engine, people) -> None:
    rows = run_steps(
        write_config, engine, people, [{"op": "filter", "condition": "city = 'Oslo' AND updated > 20"}]
    )
    assert sorted(r["updated"] for r in rows) == [30, 50]


def test_derive_replaces_in_place_and_adds_at_the_end(write_config, engine, people) -> None:
    steps = [{"op": "derive", "columns": {"name": "upper(name)", "name_length": "length(name)"}}]
    rows = run_steps(write_config, engine, people, steps)
    assert list(rows[0]) == ["id", "name", "age", "city", "updated", "name_length"]
    assert {(r["name"], r["name_length"]) for r in rows} >= {("ANN", 3), ("DEE", 3)}


def test_dedupe_keeps_the_first_row_per_key_by_order(write_config, engine, people) -> None:
    rows = run_steps(
        write_config, engine, people, [{"op": "dedupe", "keys": ["name"], "order_by": ["updated DESC"]}]
    )
    bobs = [r for r in rows if r["name"] == "bob"]
    assert len(rows) == 5 and [b["updated"] for b in bobs] == [30]


def test_sql_runs_over_input_data_and_steps_follow(write_config, engine, people) -> None:
    sql = "SELECT city, count(*) AS people FROM input_data WHERE city IS NOT NULL GROUP BY city"
    rows = run_steps(write_config, engine, people, [{"op": "filter", "condition": "people > 1"}], sql=sql)
    assert rows == [{"city": "Oslo", "people": 3}]


def test_a_sql_step_reads_the_previous_steps_rows(write_config, engine, people) -> None:
    steps = [
        {"op": "cast", "columns": {"age": "int"}},
        {"op": "sql", "query": "SELECT name, age * 2 AS double_age FROM input_data WHERE age > 40"},
    ]
    rows = run_steps(write_config, engine, people, steps)  # type: ignore[arg-type]
    assert sorted((r["name"], r["double_age"]) for r in rows) == [("bob", 82), ("eve", 100)]


@pytest.mark.parametrize(
    ("step", "missing"),
    [
        ({"op": "select", "columns": ["nme"]}, "nme"),
        ({"op": "filter", "condition": "agee > 1"}, "agee"),
        ({"op": "dedupe", "keys": ["id"], "order_by": ["updatd DESC"]}, "updatd"),
        ({"op": "sql", "query": "SELECT citty FROM input_data"}, "citty"),
    ],
)
def test_a_step_naming_a_missing_column_fails_at_plan_time(write_config, people, step, missing) -> None:
    source = {"type": "files", "path": str(people), "format": "parquet"}
    runner = runner_for(write_config(one_layer(source, transform={"steps": [step]})))
    with pytest.raises(PlanError) as error:
        runner.plan("raw")
    assert missing in str(error.value) and "layers.raw.transform.steps[0]" in str(error.value)


def test_spark_sql_is_transpiled_for_duckdb(write_config, engine, people) -> None:
    source = {"type": "files", "path": str(people), "format": "parquet"}
    sql = "SELECT `name`, nvl(city, 'unknown') AS city, date_format(DATE'2024-03-05', 'yyyy-MM') AS month FROM input_data"
    document = {**one_layer(source, transform={"sql": sql}), "sql_dialect": "spark"}
    runner = runner_for(write_config(document))
    runner.run("raw", engine)
    rows = open_table(runner.plan("raw").sink.uri).to_pyarrow_table().to_pylist()
    assert {(r["name"], r["city"], r["month"]) for r in rows} >= {
        ("eve", "unknown", "2024-03"),
        ("ann", "Paris", "2024-03"),
    }


def test_an_unknown_cast_type_is_named(write_config, people) -> None:
    source = {"type": "files", "path": str(people), "format": "parquet"}
    steps = [{"op": "cast", "columns": {"age": "inteeger"}}]
    with pytest.raises(
        PlanError, match=r"layers.raw.transform.steps\[0\] \(cast\): unknown SQL type `inteeger`"
    ):
        runner_for(write_config(one_layer(source, transform={"steps": steps}))).plan("raw")
