"""The Files API for /Volumes paths, through `w.dbfs` (which routes /Volumes there), `w.files` and curl."""

from __future__ import annotations

import io

import httpx
import pytest
from databricks.sdk.errors import AlreadyExists, InvalidParameterValue, NotFound


def test_dbfs_helpers_on_volume_paths(ws_client, local_workspace) -> None:
    ws_client.dbfs.mkdirs("/Volumes/main/raw/landing")
    ws_client.dbfs.upload("/Volumes/main/raw/landing/a.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert (local_workspace.config.root / "volumes" / "main" / "raw" / "landing" / "a.csv").read_bytes() == (
        b"a,b\n1,2\n"
    )
    listed = [(f.path, f.file_size) for f in ws_client.dbfs.list("/Volumes/main/raw", recursive=True)]
    assert listed == [("/Volumes/main/raw/landing/a.csv", 8)]
    assert ws_client.dbfs.download("/Volumes/main/raw/landing/a.csv").read(-1) == b"a,b\n1,2\n"
    assert ws_client.dbfs.exists("/Volumes/main/raw/landing/a.csv")
    ws_client.dbfs.delete("/Volumes/main/raw", recursive=True)
    assert not ws_client.dbfs.exists("/Volumes/main/raw")


def test_files_api_upload_download_metadata_and_listing_pages(ws_client) -> None:
    for index in range(3):
        ws_client.files.upload(f"/Volumes/c/s/v/part-{index}.txt", io.BytesIO(b"x" * (index + 1)))
    assert ws_client.files.download("/Volumes/c/s/v/part-2.txt").contents.read() == b"xxx"
    assert ws_client.files.get_metadata("/Volumes/c/s/v/part-1.txt").content_length == 2
    pages = list(ws_client.files.list_directory_contents("/Volumes/c/s/v", page_size=2))
    assert [entry.name for entry in pages] == ["part-0.txt", "part-1.txt", "part-2.txt"]
    with pytest.raises(AlreadyExists):
        ws_client.files.upload("/Volumes/c/s/v/part-0.txt", io.BytesIO(b"new"), overwrite=False)
    with pytest.raises(NotFound):
        ws_client.files.get_metadata("/Volumes/c/s/v/missing.txt")
    with pytest.raises(Exception, match="not empty"):
        ws_client.files.delete_directory("/Volumes/c/s/v")


def test_range_download_with_curl_style_call(local_workspace) -> None:
    auth = {"Authorization": f"Bearer {local_workspace.token}"}
    url = f"{local_workspace.url}/api/2.0/fs/files/Volumes/c/s/v/digits.txt"
    assert httpx.put(url, headers=auth, content=b"0123456789").status_code == 204
    partial = httpx.get(url, headers={**auth, "Range": "bytes=4-6"})
    assert partial.status_code == 206
    assert partial.content == b"456"


@pytest.mark.parametrize(
    "path", ["/Volumes/%2E%2E/%2E%2E/etc/passwd", "/Volumes/c/%2e%2e/%2e%2e/%2e%2e/etc/hosts"]
)
def test_escaping_volume_paths_are_refused(local_workspace, path) -> None:
    response = httpx.get(
        f"{local_workspace.url}/api/2.0/fs/files{path}",
        headers={"Authorization": f"Bearer {local_workspace.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "escapes" in response.json()["message"]


def test_only_volume_paths_are_served(local_workspace) -> None:
    response = httpx.get(
        f"{local_workspace.url}/api/2.0/fs/files/etc/passwd",
        headers={"Authorization": f"Bearer {local_workspace.token}"},
    )
    assert response.status_code == 400
    assert "/Volumes" in response.json()["message"]


def test_symlink_out_of_volumes_is_refused(ws_client, local_workspace, tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    volumes = local_workspace.config.root / "volumes"
    volumes.mkdir(exist_ok=True)
    (volumes / "linked").symlink_to(outside)
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.files.download("/Volumes/linked/secret.txt")
