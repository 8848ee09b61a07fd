"""The DBFS API through the official SDK and curl-style calls: uploads, reads, listings, escapes."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist

from lakerun.local.config import WorkspaceConfig
from lakerun.local.server import free_port, start_in_thread


def test_upload_download_list_delete_through_the_sdk(ws_client, local_workspace) -> None:
    payload = os.urandom(2 * 1024 * 1024 + 123)
    ws_client.dbfs.mkdirs("dbfs:/executor")
    ws_client.dbfs.upload("dbfs:/executor/blob.bin", io.BytesIO(payload))
    ws_client.dbfs.upload("/executor/main.py", io.BytesIO(b"print('main')\n"))
    assert ws_client.dbfs.download("dbfs:/executor/blob.bin").read() == payload
    assert (local_workspace.config.root / "dbfs" / "executor" / "main.py").read_bytes() == b"print('main')\n"
    listed = {f.path: f for f in ws_client.dbfs.list("dbfs:/executor")}
    assert set(listed) == {"/executor/blob.bin", "/executor/main.py"}
    assert listed["/executor/blob.bin"].file_size == len(payload)
    assert not listed["/executor/blob.bin"].is_dir
    ws_client.dbfs.mkdirs("/executor/nested/deeper")
    ws_client.dbfs.put("/executor/nested/deeper/x.txt", contents=base64.b64encode(b"x").decode())
    recursive = sorted(f.path for f in ws_client.dbfs.list("/executor", recursive=True))
    assert recursive == ["/executor/blob.bin", "/executor/main.py", "/executor/nested/deeper/x.txt"]
    status = ws_client.dbfs.get_status("/executor/nested")
    assert status.is_dir and status.file_size == 0
    with pytest.raises(Exception, match="not empty"):
        ws_client.api_client.do("POST", "/api/2.0/dbfs/delete", body={"path": "/executor/nested"})
    ws_client.dbfs.delete("/executor", recursive=True)
    assert not ws_client.dbfs.exists("/executor")


def test_overwrite_and_missing_paths(ws_client) -> None:
    ws_client.dbfs.upload("/a.txt", io.BytesIO(b"one"))
    with pytest.raises(ResourceAlreadyExists):
        ws_client.dbfs.upload("/a.txt", io.BytesIO(b"two"))
    ws_client.dbfs.upload("/a.txt", io.BytesIO(b"two"), overwrite=True)
    assert ws_client.dbfs.download("/a.txt").read() == b"two"
    with pytest.raises(ResourceAlreadyExists):
        ws_client.dbfs.mkdirs("/a.txt/sub")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.dbfs.get_status("/missing")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.dbfs.add_block(987654321, base64.b64encode(b"x").decode())
    ws_client.dbfs.move("/a.txt", "/moved/b.txt")
    assert ws_client.dbfs.read("/moved/b.txt").data == base64.b64encode(b"two").decode()


def test_read_windows_and_limits(ws_client) -> None:
    ws_client.dbfs.put("/digits.txt", contents=base64.b64encode(b"0123456789").decode())
    window = ws_client.dbfs.read("/digits.txt", offset=3, length=4)
    assert window.bytes_read == 4
    assert base64.b64decode(window.data) == b"3456"
    assert ws_client.dbfs.read("/digits.txt", offset=20, length=4).bytes_read == 0
    with pytest.raises(Exception, match="Cannot read more"):
        ws_client.dbfs.read("/digits.txt", length=2 * 1024 * 1024)
    too_big = base64.b64encode(b"x" * (1024 * 1024 + 1)).decode()
    with pytest.raises(Exception, match="exceeds the maximum"):
        ws_client.dbfs.put("/big.bin", contents=too_big)


def test_curl_style_multipart_put_and_text_json(local_workspace) -> None:
    auth = {"Authorization": f"Bearer {local_workspace.token}"}
    base = f"{local_workspace.url}/api/2.0/dbfs"
    big = os.urandom(1024 * 1024 * 3)
    put = httpx.post(
        f"{base}/put",
        headers=auth,
        data={"path": "/uploads/big.bin", "overwrite": "true"},
        files={"contents": ("big.bin", big)},
    )
    assert put.status_code == 200, put.text
    assert (local_workspace.config.root / "dbfs" / "uploads" / "big.bin").read_bytes() == big
    listed = httpx.request(
        "GET",
        f"{base.replace('2.0', '2.1')}/list",
        headers={**auth, "Content-Type": "text/json"},
        content='{"path": "dbfs:/uploads"}',
    )
    assert listed.json()["files"][0]["file_size"] == len(big)


@pytest.mark.parametrize("path", ["dbfs:/../../etc/passwd", "/dbfs/../../etc/passwd", "/x/../../../etc"])
def test_paths_escaping_dbfs_are_refused(ws_client, path) -> None:
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.dbfs.get_status(path)
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.dbfs.put(path, contents="eA==", overwrite=True)


def test_symlink_out_of_dbfs_is_refused(ws_client, local_workspace, tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    dbfs_area = local_workspace.config.root / "dbfs"
    dbfs_area.mkdir(exist_ok=True)
    (dbfs_area / "mnt").symlink_to(outside)
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.dbfs.read("/mnt/secret.txt")
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.dbfs.delete("/mnt/secret.txt")
    assert (outside / "secret.txt").exists()


@pytest.mark.slow  # starts a workspace twice
def test_files_survive_a_restart(workspace_root) -> None:
    first = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    try:
        WorkspaceClient(host=first.url, token=first.token).dbfs.upload("/kept.txt", io.BytesIO(b"kept"))
    finally:
        first.stop()
    second = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    try:
        assert (
            WorkspaceClient(host=second.url, token=second.token).dbfs.download("/kept.txt").read() == b"kept"
        )
    finally:
        second.stop()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize("part", ["file", "contents"])
def test_curl_multipart_put_stores_the_file_under_either_part_name(local_workspace, tmp_path, part) -> None:
    payload = os.urandom(300_000)
    source = tmp_path / "upload.bin"
    source.write_bytes(payload)
    command = [
        "curl",
        "-sS",
        f"{local_workspace.url}/api/2.0/dbfs/put",
        "-H",
        f"Authorization: Bearer {local_workspace.token}",
        "-F",
        "path=/uploads/x.bin",
        "-F",
        "overwrite=True",
        "-F",
        f"{part}=@{source}",
    ]
    answer = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    assert json.loads(answer) == {}
    assert (local_workspace.config.root / "dbfs" / "uploads" / "x.bin").read_bytes() == payload


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_multipart_put_under_an_unknown_part_is_refused(local_workspace, tmp_path) -> None:
    source = tmp_path / "upload.bin"
    source.write_bytes(b"data")
    command = [
        "curl",
        "-sS",
        f"{local_workspace.url}/api/2.0/dbfs/put",
        "-H",
        f"Authorization: Bearer {local_workspace.token}",
        "-F",
        "path=/uploads/y.bin",
        "-F",
        f"upload=@{source}",
    ]
    answer = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    assert answer["error_code"] == "INVALID_PARAMETER_VALUE" and "'upload'" in answer["message"]
    assert not (local_workspace.config.root / "dbfs" / "uploads" / "y.bin").exists()
