"""Service principals of the local workspace: client secrets exchanged for expiring bearer tokens.

This is the OAuth M2M (client credentials) side of Databricks auth. Only a SHA-256 hash of each
issued token is kept, in memory for the per-request check and in `state.db` so tokens outlive a
restart as Databricks' do; client secrets are compared in constant time and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lakerun.errors import LakerunError
from lakerun.local.db import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""
SUPPORTED_SCOPES = frozenset({"all-apis"})


class OAuthError(LakerunError):
    """A refused token request, rendered in OAuth's error shape (RFC 6749, section 5.2)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.http_status = status

    def body(self) -> dict[str, Any]:
        """The JSON body the token endpoint answers with."""
        return {"error": self.error, "error_description": self.description}


def invalid_client() -> OAuthError:
    """401 invalid_client: unknown client or wrong secret (which one is not said, as Databricks does not)."""
    return OAuthError(
        401, "invalid_client", "Client authentication failed: unknown client_id or wrong secret."
    )


@dataclass(frozen=True)
class IssuedToken:
    """An access token as handed to the client once; the workspace keeps only its hash."""

    access_token: str
    expires_in: int
    scope: str


class TokenIssuer:
    """Checks client credentials, issues access tokens and recognises them until they expire."""

    def __init__(
        self,
        db: StateDB,
        clients: Mapping[str, str],
        lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._clients = dict(clients)
        self._lifetime = lifetime_seconds
        self._clock = clock
        self._lock = threading.Lock()
        db.script(SCHEMA)
        rows = db.query("SELECT token_hash, expires_at FROM oauth_tokens WHERE expires_at > ?", (clock(),))
        self._expiry_by_hash = {row["token_hash"]: row["expires_at"] for row in rows}

    def authenticate(self, client_id: str, client_secret: str) -> None:
        """Raises `invalid_client` unless the secret is the one configured for `client_id`."""
        expected = self._clients.get(client_id)
        if expected is None or not hmac.compare_digest(expected.encode(), client_secret.encode()):
            raise invalid_client()

    def issue(self, client_id: str, scope: str) -> IssuedToken:
        """A new access token for an authenticated client, valid for the configured lifetime."""
        token = secrets.token_urlsafe(32)
        now = self._clock()
        expires_at = now + self._lifetime
        with self._lock:
            self._expiry_by_hash = {h: t for h, t in self._expiry_by_hash.items() if t > now}
            self._expiry_by_hash[_hash(token)] = expires_at
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM oauth_tokens WHERE expires_at <= ?", (now,))
            conn.execute("INSERT INTO oauth_tokens VALUES (?, ?, ?)", (_hash(token), client_id, expires_at))
        return IssuedToken(token, self._lifetime, scope)

    def accepts(self, token: str) -> bool:
        """Whether `token` was issued here and has not expired yet."""
        with self._lock:
            expires_at = self._expiry_by_hash.get(_hash(token))
        return expires_at is not None and expires_at > self._clock()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
