"""The workspace's URL layout, auth and error shape, seen over HTTP."""

from __future__ import annotations

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, PermissionDenied


def test_well_known_config_is_empty_and_public(local_workspace) -> None:
    response = httpx.get(f"{local_workspace.url}/.well-known/databricks-config")
    assert response.status_code == 200
    assert response.json() == {}


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc"])
def test_bad_credentials_get_databricks_errors(local_workspace, header) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.get(f"{local_workspace.url}/api/2.1/jobs/list", headers=headers)
    assert response.status_code == (401 if header is None else 403)
    assert set(response.json()) == {"error_code", "message"}


def test_sdk_raises_typed_error_for_wrong_token(local_workspace) -> None:
    client = WorkspaceClient(host=local_workspace.url, token="not-the-token")
    with pytest.raises(PermissionDenied):
        list(client.jobs.list())


def test_unknown_endpoint_is_endpoint_not_found(local_workspace) -> None:
    response = httpx.get(
        f"{local_workspace.url}/api/2.1/nope",
        headers={"Authorization": f"Bearer {local_workspace.token}"},
    )
    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_sdk_maps_unknown_endpoint_to_not_found(ws_client) -> None:
    with pytest.raises(NotFound):
        ws_client.api_client.do("GET", "/api/2.1/nope")
