"""Plan checks everything before anything is written: SQL, functions, regexes, types, inputs, names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakerun.pipeline import commands
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.errors import ConfigError, PlanError
from tests.pipeline.conftest import runner_for


def two_tables(people: Path, gold: dict) -> dict:
    return {
        "name": "checks",
        "warehouse": "wh",
        "tables": {
            "people": {
                "layer": "bronze",
                "inputs": {"src": {"type": "files", "path": str(people), "format": "parquet"}},
            },
            "summary": {"layer": "gold", "inputs": ["people"], **gold},
        },
    }


def plan_error(write_config, people, gold: dict) -> str:
    with pytest.raises(PlanError) as error:
        runner_for(write_config(two_tables(people, gold))).plan_all()
    return str(error.value)


def test_a_join_to_a_table_that_is_not_an_input_is_refused(write_config, people) -> None:
    sql = "SELECT p.name FROM people p JOIN main.bronze.other o ON o.id = p.id"
    message = plan_error(write_config, people, {"transform": {"sql": sql}})
    assert "tables.summary.transform.sql" in message and "not an input" in message


def test_reading_files_from_sql_is_refused(write_config, people) -> None:
    sql = "SELECT * FROM people p JOIN read_csv('x.csv') r ON r.id = p.id"
    assert "not an input" in plan_error(write_config, people, {"transform": {"sql": sql}})


def test_an_unknown_function_is_refused(write_config, people) -> None:
    message = plan_error(
        write_config, people, {"transform": {"sql": "SELECT frobnicate(name) AS x FROM people"}}
    )
    assert "unknown SQL function `frobnicate`" in message


def test_an_unknown_function_in_a_derive_step_is_refused(write_config, people) -> None:
    steps = [{"op": "derive", "columns": {"x": "no_such_fn(age)"}}]
    assert "unknown SQL function `no_such_fn`" in plan_error(
        write_config, people, {"transform": {"steps": steps}}
    )


def test_a_stray_comma_is_refused(write_config, people) -> None:
    sql = "SELECT name, count(*) AS claims,, FROM people GROUP BY name"
    assert "stray comma" in plan_error(write_config, people, {"transform": {"sql": sql}})


def test_an_invalid_regex_is_refused(write_config, people) -> None:
    checks = [{"type": "regex", "column": "name", "pattern": "^(ab"}]
    assert "invalid regular expression" in plan_error(write_config, people, {"expectations": checks})


def test_a_range_check_on_a_text_column_is_refused(write_config, people) -> None:
    checks = [{"type": "range", "column": "age", "min": 0}]
    message = plan_error(write_config, people, {"expectations": checks})
    assert "tables.summary.expectations[0] (range)" in message and "`age` is text" in message


def test_a_range_check_after_a_cast_is_accepted(write_config, people) -> None:
    gold = {
        "transform": {"steps": [{"op": "cast", "columns": {"age": "int"}}]},
        "expectations": [{"type": "range", "column": "age", "min": 0}],
    }
    assert runner_for(write_config(two_tables(people, gold))).plan("summary").types()["age"] == "INT"


def test_a_text_watermark_is_refused(write_config, people) -> None:
    sink = {"table": "main.g.s", "mode": "append", "watermark": {"column": "age"}}
    assert "compare as text" in plan_error(write_config, people, {"sink": sink})


def test_a_failing_plan_in_a_late_table_stops_the_run_before_any_write(write_config, people, capsys) -> None:
    path = write_config(two_tables(people, {"transform": {"sql": "SELECT nme FROM people"}}))
    assert commands.run(str(path), quiet=True) == 1
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert printed == [{"status": "FAILED", "stage": "plan", "error": printed[0]["error"]}]
    assert "nme" in printed[0]["error"]
    assert not (path.parent / "wh").exists(), "nothing was written, not even the first table"


def test_a_failed_table_prints_its_json_result(write_config, people, capsys) -> None:
    gold = {"expectations": [{"type": "not_null", "column": "id", "action": "fail"}]}
    assert commands.run(str(write_config(two_tables(people, gold))), quiet=True) == 1
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(p["name"], p["status"]) for p in printed] == [("people", "SUCCESS"), ("summary", "FAILED")]
    assert "not_null_id: 1 rows" in printed[1]["error"]


def test_a_two_level_table_name_is_refused(write_config, people) -> None:
    document = two_tables(people, {"sink": {"table": "gold.x"}})
    with pytest.raises(ConfigError, match=r"`gold\.x` is not a `catalog\.schema\.table` name"):
        load_pipeline(str(write_config(document)))


def test_extends_resolves_the_base_files_paths_against_the_base(tmp_path: Path, people) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "base.yml").write_text(
        "name: base\nwarehouse: lake\ntables:\n  t:\n    layer: raw\n"
        "    inputs: {src: {type: files, path: data/people, format: parquet}}\n",
        encoding="utf-8",
    )
    child = tmp_path / "teams" / "one"
    child.mkdir(parents=True)
    (child / "pipeline.yml").write_text("extends: ../../shared/base.yml\nname: child\n", encoding="utf-8")
    config = load_pipeline(str(child / "pipeline.yml")).config
    source = config.tables["t"].inputs["src"]
    assert source.path == str(shared / "data" / "people")
    assert config.warehouse == str(shared / "lake") and config.name == "child"
