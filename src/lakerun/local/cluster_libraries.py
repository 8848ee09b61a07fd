"""Which local clusters exist and which libraries each has installed, kept as small JSON files.

A local cluster is a named Python environment; `local` always exists and others appear when a
client first uses their id (installs libraries or runs commands on it), the way a laptop has no
cluster to provision. Files live in `root/clusters/<cluster_id>.json`.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from lakerun.local.errors import invalid_parameter

DEFAULT_CLUSTER = "local"
CLUSTER_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_lock = threading.RLock()


def check_cluster_id(cluster_id: str) -> str:
    """The id itself when it is a usable cluster id, else a clear INVALID_PARAMETER_VALUE."""
    if not isinstance(cluster_id, str) or not CLUSTER_ID_PATTERN.match(cluster_id):
        raise invalid_parameter(f"Invalid cluster id: {cluster_id!r}")
    return cluster_id


def known_clusters(root: Path) -> list[str]:
    """Ids of every local cluster: `local` first, then the ones clients have used."""
    folder = root / "clusters"
    used = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    return [DEFAULT_CLUSTER, *(c for c in used if c != DEFAULT_CLUSTER)]


def register_cluster(root: Path, cluster_id: str) -> None:
    """Makes a cluster id known (idempotent)."""
    if _file(root, cluster_id).exists():
        return
    with _lock:
        _write(root, cluster_id, _read(root, cluster_id))


def cluster_libraries(root: Path, cluster_id: str) -> list[dict[str, Any]]:
    """Library specs installed on a cluster, in installation order."""
    return list(_read(root, check_cluster_id(cluster_id)).get("libraries", []))


def add_cluster_libraries(root: Path, cluster_id: str, libraries: list[dict[str, Any]]) -> None:
    """Adds library specs to a cluster, skipping ones it already has."""
    with _lock:
        state = _read(root, check_cluster_id(cluster_id))
        current = state.setdefault("libraries", [])
        current.extend(lib for lib in libraries if lib not in current)
        state.pop("failure", None)
        _write(root, cluster_id, state)


def remove_cluster_libraries(root: Path, cluster_id: str, libraries: list[dict[str, Any]]) -> None:
    """Removes library specs from a cluster; tasks started afterwards no longer get them."""
    with _lock:
        state = _read(root, check_cluster_id(cluster_id))
        state["libraries"] = [lib for lib in state.get("libraries", []) if lib not in libraries]
        state.pop("failure", None)
        _write(root, cluster_id, state)


def record_failure(root: Path, cluster_id: str, message: str) -> None:
    """Remembers why the cluster's environment failed to build (shown by libraries/cluster-status)."""
    with _lock:
        state = _read(root, check_cluster_id(cluster_id))
        state["failure"] = message
        _write(root, cluster_id, state)


def last_failure(root: Path, cluster_id: str) -> str | None:
    """The last environment build failure of a cluster, if its libraries have not changed since."""
    failure = _read(root, check_cluster_id(cluster_id)).get("failure")
    return str(failure) if failure else None


def _file(root: Path, cluster_id: str) -> Path:
    return root / "clusters" / f"{check_cluster_id(cluster_id)}.json"


def _read(root: Path, cluster_id: str) -> dict[str, Any]:
    path = _file(root, cluster_id)
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def _write(root: Path, cluster_id: str, state: dict[str, Any]) -> None:
    path = _file(root, cluster_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=1))
    temporary.replace(path)
