"""Workspace-level records kept in the state database: workspace-conf keys and object permissions."""

from __future__ import annotations

import json
from typing import Any

from lakerun.local.db import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS workspace_conf (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS permissions (
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    acl TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
"""


class SettingsStore:
    """The workspace-conf map and the access control lists of objects (jobs)."""

    def __init__(self, db: StateDB) -> None:
        self.db = db
        db.script(SCHEMA)

    def conf(self, keys: list[str]) -> dict[str, str | None]:
        """The stored value of each key (None when it was never set)."""
        rows = self.db.query("SELECT key, value FROM workspace_conf")
        stored = {row["key"]: row["value"] for row in rows}
        return {key: stored.get(key) for key in keys}

    def set_conf(self, values: dict[str, str]) -> None:
        """Sets several keys at once."""
        with self.db.transaction() as conn:
            for key, value in values.items():
                conn.execute(
                    "INSERT INTO workspace_conf (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def acl(self, object_type: str, object_id: str) -> list[dict[str, Any]]:
        """The explicit grants on one object: `{principal field: name, "permission_level": level}`."""
        rows = self.db.query(
            "SELECT acl FROM permissions WHERE object_type = ? AND object_id = ?", (object_type, object_id)
        )
        return list(json.loads(rows[0]["acl"])) if rows else []

    def set_acl(self, object_type: str, object_id: str, grants: list[dict[str, Any]]) -> None:
        """Replaces the explicit grants on one object."""
        self.db.execute(
            "INSERT INTO permissions (object_type, object_id, acl) VALUES (?, ?, ?) "
            "ON CONFLICT (object_type, object_id) DO UPDATE SET acl = excluded.acl",
            (object_type, object_id, json.dumps(grants)),
        )

    def forget(self, object_type: str, object_id: str) -> None:
        """Drops an object's grants (the object was deleted)."""
        self.db.execute(
            "DELETE FROM permissions WHERE object_type = ? AND object_id = ?", (object_type, object_id)
        )
