"""The Workspace API through the official SDK and curl-style calls: notebooks, files, folders, escapes."""

from __future__ import annotations

import base64
import io
import json

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    DatabricksError,
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
)
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language, ObjectType

from lakerun.local.config import WorkspaceConfig
from lakerun.local.paths import WorkspacePaths
from lakerun.local.server import free_port, start_in_thread
from lakerun.local.workspace_tree import notebook_file

NOTEBOOK = b"# Databricks notebook source\nx = 1\n\n# COMMAND ----------\n\nprint(x + 1)\n"


def test_upload_list_download_delete_through_the_sdk(ws_client) -> None:
    ws_client.workspace.mkdirs("/Users/me@example.com/project")
    ws_client.workspace.upload("/Users/me@example.com/project/nb", NOTEBOOK, language=Language.PYTHON)
    ws_client.workspace.upload(
        "/Users/me@example.com/project/data.csv", b"a,b\n1,2\n", format=ImportFormat.AUTO
    )
    listed = {o.path: o for o in ws_client.workspace.list("/Users/me@example.com/project")}
    assert set(listed) == {"/Users/me@example.com/project/nb", "/Users/me@example.com/project/data.csv"}
    assert listed["/Users/me@example.com/project/nb"].object_type == ObjectType.NOTEBOOK
    assert listed["/Users/me@example.com/project/nb"].language == Language.PYTHON
    assert listed["/Users/me@example.com/project/data.csv"].object_type == ObjectType.FILE
    assert listed["/Users/me@example.com/project/data.csv"].size == 8
    assert ws_client.workspace.download("/Users/me@example.com/project/data.csv").read() == b"a,b\n1,2\n"
    assert ws_client.workspace.download("/Users/me@example.com/project/nb").read() == NOTEBOOK
    status = ws_client.workspace.get_status("/Workspace/Users/me@example.com/project")
    assert status.object_type == ObjectType.DIRECTORY
    recursive = [o.path for o in ws_client.workspace.list("/Users", recursive=True)]
    assert sorted(recursive) == sorted(listed)
    with pytest.raises(Exception, match="not empty"):
        ws_client.workspace.delete("/Users/me@example.com/project")
    ws_client.workspace.delete("/Users/me@example.com/project", recursive=True)
    with pytest.raises(ResourceDoesNotExist):
        ws_client.workspace.get_status("/Users/me@example.com/project")


def test_overwrite_and_conflicts(ws_client) -> None:
    ws_client.workspace.mkdirs("/Shared")
    ws_client.workspace.upload("/Shared/job.py", b"print(1)\n", format=ImportFormat.AUTO)
    with pytest.raises(ResourceAlreadyExists):
        ws_client.workspace.upload("/Shared/job.py", b"print(2)\n", format=ImportFormat.AUTO)
    ws_client.workspace.upload("/Shared/job.py", b"print(2)\n", format=ImportFormat.AUTO, overwrite=True)
    assert ws_client.workspace.download("/Shared/job.py").read() == b"print(2)\n"
    with pytest.raises(ResourceAlreadyExists):
        ws_client.workspace.mkdirs("/Shared/job.py")
    with pytest.raises(ResourceDoesNotExist, match="parent folder"):
        ws_client.workspace.upload("/Nowhere/x.py", b"1", format=ImportFormat.AUTO)


def test_auto_import_of_a_source_notebook_strips_its_extension(ws_client, local_workspace) -> None:
    ws_client.workspace.mkdirs("/Repos/app")
    ws_client.workspace.upload("/Repos/app/etl.py", NOTEBOOK, format=ImportFormat.AUTO)
    status = ws_client.workspace.get_status("/Repos/app/etl")
    assert status.object_type == ObjectType.NOTEBOOK
    paths = WorkspacePaths(local_workspace.config.root)
    assert notebook_file(paths, "/Workspace/Repos/app/etl").read_bytes() == NOTEBOOK


def test_jupyter_round_trip_and_conversion(ws_client) -> None:
    ws_client.workspace.mkdirs("/Shared")
    ws_client.workspace.upload("/Shared/src", NOTEBOOK, language=Language.PYTHON)
    exported = json.loads(ws_client.workspace.download("/Shared/src", format=ExportFormat.JUPYTER).read())
    assert [cell["source"] for cell in exported["cells"]] == ["x = 1", "print(x + 1)"]
    ws_client.workspace.upload(
        "/Shared/from_jupyter", json.dumps(exported).encode(), format=ImportFormat.JUPYTER
    )
    assert ws_client.workspace.get_status("/Shared/from_jupyter").object_type == ObjectType.NOTEBOOK
    source = ws_client.workspace.download("/Shared/from_jupyter", format=ExportFormat.SOURCE).read()
    assert source.startswith(b"# Databricks notebook source")
    assert b"print(x + 1)" in source
    with pytest.raises(DatabricksError, match="not a Jupyter notebook"):
        ws_client.workspace.upload("/Shared/bad", b"not json", format=ImportFormat.JUPYTER)


def test_export_and_import_with_base64_json(ws_client) -> None:
    ws_client.workspace.import_(
        "/legacy",
        content=base64.b64encode(b"SELECT 1").decode(),
        language=Language.SQL,
        format=ImportFormat.SOURCE,
    )
    exported = ws_client.workspace.export("/legacy")
    assert base64.b64decode(exported.content) == b"-- Databricks notebook source\nSELECT 1"
    assert ws_client.workspace.get_status("/legacy").language == Language.SQL


def test_curl_style_calls_with_text_json_and_get_bodies(local_workspace) -> None:
    headers = {"Authorization": f"Bearer {local_workspace.token}", "Content-Type": "text/json"}
    base = f"{local_workspace.url}/api/2.1/workspace"
    body = {"path": "/script.py", "format": "AUTO", "content": base64.b64encode(b"print('hi')").decode()}
    assert httpx.post(f"{base}/import", headers=headers, content=json.dumps(body)).status_code == 200
    status = httpx.request("GET", f"{base}/get-status", headers=headers, content='{"path": "/script.py"}')
    assert status.json()["object_type"] == "FILE"
    raw = httpx.get(
        f"{base}/export", headers=headers, params={"path": "/script.py", "direct_download": "true"}
    )
    assert raw.content == b"print('hi')"
    missing = httpx.get(f"{base}/get-status", headers=headers, params={"path": "/missing"})
    assert missing.status_code == 404
    assert missing.json() == {
        "error_code": "RESOURCE_DOES_NOT_EXIST",
        "message": "Path (/missing) doesn't exist.",
    }


@pytest.mark.parametrize(
    "path", ["/../../etc/passwd", "/Workspace/../../../etc/passwd", "/a/../../../../tmp"]
)
def test_paths_escaping_the_workspace_are_refused(ws_client, path) -> None:
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.workspace.get_status(path)


def test_symlink_out_of_the_workspace_is_refused(ws_client, local_workspace, tmp_path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    (local_workspace.config.root / "workspace" / "link").symlink_to(outside)
    with pytest.raises(InvalidParameterValue, match="escapes"):
        ws_client.workspace.download("/link/secret.txt")


@pytest.mark.slow  # starts a workspace twice
def test_files_survive_a_restart(workspace_root) -> None:
    first = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    try:
        WorkspaceClient(host=first.url, token=first.token).workspace.upload(
            "/kept.py", io.BytesIO(b"print('kept')"), format=ImportFormat.AUTO
        )
    finally:
        first.stop()
    second = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    try:
        client = WorkspaceClient(host=second.url, token=second.token)
        assert client.workspace.download("/kept.py").read() == b"print('kept')"
    finally:
        second.stop()
