"""Clusters and Libraries APIs through the official SDK and curl-style calls."""

from __future__ import annotations

import subprocess

import httpx
import pytest
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service.compute import Library, LibraryInstallStatus, PythonPyPiLibrary, State

from lakerun.local.environments import python_for
from tests.support.eventually import eventually


def test_local_cluster_is_listed_and_running(ws_client) -> None:
    clusters = list(ws_client.clusters.list())
    assert [c.cluster_id for c in clusters] == ["local"]
    local = ws_client.clusters.get("local")
    assert local.state == State.RUNNING
    assert local.spark_version.startswith("local-python")
    ws_client.clusters.ensure_cluster_is_running("local")


def test_unknown_cluster_is_resource_does_not_exist(ws_client) -> None:
    with pytest.raises(ResourceDoesNotExist):
        ws_client.clusters.get("0000-000000-nothere")


def test_curl_style_get_on_2_0_with_a_get_body(local_workspace) -> None:
    response = httpx.request(
        "GET",
        f"{local_workspace.url}/api/2.0/clusters/get",
        headers={"Authorization": f"Bearer {local_workspace.token}", "Content-Type": "text/json"},
        content='{"cluster_id": "local"}',
    )
    assert response.status_code == 200
    assert response.json()["state"] == "RUNNING"


def test_installed_library_reaches_tasks_on_the_cluster(ws_client, local_workspace, make_wheel) -> None:
    wheel = make_wheel("clusterlibpkg", "2.0", "WHERE = 'cluster library'\n")
    ws_client.libraries.install("local", [Library(whl=str(wheel))])
    statuses = eventually(
        lambda: list(ws_client.libraries.cluster_status("local")),
        lambda found: found[0].status in (LibraryInstallStatus.INSTALLED, LibraryInstallStatus.FAILED),
        timeout=120,
        interval=0.2,
    )
    assert statuses[0].status == LibraryInstallStatus.INSTALLED
    assert statuses[0].library.whl == str(wheel)
    python = python_for(local_workspace.config.root, "local", [])
    probe = subprocess.run(
        [python, "-c", "import clusterlibpkg; print(clusterlibpkg.WHERE)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "cluster library"
    ws_client.libraries.uninstall("local", [Library(whl=str(wheel))])
    assert list(ws_client.libraries.cluster_status("local")) == []


def test_unsupported_library_is_refused(ws_client) -> None:
    with pytest.raises(InvalidParameterValue, match="not supported"):
        ws_client.libraries.install("local", [Library(jar="dbfs:/x.jar")])


def test_missing_wheel_is_refused_at_once(ws_client, tmp_path) -> None:
    with pytest.raises(InvalidParameterValue, match="does not exist"):
        ws_client.libraries.install("local", [Library(whl=str(tmp_path / "x-1.0-py3-none-any.whl"))])


def test_failed_library_build_is_reported(ws_client) -> None:
    ws_client.libraries.install("local", [Library(pypi=PythonPyPiLibrary(package="./no-such-project-dir"))])
    status = eventually(
        lambda: next(iter(ws_client.libraries.cluster_status("local"))),
        lambda found: found.status == LibraryInstallStatus.FAILED,
        interval=0.2,
    )
    assert "Failed to install" in status.messages[0]
