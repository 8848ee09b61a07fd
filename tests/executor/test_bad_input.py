"""Bad input becomes a clear per-file error in the result and in `logs`; the job goes on with the rest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from lakerun.executor.entrypoint import run
from tests.executor import sample_data
from tests.executor.conftest import EXECUTOR, query

pytestmark = pytest.mark.core


def _extract(data: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = run(["metadata_extraction", str(data), "auto", "t", "--metadata-db", str(db)])
    return code, json.loads(capsys.readouterr().out)


def _error_logs(db: Path) -> dict[str, str]:
    rows = query(db, "SELECT file_path, log_message FROM _executor_metadata.logs WHERE log_level = 'ERROR'")
    return {Path(path).name: message for path, message in rows}


def _truncated_parquet(path: Path) -> None:
    good = sample_data.write_parquet(path)
    good.write_bytes(good.read_bytes()[: good.stat().st_size // 2])


BAD_FILES = {
    "corrupt.parquet": (
        lambda p: p.write_bytes(b"PAR1 garbage that is not a footer"),
        "corrupt or truncated parquet",
    ),
    "truncated.parquet": (_truncated_parquet, "corrupt or truncated parquet"),
    "latin1.csv": (lambda p: p.write_bytes(b"name,city\nx,M\xfcnchen\n"), "not utf-8"),
    "empty.csv": (lambda p: p.write_bytes(b""), "file is empty"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_reported_and_the_rest_is_processed(
    name: str, tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write, expected = BAD_FILES[name]
    sample_data.write_csv(tmp_path / "data" / "good.csv")
    write(tmp_path / "data" / name)
    code, result = _extract(tmp_path / "data", metadata_db, capsys)
    assert code == 0
    assert result["status"] == "partial"
    [error] = result["errors"]  # type: ignore[misc]
    assert error["path"].endswith(name) and expected in error["error"].lower()  # type: ignore[has-type]
    assert expected in _error_logs(metadata_db)[name].lower()
    [(status,)] = query(
        metadata_db, f"SELECT status FROM _executor_metadata.tables WHERE table_name = '{name}'"
    )
    assert status == "error"
    [(rows,)] = query(
        metadata_db, "SELECT row_count FROM _executor_metadata.tables WHERE table_name = 'good.csv'"
    )
    assert rows == 6


def test_mixed_schemas_in_one_folder(
    tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data" / "events"
    sample_data.write_parquet(folder / "part-0.parquet")
    sample_data.write_parquet(folder / "part-1.parquet", pa.table({"id": ["x"]}))
    sample_data.write_csv(folder / "part-2.csv")
    code, result = _extract(tmp_path / "data", metadata_db, capsys)
    assert code == 0 and result["status"] == "partial"
    errors = _error_logs(metadata_db)
    assert "schema differs" in errors["part-1.parquet"]
    assert "mixed formats" in errors["part-2.csv"]
    [(rows, status)] = query(metadata_db, "SELECT row_count, status FROM _executor_metadata.tables")
    assert (rows, status) == (6, "partial")


def test_nothing_readable_fails_the_job(
    tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "empty.csv").write_bytes(b"")
    code, result = _extract(tmp_path / "data", metadata_db, capsys)
    assert code == 1
    assert "nothing could be processed" in str(result["error"])


def test_missing_path_fails_with_its_name(
    tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _extract(tmp_path / "nowhere", metadata_db, capsys)
    assert code == 1
    assert f"path does not exist: {tmp_path / 'nowhere'}" in str(result["error"])


def test_unwritable_metadata_store_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample_data.write_csv(tmp_path / "data" / "a.csv")
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    code, result = _extract(tmp_path / "data", blocker / "metadata.duckdb", capsys)
    assert code == 1
    assert "metadata" in str(result["error"])


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="lakerun-perm-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow  # runs the executor as another user
def test_file_without_permission(world_readable_dir: Path) -> None:
    data = world_readable_dir / "data"
    sample_data.write_csv(data / "open.csv")
    locked = sample_data.write_csv(data / "locked.csv")
    locked.chmod(0o000)
    data.chmod(0o755)
    (data / "open.csv").chmod(0o644)
    db = world_readable_dir / "meta" / "metadata.duckdb"
    command = [str(EXECUTOR), "metadata_extraction", str(data), "--metadata-db", str(db)]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop the permission to read a file")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    (world_readable_dir / "meta").mkdir(mode=0o777)
    (world_readable_dir / "meta").chmod(0o777)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, cwd=world_readable_dir
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    [error] = result["errors"]
    assert error["path"].endswith("locked.csv") and "ermission" in error["error"]


def test_full_pipeline_reports_a_bad_file_in_every_step_and_logs_it_once(
    tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample_data.write_csv(tmp_path / "data" / "good.csv")
    (tmp_path / "data" / "broken.parquet").write_bytes(b"PAR1 nope")
    code = run(["full_pipeline", str(tmp_path / "data"), "--metadata-db", str(metadata_db)])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["status"] == "partial"
    for step in ("metadata_extraction", "data_reading", "quality_assessment"):
        assert result[step]["error_count"] == 1, step
    assert result["api_transmission"]["status"] == "skipped"
    [(count,)] = query(metadata_db, "SELECT count(*) FROM _executor_metadata.logs WHERE log_level = 'ERROR'")
    assert count == 1
