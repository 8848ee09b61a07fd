"""`lakerun profile PATH_OR_TABLE` through the real CLI: parquet, CSV folders, Delta tables, DuckDB files."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from lakerun.cli.main import app

runner = CliRunner()
TABLE = pa.table({"name": [" Ann", "Bob", "", "Cy"], "amount": [1.5, 2.0, None, -4.0]})


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_profile_parquet_as_json(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    pq.write_table(TABLE, path)
    data = _json(["profile", str(path), "--run-date", "2025-01-01"])
    profile = data["profiles"][0]
    assert profile["record_ct"] == 4
    assert [c["column_name"] for c in profile["columns"]] == ["name", "amount"]
    assert {a["anomaly_type"] for a in data["anomalies"]} >= {"Leading_Spaces", "Non_Standard_Blanks"}
    assert 0 < data["score"] < 1
    assert set(data["dimensions"]) == {
        "completeness",
        "validity",
        "uniqueness",
        "consistency",
        "timeliness",
        "accuracy",
    }


def test_profile_prints_a_readable_report(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    pq.write_table(TABLE, path)
    result = runner.invoke(app, ["quality", "profile", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Leading_Spaces" in result.stdout and "score" in result.stdout


def test_profile_csv_folder_and_delta_table(tmp_path: Path) -> None:
    from deltalake import write_deltalake

    folder = tmp_path / "csv"
    folder.mkdir()
    for part in range(2):
        (folder / f"part-{part:05d}.csv").write_text("id,city\n1,Boston\n2,CHICAGO\n")
    assert _json(["profile", str(folder)])["profiles"][0]["record_ct"] == 4
    write_deltalake(str(tmp_path / "delta"), TABLE)
    assert _json(["profile", str(tmp_path / "delta")])["profiles"][0]["record_ct"] == 4


def test_profile_table_in_duckdb_file(tmp_path: Path) -> None:
    database = tmp_path / "db.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE sales AS SELECT range AS id, range % 3 AS bucket FROM range(30)")
    data = _json(["profile", "sales", "--db", f"duckdb:///{database}", "--exact-distinct"])
    assert data["profiles"][0]["columns"][1]["metrics"]["distinct_value_ct"] == 3


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["profile", str(tmp_path / "nope.parquet")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "nope.parquet" in result.output


def test_catalogue_lists_every_type() -> None:
    result = runner.invoke(app, ["quality", "catalogue"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Non_Printing_Chars" in result.stdout and "Duplicate_Rows" in result.stdout


def test_history_gives_schema_drift_and_keeps_dismissals(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    pq.write_table(TABLE, path)
    first = _json(["profile", str(path)])
    for anomaly in first["anomalies"]:
        if anomaly["anomaly_type"] == "Leading_Spaces":
            anomaly["disposition"] = "Dismissed"
    earlier = tmp_path / "run1.json"
    earlier.write_text(json.dumps(first))
    pq.write_table(TABLE.append_column("extra", pa.array([1, 2, 3, 4])), path)
    second = _json(["profile", str(path), "--history", str(earlier)])
    by_type = {a["anomaly_type"]: a for a in second["anomalies"]}
    assert "added extra" in by_type["Schema_Drift"]["detail"]
    assert by_type["Leading_Spaces"]["disposition"] == "Dismissed"
    assert second["score"] > first["score"]
