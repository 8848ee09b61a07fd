"""The exported job JSON (a task per table), posted as-is to a real local workspace, runs with the built wheel."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from databricks.sdk.service import jobs

from lakerun.engines.delta_io import open_table
from tests.pipeline.conftest import EXAMPLE, load_generator

pytestmark = pytest.mark.slow

DBFS_DIR = "/pipelines/pet_claims"


def upload(ws_client, local: Path, dbfs_path: str) -> None:
    ws_client.dbfs.upload(dbfs_path, io.BytesIO(local.read_bytes()), overwrite=True)


def test_exported_job_runs_raw_to_gold_in_the_local_workspace(
    ws_client, workspace_root, lakerun_wheel, tmp_path
) -> None:
    upload(ws_client, lakerun_wheel, f"/libs/{lakerun_wheel.name}")
    upload(ws_client, EXAMPLE / "pipeline.yml", f"{DBFS_DIR}/pipeline.yml")
    load_generator().main(
        [
            "--rows",
            "400",
            "--files",
            "2",
            "--out",
            str(workspace_root / "dbfs" / DBFS_DIR.strip("/") / "data" / "raw"),
        ]
    )
    job_json = tmp_path / "job.json"
    export = [
        str(Path(sys.executable).with_name("lakerun")), "pipeline", "export", "-c", str(EXAMPLE / "pipeline.yml"),
        "--format", "jobs-json", "-o", str(job_json), "--wheel", f"dbfs:/libs/{lakerun_wheel.name}",
        "--config-path", f"dbfs:{DBFS_DIR}/pipeline.yml", "--vars", f"data_root=dbfs:{DBFS_DIR}/data",
    ]  # fmt: skip
    assert subprocess.run(export, capture_output=True, text=True, timeout=120, check=False).returncode == 0

    created = ws_client.api_client.do("POST", "/api/2.1/jobs/create", body=json.loads(job_json.read_text()))
    run = ws_client.jobs.run_now(job_id=int(created["job_id"])).result(timeout=timedelta(seconds=600))

    states = {t.task_key: t.state.result_state for t in run.tasks or []}
    tables = ["raw_claims", "raw_customers", "raw_pets", "raw_providers", "claims", "customers", "pets"]
    tables += ["providers", "claims_latest", "claims_enriched", "claims_monthly", "provider_summary"]
    assert states == dict.fromkeys([*tables, "customer_value"], jobs.RunResultState.SUCCESS), [
        ws_client.jobs.get_run_output(t.run_id).error_trace for t in run.tasks or []
    ]
    warehouse = workspace_root / "dbfs" / DBFS_DIR.strip("/") / "data" / "warehouse" / "main"
    gold = open_table(str(warehouse / "gold" / "claims_monthly"))
    assert gold is not None and gold.to_pyarrow_table().num_rows > 0
    logs = ws_client.jobs.get_run_output(
        next(t.run_id for t in run.tasks or [] if t.task_key == "claims_monthly")
    ).logs
    assert '"name": "claims_monthly"' in logs and '"status": "SUCCESS"' in logs
    shutil.rmtree(workspace_root / "environments", ignore_errors=True)
