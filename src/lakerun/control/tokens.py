"""API tokens: issued once in clear, stored only as a SHA-256 hash, each with a scope, an expiry and a revocation.

Scopes are ordered: `read` sees everything, `trigger` also starts, cancels, retries and repairs work,
`admin` also registers workspaces and manages tokens.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy.orm import Session, sessionmaker

from lakerun.errors import InvalidInputError, NotFoundError
from lakerun.store.models import ApiTokenRow, utcnow
from lakerun.store.tokens import TokenRepository

Scope = Literal["read", "trigger", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "trigger", "admin")
ADMIN_TOKEN_ENV = "LAKERUN_ADMIN_TOKEN"
DURATION = re.compile(r"^(\d+)([smhdw])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class TokenStore(Protocol):
    """Anything that opens sessions on the control-plane database (a `ControlContext`, or the CLI's own)."""

    sessions: sessionmaker[Session]


@dataclass(frozen=True)
class TokenInfo:
    """What is known about a token, never the token itself."""

    id: int
    name: str
    scope: str
    token_hash: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiTokenRow) -> TokenInfo:
        """From its row."""
        return cls(
            row.id, row.name, row.scope, row.token_hash, row.created_at, row.expires_at, row.revoked_at
        )

    def valid(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, needed: Scope) -> bool:
        """True when this token's scope includes `needed`."""
        return self.scope in SCOPES and SCOPES.index(self.scope) >= SCOPES.index(needed)


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `3600s` or `2w` as a timedelta; InvalidInputError naming the value otherwise."""
    match = DURATION.match(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise InvalidInputError(
            f"duration {text!r} must look like 30d, 12h, 90m, 3600s or 2w (and be above zero)"
        )
    return timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])


def check_scope(scope: str) -> Scope:
    """`scope` if it is one of `read`, `trigger`, `admin`; InvalidInputError naming it otherwise."""
    if scope not in SCOPES:
        raise InvalidInputError(f"scope {scope!r} must be one of {', '.join(SCOPES)}")
    return scope


def create_token(
    store: TokenStore,
    name: str,
    scope: str = "admin",
    expires_in: timedelta | None = None,
    token: str | None = None,
) -> tuple[str, TokenInfo]:
    """A new token (random unless given) and its record; only its hash is kept. The same token twice is kept once."""
    if not name.strip() or len(name) > 100:
        raise InvalidInputError("token name must be 1 to 100 characters")
    token = token or "lrk_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + expires_in if expires_in else None
    with store.sessions() as session, session.begin():
        repo = TokenRepository(session)
        row = repo.by_hash(token_hash(token)) or repo.add(
            name, token_hash(token), check_scope(scope), expires_at
        )
        return token, TokenInfo.of(row)


def issue_token(ctx: TokenStore, name: str, token: str | None = None, scope: str = "admin") -> str:
    """Records a token (a new random one unless given) and returns it."""
    return create_token(ctx, name, scope, token=token)[0]


def rotate_token(store: TokenStore, name: str, token: str, scope: str = "admin") -> str:
    """Records `token` under `name` and revokes every other active token of that name (a rotated key file)."""
    create_token(store, name, scope, token=token)
    now = utcnow()
    with store.sessions() as session, session.begin():
        for row in TokenRepository(session).active_named(name, now):
            if row.token_hash != token_hash(token):
                row.revoked_at = now
    return token


def authenticate(store: TokenStore, token: str | None) -> TokenInfo | None:
    """The token's record when it was issued and is neither revoked nor expired."""
    if not token:
        return None
    return valid_hash(store, token_hash(token))


def valid_hash(store: TokenStore, hashed: str) -> TokenInfo | None:
    """The record of the token with this hash when it is still valid."""
    with store.sessions() as session:
        row = TokenRepository(session).by_hash(hashed)
        info = TokenInfo.of(row) if row is not None else None
    return info if info is not None and info.valid(utcnow()) else None


def is_valid_token(ctx: TokenStore, token: str | None) -> bool:
    """True when `token` was issued and is neither revoked nor expired."""
    return authenticate(ctx, token) is not None


def list_tokens(store: TokenStore) -> list[TokenInfo]:
    """Every token ever issued (revoked and expired ones included), newest first."""
    with store.sessions() as session:
        return [TokenInfo.of(row) for row in TokenRepository(session).all()]


def revoke_token(store: TokenStore, name_or_id: str) -> list[TokenInfo]:
    """Revokes the tokens with this id or name; NotFoundError when there is none."""
    now = utcnow()
    with store.sessions() as session, session.begin():
        rows = TokenRepository(session).matching(name_or_id)
        if not rows:
            raise NotFoundError(f"no token with id or name {name_or_id!r}")
        for row in rows:
            row.revoked_at = row.revoked_at or now
        return [TokenInfo.of(row) for row in rows]


def still_valid(store: TokenStore, hashes: set[str]) -> set[str]:
    """Which of these token hashes are still valid now (one query, for many open connections)."""
    with store.sessions() as session:
        return TokenRepository(session).valid_hashes(hashes, utcnow())


def bootstrap_admin_token(store: TokenStore) -> None:
    """Issues `LAKERUN_ADMIN_TOKEN` as an admin token when it is set (headless deployments); a changed value
    revokes the one it replaces."""
    token = os.environ.get(ADMIN_TOKEN_ENV, "").strip()
    if token:
        rotate_token(store, f"admin from {ADMIN_TOKEN_ENV}", token)
