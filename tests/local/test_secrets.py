"""The Secrets API through the official SDK and curl-style calls: limits, errors, encryption, restart."""

from __future__ import annotations

import base64
import stat

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, ResourceAlreadyExists, ResourceDoesNotExist
from databricks.sdk.service.workspace import AclPermission

from lakerun.local.config import WorkspaceConfig
from lakerun.local.server import free_port, start_in_thread

SECRET = "s3cr3t-value-that-must-never-be-stored-in-clear"


def test_scope_and_secret_lifecycle_through_the_sdk(ws_client) -> None:
    ws_client.secrets.create_scope("app")
    with pytest.raises(ResourceAlreadyExists):
        ws_client.secrets.create_scope("app")
    ws_client.secrets.put_secret("app", "api-key", string_value=SECRET)
    ws_client.secrets.put_secret("app", "blob", bytes_value=base64.b64encode(b"\x00\xffraw").decode())
    assert [s.name for s in ws_client.secrets.list_scopes()] == ["app"]
    assert sorted(s.key for s in ws_client.secrets.list_secrets("app")) == ["api-key", "blob"]
    got = ws_client.secrets.get_secret("app", "api-key")
    assert base64.b64decode(got.value).decode() == SECRET
    assert base64.b64decode(ws_client.secrets.get_secret("app", "blob").value) == b"\x00\xffraw"
    ws_client.secrets.put_secret("app", "api-key", string_value="rotated")
    assert base64.b64decode(ws_client.secrets.get_secret("app", "api-key").value) == b"rotated"
    ws_client.secrets.delete_secret("app", "blob")
    assert [s.key for s in ws_client.secrets.list_secrets("app")] == ["api-key"]
    ws_client.secrets.delete_scope("app")
    assert list(ws_client.secrets.list_scopes()) == []
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.get_secret("app", "api-key")


def test_missing_scope_and_key_are_resource_does_not_exist(ws_client) -> None:
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.put_secret("nope", "k", string_value="v")
    ws_client.secrets.create_scope("present")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.get_secret("present", "absent")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.delete_secret("present", "absent")


@pytest.mark.parametrize("bad_name", ["has space", "x" * 129, "slash/name", ""])
def test_invalid_names_are_refused(ws_client, bad_name) -> None:
    with pytest.raises(InvalidParameterValue):
        ws_client.secrets.create_scope(bad_name)


def test_value_limit_and_exactly_one_value(ws_client) -> None:
    ws_client.secrets.create_scope("limits")
    ws_client.secrets.put_secret("limits", "max", string_value="a" * 128 * 1024)
    with pytest.raises(InvalidParameterValue, match="exceeds"):
        ws_client.secrets.put_secret("limits", "toolarge", string_value="a" * (128 * 1024 + 1))
    with pytest.raises(InvalidParameterValue, match="Exactly one"):
        ws_client.secrets.put_secret("limits", "both", string_value="a", bytes_value="YQ==")


def test_curl_style_calls_on_2_0_with_text_json(local_workspace) -> None:
    headers = {"Authorization": f"Bearer {local_workspace.token}", "Content-Type": "text/json"}
    base = f"{local_workspace.url}/api/2.0/secrets"
    created = httpx.post(
        f"{base}/scopes/create",
        headers=headers,
        content='{"scope": "nuvyn-executor", "initial_manage_principal": "users"}',
    )
    assert created.status_code == 200, created.text
    put = httpx.post(
        f"{base}/put",
        headers=headers,
        content='{"scope": "nuvyn-executor", "key": "api-key", "string_value": "k-123"}',
    )
    assert put.status_code == 200
    listed = httpx.request("GET", f"{base}/list", headers=headers, content='{"scope": "nuvyn-executor"}')
    assert [s["key"] for s in listed.json()["secrets"]] == ["api-key"]
    assert "k-123" not in listed.text
    again = httpx.post(f"{base}/scopes/create", headers=headers, content='{"scope": "nuvyn-executor"}')
    assert again.status_code == 409
    assert again.json()["error_code"] == "RESOURCE_ALREADY_EXISTS"


@pytest.mark.slow  # starts a workspace twice
def test_values_are_encrypted_at_rest_and_survive_a_restart(workspace_root) -> None:
    config = WorkspaceConfig(root=workspace_root, port=free_port())
    first = start_in_thread(config)
    try:
        client = WorkspaceClient(host=first.url, token=first.token)
        client.secrets.create_scope("durable")
        client.secrets.put_secret("durable", "password", string_value=SECRET)
    finally:
        first.stop()
    for state_file in workspace_root.glob("state.db*"):
        content = state_file.read_bytes()
        assert SECRET.encode() not in content
        assert base64.b64encode(SECRET.encode()) not in content
    key_mode = stat.S_IMODE((workspace_root / "secrets.key").stat().st_mode)
    assert key_mode == 0o600
    second = start_in_thread(WorkspaceConfig(root=workspace_root, port=free_port()))
    try:
        client = WorkspaceClient(host=second.url, token=second.token)
        value = client.secrets.get_secret("durable", "password").value
        assert base64.b64decode(value).decode() == SECRET  # type: ignore[arg-type]
    finally:
        second.stop()


def test_acls_are_recorded_listed_and_removed(ws_client) -> None:
    ws_client.secrets.create_scope("shared", initial_manage_principal="users")
    assert [(a.principal, a.permission) for a in ws_client.secrets.list_acls("shared")] == [
        ("users", AclPermission.MANAGE)
    ]
    ws_client.secrets.put_acl("shared", "data-engineers", AclPermission.READ)
    ws_client.secrets.put_acl("shared", "data-engineers", AclPermission.WRITE)
    assert ws_client.secrets.get_acl("shared", "data-engineers").permission == AclPermission.WRITE
    ws_client.secrets.delete_acl("shared", "data-engineers")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.get_acl("shared", "data-engineers")
    with pytest.raises(ResourceDoesNotExist):
        ws_client.secrets.list_acls("no-such-scope")
    with pytest.raises(InvalidParameterValue, match="Invalid permission"):
        ws_client.api_client.do(
            "POST",
            "/api/2.0/secrets/acls/put",
            body={"scope": "shared", "principal": "x", "permission": "OWN"},
        )
