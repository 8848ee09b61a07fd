"""What a path holds decides what is profiled: one dataset, several (refused by name, or --each), a Delta
table one level down, an empty file; and one CSV reads the same through every door."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
from typer.testing import CliRunner

from lakerun.cli.main import app
from lakerun.engines.file_sources import open_dataset
from lakerun.executor.entrypoint import run as run_executor
from lakerun.executor.quality import assess_dataset

runner = CliRunner()


def _profile(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["profile", *args, "--json"])
    return result.exit_code, result.stdout, result.stderr


def test_a_folder_of_several_tables_is_refused_by_name_or_profiled_each(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("order_id,amount\n1,10.5\n2,3.0\n")
    (tmp_path / "customers.csv").write_text("customer_id,name\n1,Ann\n2,Bob\n3,Cy\n")
    code, _out, err = _profile(str(tmp_path))
    assert code == 2
    assert "2 datasets" in err and "orders.csv" in err and "customers.csv" in err and "--each" in err
    code, out, err = _profile(str(tmp_path), "--each")
    assert code == 0, err
    profiles = {p["table_name"]: p for p in json.loads(out)["profiles"]}
    assert {name: p["record_ct"] for name, p in profiles.items()} == {"orders": 2, "customers": 3}
    assert [c["column_name"] for c in profiles["customers"]["columns"]] == ["customer_id", "name"]
    assert all(not c["query_error"] for p in profiles.values() for c in p["columns"])


def test_a_delta_table_one_level_down_is_found_as_the_table(tmp_path: Path) -> None:
    from deltalake import write_deltalake

    table = pa.table({"id": [1, 2, 3], "city": ["Boston", "Denver", "Austin"]})
    write_deltalake(str(tmp_path / "lake" / "events"), table)
    code, out, err = _profile(str(tmp_path / "lake"))
    assert code == 0, err
    profile = json.loads(out)["profiles"][0]
    assert profile["record_ct"] == 3
    assert [c["column_name"] for c in profile["columns"]] == ["id", "city"]


def test_an_empty_csv_is_an_empty_table_not_an_invented_column(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    code, out, err = _profile(str(tmp_path / "empty.csv"))
    assert code == 0, err
    data = json.loads(out)
    assert data["profiles"][0]["columns"] == [] and data["profiles"][0]["record_ct"] == 0
    assert [a["anomaly_type"] for a in data["anomalies"]] == ["Empty_Table"]
    assert data["score"] == 0.0


def test_a_header_only_csv_is_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text("id,name\n")
    code, out, err = _profile(str(tmp_path / "header.csv"))
    assert code == 0, err
    data = json.loads(out)
    assert [c["column_name"] for c in data["profiles"][0]["columns"]] == ["id", "name"]
    assert "Empty_Table" in {a["anomaly_type"] for a in data["anomalies"]}
    assert data["score"] == 0.0


DIRTY_CSV = "id,score,city,when\n" + "".join(
    f"{i},{'NA' if i % 7 == 0 else ('' if i % 11 == 0 else i * 3)},"
    f"{('Boston', 'N/A', 'null', 'nan', 'Denver')[i % 5]},2024-01-{1 + i % 28:02d}\n"
    for i in range(1, 200)
)


def test_one_csv_reads_and_scores_the_same_through_every_door(tmp_path: Path, capsys) -> None:
    path = tmp_path / "data" / "dirty.csv"
    path.parent.mkdir()
    path.write_text(DIRTY_CSV)

    code, out, err = _profile(str(path))
    assert code == 0, err
    by_cli = json.loads(out)
    cli_types = {c["column_name"]: c["db_data_type"] for c in by_cli["profiles"][0]["columns"]}
    assert cli_types["score"] == "string"  # NA keeps the column text, as in DuckDB and Spark
    score = next(c for c in by_cli["profiles"][0]["columns"] if c["column_name"] == "score")
    assert score["metrics"]["filled_value_ct"] == len([i for i in range(1, 200) if i % 7 == 0])
    read_nulls = len([i for i in range(1, 200) if i % 11 == 0 and i % 7])
    placeholders = score["metrics"]["filled_value_ct"]
    assert score["general_type"] == "N" and score["metrics"]["text_as_number"] == 1  # numbers and NA
    assert score["metrics"]["null_value_ct"] == read_nulls + placeholders  # NA counted as missing

    pipeline = open_dataset(str(path), "csv", infer_types=True).to_table()
    by_pipeline = assess_dataset(pipeline, "profiled")
    assert {f.name: str(f.type) for f in pipeline.schema} == {
        "id": "int64",
        "score": "string",
        "city": "string",
        "when": "date32[day]",
    }
    assert open_dataset(str(path), "csv").to_table().column("score").null_count == read_nulls

    db = tmp_path / "m.duckdb"
    assert run_executor(["quality_assessment", str(path.parent), "--metadata-db", str(db)]) == 0
    capsys.readouterr()
    with duckdb.connect(str(db)) as connection:
        stored = connection.execute("SELECT quality_json FROM _executor_metadata.tables").fetchone()
    by_executor = json.loads(stored[0])["quality_metrics"]

    as_percent = {k: round(100 * v, 2) for k, v in by_cli["dimensions"].items()}
    assert as_percent == by_pipeline.dimensions == by_executor
    assert by_pipeline.assessment.profiles[0].columns[1].db_data_type == cli_types["score"]
    assert [c.db_data_type for c in by_pipeline.assessment.profiles[0].columns] == list(cli_types.values())


def test_the_same_rows_score_the_same_as_parquet_and_as_json_text(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow.parquet as pq

    start = dt.datetime(2024, 3, 1, 5, 0, tzinfo=dt.UTC)
    times = [start + dt.timedelta(hours=7 * i) for i in range(120)]
    speeds = [10.0 + i % 9 for i in range(119)] + [1048.0]
    pq.write_table(pa.table({"departed_at": times, "wind_speed": speeds}), tmp_path / "rows.parquet")
    lines = [
        json.dumps({"departed_at": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "wind_speed": s})
        for t, s in zip(times, speeds, strict=True)
    ]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines) + "\n")
    scores = []
    for name in ("rows.parquet", "rows.jsonl"):
        code, out, err = _profile(str(tmp_path / name), "--run-date", "2025-06-15")
        assert code == 0, err
        scores.append(json.loads(out)["dimensions"])
    assert scores[0] == scores[1]
    assert scores[0]["timeliness"] < 1.0 and scores[0]["accuracy"] < 1.0


def test_iso_timestamps_in_json_are_timestamps_as_in_csv_and_parquet(tmp_path: Path) -> None:
    """JSON text such as `2024-03-01T10:00:00.000Z` (JavaScript, pandas) or `...+02:00` is typed like the
    CSV reader and a parquet timestamp type it, so the same rows get the same profile and score."""
    import datetime as dt

    import pyarrow.parquet as pq

    start = dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC)
    stamps = [start + dt.timedelta(hours=6 * i) for i in range(40)] * 2
    origins = ["JFK"] * 40 + ["EWR"] * 40
    pq.write_table(pa.table({"origin": origins, "seen_at": stamps}), tmp_path / "typed.parquet")
    csv_lines = [
        f"{o},{s.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}"
        for o, s in zip(origins, stamps, strict=True)
    ]
    (tmp_path / "text.csv").write_text("origin,seen_at\n" + "\n".join(csv_lines) + "\n")
    json_lines = [
        json.dumps({"origin": o, "seen_at": s.isoformat(timespec="milliseconds").replace("+00:00", "Z")})
        for o, s in zip(origins, stamps, strict=True)
    ]
    (tmp_path / "text.jsonl").write_text("\n".join(json_lines) + "\n")
    offsets = [json.dumps({"origin": o, "seen_at": s.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()})
               for o, s in zip(origins, stamps, strict=True)]  # fmt: skip
    (tmp_path / "offsets.jsonl").write_text("\n".join(offsets) + "\n")
    results = {}
    for name in ("typed.parquet", "text.csv", "text.jsonl", "offsets.jsonl"):
        code, out, err = _profile(str(tmp_path / name))
        assert code == 0, err
        result = json.loads(out)
        seen_at = next(c for c in result["profiles"][0]["columns"] if c["column_name"] == "seen_at")
        results[name] = (
            seen_at["general_type"],
            (seen_at["metrics"].get("min_date") or "")[:19],
            result["score"],
        )
    assert set(results.values()) == {("D", "2024-03-01T10:00:00", results["typed.parquet"][2])}, results
