"""A table group on Azure storage (Azurite) profiled through the control plane, in each spelling of the
location a user may give: `abfss://`, `az://` and `wasbs://`."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.executor.cloud_servers import AzureServer, azurite
from tests.server.conftest import Stack
from tests.server.test_data_quality import anomalies, profile

__all__ = ["azurite"]

pytestmark = pytest.mark.slow

LOCATIONS = {
    "abfss": "abfss://dqlake@devstoreaccount1.dfs.core.windows.net/shop",
    "az": "az://dqlake/shop",
    "wasbs": "wasbs://dqlake@devstoreaccount1.blob.core.windows.net/shop",
}


def upload_tables(azurite: AzureServer, tmp_path: Path) -> None:
    """Two parquet tables under `dqlake/shop`, one with a column that is always empty."""
    import adlfs

    fs = adlfs.AzureBlobFileSystem(connection_string=azurite.env["AZURE_STORAGE_CONNECTION_STRING"])
    if not fs.exists("dqlake"):
        fs.mkdir("dqlake")
    ids = list(range(40))
    pq.write_table(pa.table({"id": ids, "name": [f"c{i}" for i in ids]}), tmp_path / "customers.parquet")
    pq.write_table(pa.table({"id": ids, "note": pa.nulls(40, pa.string())}), tmp_path / "notes.parquet")
    for name in ("customers", "notes"):
        fs.put_file(str(tmp_path / f"{name}.parquet"), f"dqlake/shop/{name}.parquet")


def test_a_group_on_azure_storage_is_profiled_in_every_spelling(
    azurite: AzureServer, stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in azurite.env.items():
        monkeypatch.setenv(name, value)
    upload_tables(azurite, tmp_path)
    for scheme, location in LOCATIONS.items():
        created = stack.api.post(
            "/v1/data-quality/connections",
            json={"name": f"lake-{scheme}", "kind": "files", "location": location},
        )
        assert created.status_code == 201, created.text
        group = stack.api.post(
            "/v1/data-quality/table-groups", json={"name": f"shop-{scheme}", "connection": f"lake-{scheme}"}
        )
        run = profile(stack, group.json()["id"])
        assert run["status"] == "SUCCESS", (scheme, run.get("error"))
        assert sorted(run["tables"]) == ["customers", "notes"], scheme
        assert "notes|note|No_Values" in anomalies(stack, run["id"]), scheme
