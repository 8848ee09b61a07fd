"""The workload entry points start light: `--help` and the executor's jobs import only what they use.

Each entry point runs in a fresh interpreter that reports, after it ends, which heavy modules it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.core

ENTRY_POINTS = {
    "lakerun-executor": "lakerun.executor.entrypoint",
    "lakerun-layer": "lakerun.pipeline.entrypoint",
    "lakerun-profile": "lakerun.quality.job",
}
NEVER_FOR_HELP = (
    "pandas",
    "pyspark",
    "sqlalchemy",
    "fastapi",
    "duckdb",
    "pyarrow",
    "httpx",
    "databricks.sdk",
)
REPORTER = """
import json, runpy, sys
module, watched, argv = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
sys.argv = [module, *argv]
try:
    runpy.run_module(module, run_name="__main__")
except SystemExit as stop:
    code = stop.code
else:
    code = 0
print(json.dumps({"code": code, "loaded": [name for name in watched if name in sys.modules]}), file=sys.stderr)
"""


def loaded_by(module: str, watched: tuple[str, ...], *argv: str) -> tuple[object, list[str]]:
    """Exit code of `python -m module argv...` and which of `watched` it had imported by then."""
    done = subprocess.run(
        [sys.executable, "-c", REPORTER, module, ",".join(watched), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["loaded"]


@pytest.mark.parametrize("script", sorted(ENTRY_POINTS))
def test_help_imports_nothing_heavy(script: str) -> None:
    code, loaded = loaded_by(ENTRY_POINTS[script], NEVER_FOR_HELP, "--help")
    assert code == 0
    assert loaded == []


def test_a_schema_validation_run_loads_no_other_job(tmp_path: Path) -> None:
    other_jobs = (
        "lakerun.executor.extraction",
        "lakerun.executor.reading",
        "lakerun.executor.quality",
        "lakerun.executor.transmission",
        "lakerun.engines.readers",
        "lakerun.quality.profiler",
        "fsspec",
        "httpx",
        "pyspark",
        "sqlalchemy",
        "fastapi",
    )
    argv = ("schema_validation", str(tmp_path), "auto", "t", "--metadata-db", str(tmp_path / "m.duckdb"))
    code, loaded = loaded_by(ENTRY_POINTS["lakerun-executor"], other_jobs, *argv)
    assert code == 0
    assert loaded == []


def write_small_source(folder: Path) -> Path:
    """A CSV, a JSON-lines file and a parquet file with typed columns, nulls and text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir()
    (folder / "orders.csv").write_text("order_id,customer,amount\n1,ann,10.5\n2,,3\n3,bob,\n")
    (folder / "events.jsonl").write_text('{"id": 1, "kind": "open"}\n{"id": 2, "kind": null}\n')
    items = pa.table({"sku": pa.array(["a", "b", None]), "qty": pa.array([1, None, 3], pa.int64())})
    pq.write_table(items, folder / "items.parquet")
    return folder


@pytest.mark.parametrize(
    "job", ["schema_validation", "metadata_extraction", "data_reading", "quality_assessment", "full_pipeline"]
)
def test_jobs_that_write_the_result_store_never_import_pandas(tmp_path: Path, job: str) -> None:
    source = write_small_source(tmp_path / "data")
    database = tmp_path / "m.duckdb"
    argv = (job, str(source), "auto", "t", "--metadata-db", str(database), "--run-id", f"run-{job}")
    code, loaded = loaded_by(ENTRY_POINTS["lakerun-executor"], ("pandas",), *argv)
    assert code == 0
    assert loaded == []
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        runs = con.execute("SELECT run_id, status FROM _executor_metadata.executor_runs").fetchall()
    assert runs == [(f"run-{job}", "Success")]
