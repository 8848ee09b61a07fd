"""Dry-run plans: pure data with SQL per dialect, catching missing sources and columns before any write."""

from __future__ import annotations

import json

import pytest

from lakerun.pipeline import commands
from lakerun.pipeline.errors import PlanError
from tests.pipeline.conftest import runner_for


def chain(people, bronze_sql: str = "SELECT id, upper(name) AS name FROM input_data") -> dict:
    return {
        "name": "chain",
        "warehouse": "wh",
        "layers": {
            "raw": {
                "source": {"type": "files", "path": str(people), "format": "parquet"},
                "sink": {"table": "main.r.p"},
            },
            "bronze": {"transform": {"sql": bronze_sql}, "sink": {"table": "main.b.p"}},
            "gold": {
                "transform": {"sql": "SELECT name, count(*) AS n FROM input_data GROUP BY name"},
                "sink": {"table": "main.g.p"},
            },
        },
    }


def test_planning_a_chain_before_any_table_exists_uses_upstream_plans(write_config, people) -> None:
    plans = runner_for(write_config(chain(people))).plan_all()
    assert [p.layer for p in plans] == ["raw", "bronze", "gold"]
    assert plans[1].upstream_tables == ["raw"] and plans[2].output_columns == ("name", "n")


def test_a_missing_column_in_downstream_sql_is_caught_without_data(write_config, people) -> None:
    path = write_config(chain(people, bronze_sql="SELECT id, nam FROM input_data"))
    with pytest.raises(PlanError) as error:
        runner_for(path).plan_all()
    assert "layers.bronze.transform.sql" in str(error.value) and "nam" in str(error.value)


def test_a_missing_source_is_caught(write_config, tmp_path) -> None:
    document = chain(tmp_path / "nowhere")
    with pytest.raises(PlanError) as error:
        runner_for(write_config(document)).plan_all()
    assert "layers.raw.inputs" in str(error.value) and "nowhere" in str(error.value)


def test_the_plan_renders_sql_for_duckdb_and_spark(write_config, people) -> None:
    document = chain(people)
    document["layers"]["raw"]["transform"] = {"steps": [{"op": "cast", "columns": {"age": "int"}}]}
    plan = runner_for(write_config(document)).plan("raw").to_dict()
    assert 'TRY_CAST("age" AS INT)' in plan["sql"]["duckdb"]
    assert "TRY_CAST(`age` AS INT)" in plan["sql"]["spark"]
    assert plan["sink"] == {
        "uri": plan["sink"]["uri"],
        "table": "main.r.p",
        "mode": "overwrite",
        "keys": [],
        "partition_by": [],
        "options": [],
    }


def test_plans_never_show_secret_values(write_config, people, monkeypatch) -> None:
    monkeypatch.setenv("LAKERUN_SECRET_LAKE_TOKEN", "s3cr3t-value")
    document = chain(people)
    document["layers"]["raw"]["source"]["options"] = {"auto_mkdir": "{{secrets/lake/token}}"}
    plan = runner_for(write_config(document)).plan("raw")
    assert "s3cr3t-value" not in json.dumps(plan.to_dict())


def test_forced_dry_run_prints_the_plan_and_writes_nothing(write_config, people, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LAKERUN_FORCE_DRY_RUN", "1")
    path = write_config(chain(people))
    assert commands.run(str(path), quiet=True) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["dry_run"] is True and len(printed["tables"]) == 3
    assert printed["lineage"]["gold"] == ["bronze"] and printed["order"] == ["raw", "bronze", "gold"]
    assert not (path.parent / "wh").exists()
