"""API tokens: issued once in clear, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from lakerun.control.context import ControlContext
from lakerun.store.records import TokenRepository


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(ctx: ControlContext, name: str, token: str | None = None) -> str:
    """Records a token (a new random one unless given) and returns it; only its hash is kept."""
    token = token or "lrk_" + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        repo = TokenRepository(uow.session)
        if not repo.exists(token_hash(token)):
            repo.add(name, token_hash(token))
    return token


def is_valid_token(ctx: ControlContext, token: str | None) -> bool:
    """True when `token` was issued."""
    if not token:
        return False
    with ctx.sessions() as session:
        return TokenRepository(session).exists(token_hash(token))
