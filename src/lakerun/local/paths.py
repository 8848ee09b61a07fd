"""Mapping of Databricks paths (`dbfs:/`, `/dbfs`, `/Workspace`, `/Volumes`) into the workspace root.

Mapped prefixes never escape their folder, whatever `..` or symbolic links they carry; plain local
paths are allowed as they are, since the local workspace runs on the user's own machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from lakerun.local.errors import invalid_parameter

# Databricks prefix -> folder under the workspace root.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("dbfs:/", "dbfs"),
    ("/dbfs/", "dbfs"),
    ("/Workspace/", "workspace"),
    ("/Volumes/", "volumes"),
)


class WorkspacePaths:
    """Resolves Databricks paths to files under one workspace root."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def area(self, name: str) -> Path:
        """The folder that backs one prefix (`dbfs`, `workspace`, `volumes`), created on demand."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def resolve(self, path: str) -> Path:
        """The local file for a Databricks path; plain local paths pass through unchanged."""
        for prefix, area in PREFIXES:
            bare = prefix.rstrip("/")
            if path == bare or path.startswith(prefix):
                return self._inside(self.area(area), path[len(bare) :])
        if path.startswith("dbfs:"):
            raise invalid_parameter(f"Invalid DBFS path: {path}")
        return Path(path)

    def resolve_dbfs(self, path: str) -> Path:
        """A DBFS API path: `dbfs:/x`, `/dbfs/x` or a bare absolute path `/x` all mean DBFS."""
        if path.startswith(("dbfs:", "/dbfs/")) or path == "/dbfs":
            return self.resolve(path)
        if not path.startswith("/"):
            raise invalid_parameter(f"Path must be absolute: {path}")
        return self._inside(self.area("dbfs"), path)

    def resolve_workspace(self, path: str) -> Path:
        """A Workspace API path: `/Users/...` or `/Workspace/Users/...`, kept inside `workspace/`."""
        if path.startswith("/Workspace/") or path == "/Workspace":
            path = path[len("/Workspace") :]
        if not path.startswith("/"):
            raise invalid_parameter(f"Path must be absolute: {path}")
        return self._inside(self.area("workspace"), path)

    def to_dbfs(self, local: Path) -> str:
        """The `dbfs:/` path of a file under the DBFS area (for listings)."""
        rel = local.resolve().relative_to(self.area("dbfs").resolve())
        return "/" + rel.as_posix() if str(rel) != "." else "/"

    @staticmethod
    def _inside(base: Path, rest: str) -> Path:
        base = base.resolve()
        candidate = Path(os.path.realpath(base / rest.lstrip("/")))
        if candidate != base and not candidate.is_relative_to(base):
            raise invalid_parameter(f"Path escapes its root: {rest}")
        return candidate
