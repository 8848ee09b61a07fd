"""Secret scopes and secrets of the local workspace, encrypted at rest with a key kept beside the state.

Values are Fernet tokens in `state.db`; the key is `root/secrets.key`, created readable by its owner
only. Names and limits follow Databricks: names of letters, digits, `-`, `_`, `.` up to 128
characters, values up to 128 KB, 1000 secrets per scope.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from lakerun.local.db import StateDB
from lakerun.local.errors import DatabricksError, already_exists, does_not_exist, invalid_parameter

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
MAX_VALUE_BYTES = 128 * 1024
MAX_SECRETS_PER_SCOPE = 1000
MAX_SCOPES = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS secret_scopes (
    name TEXT PRIMARY KEY,
    backend_type TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS secrets (
    scope TEXT NOT NULL REFERENCES secret_scopes(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
"""


def limit_exceeded(message: str) -> DatabricksError:
    """400 RESOURCE_LIMIT_EXCEEDED: a Databricks quota on scopes or secrets is reached."""
    return DatabricksError(400, "RESOURCE_LIMIT_EXCEEDED", message)


@dataclass(frozen=True)
class SecretInfo:
    """A secret's metadata, as `secrets/list` shows it (never its value)."""

    key: str
    updated_ms: int


class SecretStore:
    """Scopes and encrypted secrets in the workspace's state file."""

    def __init__(self, db: StateDB, root: Path) -> None:
        self._db = db
        self._db.script(SCHEMA)
        self._fernet = Fernet(_load_or_create_key(root / "secrets.key"))

    def create_scope(self, scope: str, backend_type: str = "DATABRICKS") -> None:
        """A new empty scope; RESOURCE_ALREADY_EXISTS when the name is taken."""
        _check_name("scope", scope)
        if backend_type.upper() != "DATABRICKS":
            raise invalid_parameter(f"Scope backend type {backend_type} is not supported locally")
        with self._db.transaction() as conn:
            if conn.execute("SELECT 1 FROM secret_scopes WHERE name = ?", (scope,)).fetchone():
                raise already_exists(f"Scope {scope} already exists!")
            (count,) = conn.execute("SELECT COUNT(*) FROM secret_scopes").fetchone()
            if count >= MAX_SCOPES:
                raise limit_exceeded(f"Maximum number of scopes ({MAX_SCOPES}) reached")
            conn.execute(
                "INSERT INTO secret_scopes (name, backend_type, created_ms) VALUES (?, ?, ?)",
                (scope, "DATABRICKS", _now_ms()),
            )

    def has_scope(self, scope: str) -> bool:
        """True when a scope of that name exists."""
        return bool(self._db.query("SELECT 1 FROM secret_scopes WHERE name = ?", (scope,)))

    def list_scopes(self) -> list[str]:
        """Names of all scopes, sorted."""
        return [row["name"] for row in self._db.query("SELECT name FROM secret_scopes ORDER BY name")]

    def delete_scope(self, scope: str) -> None:
        """Removes a scope and every secret in it."""
        with self._db.transaction() as conn:
            self._require_scope(conn, scope)
            conn.execute("DELETE FROM secrets WHERE scope = ?", (scope,))
            conn.execute("DELETE FROM secret_scopes WHERE name = ?", (scope,))

    def put(self, scope: str, key: str, value: bytes) -> None:
        """Stores (or overwrites) a secret value, encrypted."""
        _check_name("key", key)
        if len(value) > MAX_VALUE_BYTES:
            raise invalid_parameter(f"Secret value exceeds the limit of {MAX_VALUE_BYTES} bytes")
        token = self._fernet.encrypt(value)
        with self._db.transaction() as conn:
            self._require_scope(conn, scope)
            exists = conn.execute(
                "SELECT 1 FROM secrets WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
            (count,) = conn.execute("SELECT COUNT(*) FROM secrets WHERE scope = ?", (scope,)).fetchone()
            if not exists and count >= MAX_SECRETS_PER_SCOPE:
                raise limit_exceeded(f"Maximum number of secrets ({MAX_SECRETS_PER_SCOPE}) in scope {scope}")
            conn.execute(
                "INSERT INTO secrets (scope, key, ciphertext, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, key) DO UPDATE SET ciphertext = excluded.ciphertext, "
                "updated_ms = excluded.updated_ms",
                (scope, key, token, _now_ms()),
            )

    def get(self, scope: str, key: str) -> bytes:
        """The decrypted value of one secret."""
        with self._db.transaction() as conn:
            self._require_scope(conn, scope)
            row = conn.execute(
                "SELECT ciphertext FROM secrets WHERE scope = ? AND key = ?", (scope, key)
            ).fetchone()
        if row is None:
            raise does_not_exist(f"Failed to get secret {key} for scope {scope}.")
        return self._fernet.decrypt(row["ciphertext"])

    def list(self, scope: str) -> list[SecretInfo]:
        """Metadata of every secret in a scope, sorted by key."""
        with self._db.transaction() as conn:
            self._require_scope(conn, scope)
            rows = conn.execute(
                "SELECT key, updated_ms FROM secrets WHERE scope = ? ORDER BY key", (scope,)
            ).fetchall()
        return [SecretInfo(row["key"], row["updated_ms"]) for row in rows]

    def delete(self, scope: str, key: str) -> None:
        """Removes one secret."""
        with self._db.transaction() as conn:
            self._require_scope(conn, scope)
            deleted = conn.execute("DELETE FROM secrets WHERE scope = ? AND key = ?", (scope, key)).rowcount
        if not deleted:
            raise does_not_exist(f"Secret {key} does not exist in scope {scope}.")

    @staticmethod
    def _require_scope(conn: sqlite3.Connection, scope: str) -> None:
        found = conn.execute("SELECT 1 FROM secret_scopes WHERE name = ?", (scope,)).fetchone()
        if not found:
            raise does_not_exist(f"Scope {scope} does not exist!")


def _check_name(kind: str, name: object) -> None:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise invalid_parameter(
            f"Invalid {kind} name {name!r}: use letters, digits, '-', '_' or '.', at most 128 characters"
        )


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def _now_ms() -> int:
    return int(time.time() * 1000)
