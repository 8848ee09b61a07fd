"""Endpoints of the local workspace: Clusters (the local clusters, always RUNNING) and Libraries."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request

from lakerun.local.cluster_catalog import DATABRICKS_RUNTIMES, local_node_type
from lakerun.local.cluster_libraries import (
    add_cluster_libraries,
    check_cluster_id,
    cluster_libraries,
    known_clusters,
    last_failure,
    record_failure,
    remove_cluster_libraries,
)
from lakerun.local.environments import (
    LibraryInstallationError,
    cluster_environment_ready,
    pip_arguments,
    python_for,
)
from lakerun.local.errors import does_not_exist, invalid_parameter
from lakerun.local.params import request_params, required
from lakerun.local.paths import WorkspacePaths

router = APIRouter()
SPARK_VERSION = f"local-python{sys.version_info.major}.{sys.version_info.minor}"


def on_startup(app: FastAPI) -> None:
    """Remembers when the clusters 'started' and which environments are being built."""
    app.state.clusters_started_ms = int(time.time() * 1000)
    app.state.clusters_building = set()


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: environments stay built on disk."""


def _root(request: Request) -> Path:
    root: Path = request.app.state.config.root
    return root


def _existing_cluster(request: Request, params: dict[str, Any]) -> str:
    cluster_id = check_cluster_id(str(required(params, "cluster_id")))
    if cluster_id not in known_clusters(_root(request)):
        raise does_not_exist(f"Cluster {cluster_id} does not exist")
    return cluster_id


@router.get("/clusters/list")
async def list_clusters(request: Request) -> dict[str, Any]:
    """Every local cluster: `local` plus the ids clients have used."""
    return {"clusters": [_details(request, cluster_id) for cluster_id in known_clusters(_root(request))]}


@router.get("/clusters/get")
async def get_cluster(request: Request) -> dict[str, Any]:
    """One cluster's details; local clusters are always RUNNING."""
    params = await request_params(request)
    return _details(request, _existing_cluster(request, params))


@router.post("/clusters/start")
@router.post("/clusters/restart")
async def start_cluster(request: Request) -> dict[str, Any]:
    """Accepted for compatibility: local clusters are always running."""
    params = await request_params(request)
    _existing_cluster(request, params)
    return {}


@router.get("/clusters/spark-versions")
async def spark_versions() -> dict[str, Any]:
    """This Python as a runtime, then Databricks runtime names clusters may ask for (all run locally
    on this Python), so `select_spark_version()` finds an LTS version as on Databricks."""
    local = {"key": SPARK_VERSION, "name": f"lakerun local ({SPARK_VERSION})"}
    return {"versions": [local, *({"key": key, "name": name} for key, name in DATABRICKS_RUNTIMES)]}


@router.get("/clusters/list-node-types")
async def list_node_types() -> dict[str, Any]:
    """One node type: this machine, with its cores and memory."""
    return {"node_types": [local_node_type()]}


@router.get("/libraries/cluster-status")
async def cluster_status(request: Request) -> dict[str, Any]:
    """The libraries of one cluster and whether its environment is built."""
    params = await request_params(request)
    return _library_statuses(request, _existing_cluster(request, params))


@router.get("/libraries/all-cluster-statuses")
async def all_cluster_statuses(request: Request) -> dict[str, Any]:
    """Library statuses of every cluster that has libraries."""
    root = _root(request)
    statuses = [_library_statuses(request, c) for c in known_clusters(root) if cluster_libraries(root, c)]
    return {"statuses": statuses}


@router.post("/libraries/install")
async def install(request: Request) -> dict[str, Any]:
    """Adds libraries to a cluster and builds its environment in the background (asynchronous)."""
    params = await request_params(request)
    cluster_id = _existing_cluster(request, params)
    libraries = _libraries(request, params)
    add_cluster_libraries(_root(request), cluster_id, libraries)
    _build_in_background(request, cluster_id)
    return {}


@router.post("/libraries/uninstall")
async def uninstall(request: Request) -> dict[str, Any]:
    """Removes libraries from a cluster; tasks started from now on no longer get them."""
    params = await request_params(request)
    cluster_id = _existing_cluster(request, params)
    remove_cluster_libraries(_root(request), cluster_id, _libraries(request, params))
    return {}


def _libraries(request: Request, params: dict[str, Any]) -> list[dict[str, Any]]:
    libraries = required(params, "libraries")
    if not isinstance(libraries, list) or not all(isinstance(lib, dict) for lib in libraries):
        raise invalid_parameter("libraries must be a list of library objects")
    paths: WorkspacePaths = request.app.state.paths
    for library in libraries:
        try:
            pip_arguments(library, paths)
        except LibraryInstallationError as exc:
            raise invalid_parameter(str(exc)) from exc
    return libraries


def _build_in_background(request: Request, cluster_id: str) -> None:
    root, building = _root(request), request.app.state.clusters_building

    def build() -> None:
        try:
            python_for(root, cluster_id, [])
        except LibraryInstallationError as exc:
            record_failure(root, cluster_id, str(exc))
        finally:
            building.discard(cluster_id)

    building.add(cluster_id)
    threading.Thread(target=build, name=f"libraries-{cluster_id}", daemon=True).start()


def _library_statuses(request: Request, cluster_id: str) -> dict[str, Any]:
    root = _root(request)
    failure = last_failure(root, cluster_id)
    if failure:
        status, messages = "FAILED", [failure]
    elif cluster_id in request.app.state.clusters_building:
        status, messages = "INSTALLING", []
    else:
        status, messages = ("INSTALLED" if cluster_environment_ready(root, cluster_id) else "PENDING"), []
    statuses = [
        {"library": library, "status": status, "is_library_for_all_clusters": False, "messages": messages}
        for library in cluster_libraries(root, cluster_id)
    ]
    return {"cluster_id": cluster_id, "library_statuses": statuses}


def _details(request: Request, cluster_id: str) -> dict[str, Any]:
    return {
        "cluster_id": cluster_id,
        "cluster_name": cluster_id,
        "state": "RUNNING",
        "state_message": "",
        "spark_version": SPARK_VERSION,
        "node_type_id": "local",
        "driver_node_type_id": "local",
        "num_workers": 0,
        "cluster_cores": float(os.cpu_count() or 1),
        "cluster_source": "API",
        "creator_user_name": "local",
        "start_time": request.app.state.clusters_started_ms,
        "autotermination_minutes": 0,
        "data_security_mode": "NONE",
        "spark_conf": {},
        "custom_tags": {},
        "default_tags": {"Vendor": "lakerun", "ClusterId": cluster_id},
    }
