"""Where a Databricks-style path lives on this machine, and which fsspec filesystem opens a URI.

On Databricks `dbfs:/x` is mounted at `/dbfs/x` and `/Volumes/...` is a real path. Outside Databricks
(the local workspace, tests) `LAKERUN_DBFS_ROOT` and `LAKERUN_VOLUMES_ROOT` point at the folders that
stand in for them, or `LAKERUN_WORKSPACE_ROOT` at a local workspace root holding `dbfs/` and
`volumes/`. Object-store URIs (`s3://`, `abfss://`, ...) pass through unchanged.
"""

from __future__ import annotations

import os

DBFS_ROOT_ENV = "LAKERUN_DBFS_ROOT"
VOLUMES_ROOT_ENV = "LAKERUN_VOLUMES_ROOT"
WORKSPACE_ROOT_ENV = "LAKERUN_WORKSPACE_ROOT"
S3_SCHEMES = ("s3", "s3a")
AZURE_SCHEMES = ("abfss", "abfs", "az", "wasbs", "wasb")
READABLE_SCHEMES = S3_SCHEMES + AZURE_SCHEMES
"""The object-store URL schemes the file layer reads (s3fs and adlfs come with the `cloud` extra): what
`lakerun profile`, the executor, the pipeline and a data-quality connection all accept."""
OBJECT_STORE_SCHEMES = (*READABLE_SCHEMES, "gs", "gcs", "adl", "memory", "http", "https")


def _mapped_root(root_env: str, workspace_area: str) -> str | None:
    if os.environ.get(root_env):
        return os.environ[root_env]
    workspace = os.environ.get(WORKSPACE_ROOT_ENV)
    return os.path.join(workspace, workspace_area) if workspace else None


def _under(root_env: str, workspace_area: str, default_root: str, rest: str) -> str:
    root = _mapped_root(root_env, workspace_area) or default_root
    return os.path.join(root, rest.lstrip("/"))


def localize(uri: str) -> str:
    """The path to open for `uri`: DBFS and Volumes mapped to their local roots, anything else unchanged."""
    if uri.startswith("dbfs:"):
        return _under(DBFS_ROOT_ENV, "dbfs", "/dbfs", uri[len("dbfs:") :])
    if uri.startswith("/dbfs/") and _mapped_root(DBFS_ROOT_ENV, "dbfs"):
        return _under(DBFS_ROOT_ENV, "dbfs", "/dbfs", uri[len("/dbfs") :])
    if uri.startswith("/Volumes/") and _mapped_root(VOLUMES_ROOT_ENV, "volumes"):
        return _under(VOLUMES_ROOT_ENV, "volumes", "/Volumes", uri[len("/Volumes") :])
    if uri.startswith("file://"):
        return uri[len("file://") :]
    return uri


def scheme_of(uri: str) -> str:
    """The URI scheme (`s3`, `abfss`, ...) or `file` for local paths."""
    head, sep, _ = uri.partition("://")
    return head.lower() if sep and head.lower() in OBJECT_STORE_SCHEMES else "file"


def unreadable_scheme(uri: str) -> str | None:
    """The scheme of a URL the file layer cannot read (`gs`, `ftp`, ...), None for a path or a readable URL."""
    head, sep, _ = uri.partition("://")
    if not sep or head.lower() in (*READABLE_SCHEMES, "file"):
        return None
    return head.lower()


def is_remote(uri: str) -> bool:
    """Whether the URI names an object store rather than a local (or mounted) path."""
    return scheme_of(uri) != "file"
