"""Each job type through the `lakerun-executor` console script, with results read back by SQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from lakerun.errors import EXIT_FAILED, EXIT_USAGE
from lakerun.executor.entrypoint import run
from lakerun.executor.store import StoreError
from tests.executor import sample_data
from tests.executor.conftest import EXECUTOR, Platform, query, run_cli

pytestmark = pytest.mark.slow  # runs the installed lakerun-executor command


def test_every_job_type_through_the_cli(tmp_path: Path, metadata_db: Path, platform: Platform) -> None:
    data = sample_data.write_every_format(tmp_path / "data")
    db = ["--metadata-db", str(metadata_db)]

    first = run_cli(["schema_validation", *db])
    assert first.code == 0, first.stderr
    assert first.result["tables_created"] == ["sources", "tables", "columns", "executor_runs", "logs"]
    again = run_cli(["schema_validation", *db])
    assert again.result["validation_status"] == "valid"
    assert again.result["tables_found"] == ["sources", "tables", "columns", "executor_runs", "logs"]

    extracted = run_cli(["metadata_extraction", str(data), "auto", "tenant-a", *db])
    assert extracted.code == 0, extracted.stderr
    assert extracted.result["schema_info"] == {"tables": 8, "columns": 34}
    rows = dict(query(metadata_db, "SELECT table_name, row_count FROM _executor_metadata.tables"))
    assert rows == dict.fromkeys(
        [
            "orders.csv",
            "orders.tsv",
            "orders.parquet",
            "orders.xlsx",
            "orders_delta",
            "sales",
            "nested/orders.json",
            "nested/orders.jsonl",
        ],
        6,
    )
    [(kind, partitions)] = query(
        metadata_db,
        "SELECT dataset_kind, partition_columns FROM _executor_metadata.tables WHERE table_name = 'sales'",
    )
    assert (kind, partitions) == ("folder", '["year", "month"]')

    read = run_cli(["data_reading", str(data), "csv", "tenant-a", *db])
    assert read.code == 0, read.stderr
    assert set(read.result["sample_data"]) == {"orders.csv", "orders.tsv"}
    assert read.result["sample_data"]["orders.csv"]["preview"][0] == {
        "order_id": 1,
        "customer": "ann",
        "amount": 10.5,
        "ordered_on": "2024-01-01",
    }

    assessed = run_cli(["quality_assessment", str(data), "parquet", "tenant-a", *db])
    assert assessed.code == 0, assessed.stderr
    assert set(assessed.result["quality_metrics"]) == {
        "completeness",
        "accuracy",
        "consistency",
        "timeliness",
        "validity",
        "uniqueness",
    }
    scored = query(
        metadata_db,
        "SELECT table_name, quality_score FROM _executor_metadata.tables WHERE quality_score IS NOT NULL",
    )
    assert {name for name, _score in scored} == {"orders.parquet", "sales"}

    sent = run_cli(
        ["api_transmission", "--api-endpoint", platform.url, *db],
        env={"LAKERUN_TENANT_ID": "tenant-a", "LAKERUN_API_KEY": "k"},
    )
    assert sent.code == 0, sent.stderr
    records = [r for batch in platform.stored.values() for r in batch["records"]]
    assert sent.result["record_count"] == len(records) == 1 + 8 + 34
    assert {r["kind"] for r in records} == {"source", "table", "column"}

    runs = query(
        metadata_db,
        "SELECT run_mode, status FROM _executor_metadata.executor_runs WHERE status = 'Success' ORDER BY started_at",
    )
    assert [mode for mode, _status in runs] == [
        "schema_validation",
        "schema_validation",
        "metadata_extraction",
        "data_reading",
        "quality_assessment",
        "api_transmission",
    ]


def test_rerun_updates_rows_instead_of_duplicating(tmp_path: Path, metadata_db: Path) -> None:
    data = tmp_path / "data"
    sample_data.write_csv(data / "a.csv")
    args = ["metadata_extraction", str(data), "auto", "t", "--metadata-db", str(metadata_db)]
    assert run_cli(args).code == 0
    sample_data.write_parquet(data / "b.parquet")
    assert run_cli(args).code == 0
    counts = query(
        metadata_db,
        "SELECT (SELECT count(*) FROM _executor_metadata.sources), (SELECT count(*) FROM _executor_metadata.tables),"
        " (SELECT count(*) FROM _executor_metadata.columns)",
    )
    assert counts == [(1, 2, 8)]
    (data / "a.csv").unlink()
    assert run_cli(args).code == 0
    statuses = query(metadata_db, "SELECT table_name, status FROM _executor_metadata.tables ORDER BY 1")
    assert statuses == [("a.csv", "missing"), ("b.parquet", "ok")]


def test_full_pipeline_reports_each_step(tmp_path: Path, metadata_db: Path, platform: Platform) -> None:
    data = sample_data.write_hive_folder(tmp_path / "sales")
    done = run_cli(
        ["full_pipeline", str(data), "parquet", "acme", "--metadata-db", str(metadata_db)],
        env={"LAKERUN_API_ENDPOINT": platform.url, "LAKERUN_API_KEY": "k"},
    )
    assert done.code == 0, done.stderr
    steps = [
        "schema_validation",
        "metadata_extraction",
        "data_reading",
        "quality_assessment",
        "api_transmission",
    ]
    assert [done.result[s]["status"] for s in steps] == ["success"] * 5
    assert done.result["status"] == "success"
    logs = query(
        metadata_db,
        "SELECT l.log_level, l.log_message, r.run_mode FROM _executor_metadata.logs l "
        "JOIN _executor_metadata.executor_runs r ON l.run_id = r.run_id "
        f"WHERE r.run_id = '{done.result['run_id']}' ORDER BY l.log_timestamp DESC",
    )
    assert logs and all(mode == "full_pipeline" for _level, _message, mode in logs)


def test_failed_job_exits_non_zero_and_is_recorded(tmp_path: Path, metadata_db: Path) -> None:
    done = run_cli(["metadata_extraction", str(tmp_path / "missing"), "--metadata-db", str(metadata_db)])
    assert done.code == 1
    assert done.result["status"] == "failed"
    assert "does not exist" in done.result["error"]
    [(status, error)] = query(
        metadata_db, "SELECT status, error_message FROM _executor_metadata.executor_runs"
    )
    assert status == "Failed" and "does not exist" in error
    [(count,)] = query(metadata_db, "SELECT count(*) FROM _executor_metadata.logs WHERE log_level = 'ERROR'")
    assert count == 1


def test_bad_arguments_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["metadata_extraction"]) == 2
    assert "needs a data_source_path" in json.loads(capsys.readouterr().out)["error"]
    assert run(["data_reading", str(tmp_path), "mainframe", "--metadata-db", str(tmp_path / "m.duckdb")]) == 1
    assert "unknown source_type 'mainframe'" in json.loads(capsys.readouterr().out)["error"]


def test_api_key_is_never_printed_or_stored(tmp_path: Path, metadata_db: Path, platform: Platform) -> None:
    secret = "sk-live-DO-NOT-LEAK-4242"
    sample_data.write_csv(tmp_path / "d" / "a.csv")
    env = {"LAKERUN_API_ENDPOINT": platform.url, "LAKERUN_API_KEY": secret}
    done = run_cli(["full_pipeline", str(tmp_path / "d"), "--metadata-db", str(metadata_db)], env=env)
    assert done.code == 0, done.stderr
    assert platform.requests[0]["Authorization"] == f"Bearer {secret}"
    stored = query(
        metadata_db,
        "SELECT string_agg(result_json, '') || (SELECT string_agg(log_message, '') FROM _executor_metadata.logs) "
        "FROM _executor_metadata.executor_runs",
    )
    assert secret not in str(done.result) and secret not in done.stderr and secret not in str(stored)


def test_sigterm_records_a_cancelled_run(tmp_path: Path, metadata_db: Path, platform: Platform) -> None:
    """The platform holds its answer, so the signal lands while the job is certainly still running."""
    sample_data.write_csv(tmp_path / "d" / "a.csv")
    platform.hold_answers = True
    command = [str(EXECUTOR), "full_pipeline", str(tmp_path / "d"), "--metadata-db", str(metadata_db)]
    env = {**os.environ, "LAKERUN_API_ENDPOINT": platform.url, "LAKERUN_API_KEY": "k"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert platform.received.wait(120), "the job never reached the platform"
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 1
    assert json.loads(out)["status"] == "cancelled"
    [(status, error)] = query(
        metadata_db,
        "SELECT status, error_message FROM _executor_metadata.executor_runs WHERE run_mode = 'full_pipeline'",
    )
    assert (status, error) == ("Cancelled", "cancelled: signal SIGTERM")


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (StoreError("metadata store is read-only"), EXIT_FAILED, "metadata store is read-only"),
        (KeyError("job_type"), EXIT_FAILED, "unexpected error (KeyError): 'job_type'"),
    ],
)
def test_errors_outside_the_job_end_with_their_exit_code(
    raised: Exception,
    code: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise raised

    monkeypatch.setattr("lakerun.executor.runner.execute", broken)
    assert run(["schema_validation"]) == code
    out = capsys.readouterr()
    assert json.loads(out.out) == {"status": "failed", "error": message}
    assert f"lakerun-executor: {message}" in out.err


def test_bad_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["data_reading"]) == EXIT_USAGE
    assert "data_reading needs a data_source_path" in json.loads(capsys.readouterr().out)["error"]
