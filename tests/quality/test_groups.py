"""Table groups: masks pick the tables, one run scores them together, two runs compare."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lakerun.cli.main import app
from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.quality.groups import TableGroup, compare_runs, group_tables, profile_group

runner = CliRunner()


def _engine() -> DuckDBEngine:
    engine = DuckDBEngine()
    for name in ("sales_2024", "sales_2025", "sales_tmp", "customers"):
        engine.query(f"CREATE TABLE {name} AS SELECT range AS id, 'x' || range AS label FROM range(5)")
    return engine


def test_masks_pick_tables_like_sql_like() -> None:
    engine = _engine()
    group = TableGroup(include=("sales\\_%", "cust%"), exclude=("%tmp",))
    assert group_tables(engine, TableGroup(include=("sales_%",), exclude=("%_tmp",))) == [
        "sales_2024",
        "sales_2025",
    ]
    assert group_tables(engine, TableGroup(include=("%",), exclude=("sales%",))) == ["customers"]
    assert group.selects("CUSTOMERS")
    with pytest.raises(ValueError, match="no table matches"):
        group_tables(engine, TableGroup(include=("orders%",)))


def test_group_run_scores_every_table_and_compares() -> None:
    engine = _engine()
    first = profile_group(engine, TableGroup(include=("sales%",))).to_dict()
    assert [p["table_name"] for p in first["profiles"]] == ["sales_2024", "sales_2025", "sales_tmp"]
    engine.query("INSERT INTO sales_2025 VALUES (1, ' lead'), (2, ' lead2')")
    second = profile_group(engine, TableGroup(include=("sales%",))).to_dict()
    diff = compare_runs(first, second)
    assert diff["tables"]["sales_2025"]["records"] == {"before": 5, "after": 7, "change": 2}
    assert diff["score"]["change"] < 0
    assert any(a["anomaly_type"] == "Leading_Spaces" for a in diff["new_anomalies"])
    assert compare_runs(second, first)["resolved_anomalies"] == diff["new_anomalies"]


def test_group_and_compare_commands(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    pq.write_table(pa.table({"id": [1, 2], "city": ["Boston", "CHICAGO"]}), lake / "cities.parquet")
    pq.write_table(pa.table({"id": [1, 1], "v": [" a", " a"]}), lake / "dirty.parquet")
    result = runner.invoke(app, ["quality", "group", str(lake), "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert sorted(run["table_scores"]) == ["cities", "dirty"]
    assert run["table_scores"]["cities"]["score"] > run["table_scores"]["dirty"]["score"]
    (tmp_path / "a.json").write_text(result.stdout)
    database = tmp_path / "db.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            "CREATE TABLE cities AS SELECT * FROM read_parquet(?)", [str(lake / "cities.parquet")]
        )
    other = runner.invoke(app, ["quality", "group", "--db", f"duckdb:///{database}", "--json"])
    assert other.exit_code == 0, other.output
    (tmp_path / "b.json").write_text(other.stdout)
    diff = runner.invoke(app, ["quality", "compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert diff.exit_code == 0, diff.output
    assert json.loads(diff.stdout)["tables"]["dirty"]["records"]["after"] is None
