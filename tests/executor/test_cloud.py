"""S3 (moto_server) and Azure Blob (Azurite) sources through the CLI, every format including Delta."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lakerun.executor.entrypoint import run
from tests.executor import sample_data
from tests.executor.cloud_servers import AzureServer, S3Server, azurite, moto_s3
from tests.executor.conftest import query, run_cli

pytestmark = pytest.mark.cloud
__all__ = ["azurite", "moto_s3"]

EXPECTED = {
    "orders.csv",
    "orders.tsv",
    "orders.parquet",
    "orders.xlsx",
    "orders_delta",
    "sales",
    "nested/orders.json",
    "nested/orders.jsonl",
}


def _upload(fs: object, local: Path, remote: str) -> None:
    for path in sorted(local.rglob("*")):
        if path.is_file():
            fs.put_file(str(path), f"{remote}/{path.relative_to(local).as_posix()}")  # type: ignore[attr-defined]


def test_s3_source_full_pipeline(tmp_path: Path, moto_s3: S3Server, metadata_db: Path) -> None:
    import s3fs

    fs = s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": moto_s3.endpoint})
    fs.mkdir("lake-s3")
    _upload(fs, sample_data.write_every_format(tmp_path / "data"), "lake-s3/raw")
    done = run_cli(
        ["full_pipeline", "s3://lake-s3/raw/", "aws_s3", "tenant-s3", "--metadata-db", str(metadata_db)],
        env=moto_s3.env,
    )
    assert done.code == 0, done.stderr
    assert done.result["status"] == "success"
    tables = dict(query(metadata_db, "SELECT table_name, row_count FROM _executor_metadata.tables"))
    assert tables == dict.fromkeys(EXPECTED, 6)
    assert done.result["quality_assessment"]["quality_metrics"]["completeness"] > 0


@pytest.mark.parametrize(
    "url",
    [
        "abfss://lake@devstoreaccount1.dfs.core.windows.net/raw",
        "az://lake/raw",
        "wasbs://lake@devstoreaccount1.blob.core.windows.net/raw",
    ],
)
def test_azure_source_metadata_extraction(
    tmp_path: Path,
    azurite: AzureServer,
    metadata_db: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import adlfs

    fs = adlfs.AzureBlobFileSystem(connection_string=azurite.env["AZURE_STORAGE_CONNECTION_STRING"])
    if not fs.exists("lake/raw/orders.csv"):
        fs.mkdir("lake", exist_ok=True)
        _upload(fs, sample_data.write_every_format(tmp_path / "data"), "lake/raw")
    args = ["metadata_extraction", url, "azure_blob", "--metadata-db", str(metadata_db)]
    if url.startswith("abfss://"):
        done = run_cli(args, env=azurite.env)
        code, result, stderr = done.code, done.result, done.stderr
    else:
        for name, value in azurite.env.items():
            monkeypatch.setenv(name, value)
        code = run(args)
        result, stderr = json.loads(capsys.readouterr().out), ""
    assert code == 0, stderr
    tables = dict(query(metadata_db, "SELECT table_name, row_count FROM _executor_metadata.tables"))
    assert tables == dict.fromkeys(EXPECTED, 6)
    assert "AccountKey" not in str(result) and "AccountKey" not in stderr
