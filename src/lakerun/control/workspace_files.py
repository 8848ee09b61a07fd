"""Reading a small text file that lives in a workspace (a pipeline config on DBFS, in a Volume or in the
Workspace tree) through that workspace's file APIs, since the control plane cannot open those paths itself."""

from __future__ import annotations

from collections.abc import Callable

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.workspace import ExportFormat

from lakerun.errors import NotFoundError

DBFS_PREFIX = "dbfs:/"
VOLUMES_PREFIX = "/Volumes/"
WORKSPACE_PREFIX = "/Workspace/"


class WorkspaceFileError(NotFoundError):
    """A workspace file could not be read (missing, refused, or the workspace unreachable)."""


def in_workspace(path: str) -> bool:
    """Whether a path names a file the workspace's APIs serve rather than this machine's disk."""
    return path.startswith((DBFS_PREFIX, VOLUMES_PREFIX, WORKSPACE_PREFIX))


def _fetch(client: WorkspaceClient, path: str) -> bytes:
    if path.startswith(DBFS_PREFIX):
        with client.dbfs.download(path[len("dbfs:") :]) as handle:
            return handle.read()
    if path.startswith(VOLUMES_PREFIX):
        contents = client.files.download(path).contents
        if contents is None:
            return b""
        with contents:
            return contents.read()
    with client.workspace.download(path, format=ExportFormat.AUTO) as handle:
        return handle.read()


def workspace_reader(client: Callable[[], WorkspaceClient]) -> Callable[[str], str]:
    """A text reader that fetches workspace paths (`dbfs:/`, `/Volumes/`, `/Workspace/`) through the DBFS,
    Files and Workspace APIs of the client `client()` gives (asked for only when a file is read); any other
    path is not the workspace's and is refused."""

    def read(path: str) -> str:
        if not in_workspace(path):
            raise WorkspaceFileError(f"{path}: not a workspace path (dbfs:/, /Volumes/ or /Workspace/)")
        try:
            return _fetch(client(), path).decode("utf-8")
        except Exception as exc:  # the SDK's errors, connection errors and bad bytes alike
            raise WorkspaceFileError(f"{path}: cannot be read from the workspace: {exc}") from exc

    return read
