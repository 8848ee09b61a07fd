"""Access control lists of secret scopes, kept so setup scripts that manage them work unchanged.

The local workspace has one user, so ACLs are recorded and listed but not enforced.
"""

from __future__ import annotations

from lakerun.local.db import StateDB
from lakerun.local.errors import does_not_exist, invalid_parameter
from lakerun.local.secret_store import SecretStore

PERMISSIONS = ("READ", "WRITE", "MANAGE")
LOCAL_USER = "local-user"

SCHEMA = """
CREATE TABLE IF NOT EXISTS secret_acls (
    scope TEXT NOT NULL,
    principal TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (scope, principal)
);
"""


class SecretAcls:
    """Principal → permission entries per scope."""

    def __init__(self, db: StateDB, store: SecretStore) -> None:
        self._db = db
        self._store = store
        self._db.script(SCHEMA)

    def put(self, scope: str, principal: str, permission: str) -> None:
        """Grants (or changes) a principal's permission on a scope."""
        self._require_scope(scope)
        level = str(permission).upper()
        if level not in PERMISSIONS:
            raise invalid_parameter(f"Invalid permission {permission!r}: use one of {', '.join(PERMISSIONS)}")
        if not principal:
            raise invalid_parameter("principal must not be empty")
        self._db.execute(
            "INSERT INTO secret_acls (scope, principal, permission) VALUES (?, ?, ?) "
            "ON CONFLICT (scope, principal) DO UPDATE SET permission = excluded.permission",
            (scope, principal, level),
        )

    def get(self, scope: str, principal: str) -> str:
        """A principal's permission on a scope."""
        self._require_scope(scope)
        rows = self._db.query(
            "SELECT permission FROM secret_acls WHERE scope = ? AND principal = ?", (scope, principal)
        )
        if not rows:
            raise does_not_exist(f"No ACL for principal {principal} on scope {scope}.")
        return str(rows[0]["permission"])

    def list(self, scope: str) -> list[tuple[str, str]]:
        """(principal, permission) pairs of a scope, sorted by principal."""
        self._require_scope(scope)
        rows = self._db.query(
            "SELECT principal, permission FROM secret_acls WHERE scope = ? ORDER BY principal", (scope,)
        )
        return [(row["principal"], row["permission"]) for row in rows]

    def delete(self, scope: str, principal: str) -> None:
        """Removes a principal's entry."""
        self._require_scope(scope)
        deleted = self._db.execute(
            "DELETE FROM secret_acls WHERE scope = ? AND principal = ?", (scope, principal)
        ).rowcount
        if not deleted:
            raise does_not_exist(f"No ACL for principal {principal} on scope {scope}.")

    def forget_scope(self, scope: str) -> None:
        """Drops every entry of a deleted scope."""
        self._db.execute("DELETE FROM secret_acls WHERE scope = ?", (scope,))

    def _require_scope(self, scope: str) -> None:
        if not self._store.has_scope(scope):
            raise does_not_exist(f"Scope {scope} does not exist!")
