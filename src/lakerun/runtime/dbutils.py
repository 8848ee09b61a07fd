"""The one lookup of `dbutils`: the task's global one (notebooks, the local workspace), else the SDK's runtime one.

Outside a notebook the SDK's runtime `dbutils` reads the workspace's APIs with the host and token of the
task's environment; when neither exists (a laptop, a unit test) there is no `dbutils` at all.
"""

from __future__ import annotations

import builtins
import os
from typing import Any

WORKSPACE_MARKERS = ("DATABRICKS_RUNTIME_VERSION", "DATABRICKS_HOST")
"""Variables only a workspace task (or a shell pointed at a workspace) has; without them the SDK's `dbutils`
cannot work, and importing it costs seconds."""


def find_dbutils() -> Any | None:
    """The `dbutils` a task sees, or None outside a workspace task (the SDK is imported only when needed)."""
    dbutils = getattr(builtins, "dbutils", None)
    if dbutils is not None:
        return dbutils
    if not any(os.environ.get(name) for name in WORKSPACE_MARKERS):
        return None
    try:
        from databricks.sdk.runtime import dbutils as runtime_dbutils
    except Exception:
        return None
    return runtime_dbutils
