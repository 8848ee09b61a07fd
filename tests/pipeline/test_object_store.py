"""The pipeline against real object stores (moto_server for S3, Azurite for ADLS): sources and Delta sinks there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lakerun.engines.delta_io import open_table
from tests.executor.cloud_servers import azurite, moto_s3
from tests.pipeline.conftest import load_generator, runner_for

__all__ = ["azurite", "moto_s3"]
pytestmark = pytest.mark.cloud
AZURE_ROOT = "abfss://lake@devstoreaccount1.dfs.core.windows.net"


def claims_pipeline(root: str) -> dict[str, Any]:
    """Raw CSV landing in the store, typed and checked bronze merged there."""
    return {
        "name": "store_claims",
        "warehouse": f"{root}/warehouse",
        "layers": {
            "raw": {
                "source": {"type": "files", "path": f"{root}/landing/claims/*.csv", "format": "csv"},
                "sink": {"table": "main.raw.claims"},
            },
            "bronze": {
                "transform": {"steps": [{"op": "cast", "columns": {"claim_amount": "double"}}]},
                "expectations": [{"type": "not_null", "column": "claim_amount", "action": "quarantine"}],
                "sink": {"table": "main.bronze.claims", "mode": "merge", "keys": ["claim_id", "updated_at"]},
            },
        },
    }


def run_and_check(root: str, fs: Any, bucket_path: str, tmp_path: Path, write_config, engine) -> None:
    load_generator().main(["--rows", "200", "--files", "2", "--out", str(tmp_path / "raw")])
    fs.put(str(tmp_path / "raw" / "claims") + "/", f"{bucket_path}/landing/claims/", recursive=True)
    raw, bronze = runner_for(write_config(claims_pipeline(root))).run_all(engine)
    assert raw.rows_out > 200 and bronze.rows_quarantined > 0
    table = open_table(f"{root}/warehouse/main/bronze/claims")
    assert table is not None and table.to_pyarrow_table().num_rows == bronze.rows_out
    assert fs.exists(f"{bucket_path}/warehouse/main/bronze/claims_quarantine/_delta_log")


def test_layers_read_and_write_s3(moto_s3, monkeypatch, tmp_path, write_config, engine) -> None:
    for name, value in moto_s3.env.items():
        monkeypatch.setenv(name, value)
    import s3fs

    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": moto_s3.endpoint})
    fs.mkdir("lake")
    run_and_check("s3://lake", fs, "lake", tmp_path, write_config, engine)


def test_layers_read_and_write_adls(azurite, monkeypatch, tmp_path, write_config, engine) -> None:
    for name, value in azurite.env.items():
        monkeypatch.setenv(name, value)
    import adlfs

    fs = adlfs.AzureBlobFileSystem(connection_string=azurite.env["AZURE_STORAGE_CONNECTION_STRING"])
    fs.mkdir("lake", exist_ok=True)
    run_and_check(AZURE_ROOT, fs, "lake", tmp_path, write_config, engine)
