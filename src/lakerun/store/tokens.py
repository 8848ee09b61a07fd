"""API tokens by hash: issued, listed, revoked; only hashes are ever stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lakerun.store.models import ApiTokenRow

MAX_TOKEN_ID = 2**31 - 1
"""Token ids are 32-bit integers: a larger number can only be a name."""


class TokenRepository:
    """API token rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_hash(self, token_hash: str) -> ApiTokenRow | None:
        """The token with this hash, revoked or not."""
        return self.session.scalars(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash)).first()

    def exists(self, token_hash: str) -> bool:
        """True when a token with this hash was issued."""
        return self.by_hash(token_hash) is not None

    def add(
        self, name: str, token_hash: str, scope: str = "admin", expires_at: datetime | None = None
    ) -> ApiTokenRow:
        """Records a new token's hash."""
        row = ApiTokenRow(name=name, token_hash=token_hash, scope=scope, expires_at=expires_at)
        self.session.add(row)
        self.session.flush()
        return row

    def all(self) -> list[ApiTokenRow]:
        """Every token, newest first."""
        return list(self.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id.desc())))

    def active_named(self, name: str, now: datetime) -> list[ApiTokenRow]:
        """Unrevoked, unexpired tokens called `name`."""
        return [row for row in self._active(now) if row.name == name]

    def matching(self, name_or_id: str) -> list[ApiTokenRow]:
        """Tokens whose id is `name_or_id` or whose name is."""
        clauses = [ApiTokenRow.name == name_or_id]
        if name_or_id.isascii() and name_or_id.isdigit() and int(name_or_id) <= MAX_TOKEN_ID:
            clauses.append(ApiTokenRow.id == int(name_or_id))
        return list(self.session.scalars(select(ApiTokenRow).where(or_(*clauses))))

    def valid_hashes(self, hashes: Iterable[str], now: datetime) -> set[str]:
        """Which of `hashes` belong to tokens still valid at `now`."""
        wanted = list(hashes)
        if not wanted:
            return set()
        query = select(ApiTokenRow.token_hash).where(
            ApiTokenRow.token_hash.in_(wanted),
            ApiTokenRow.revoked_at.is_(None),
            or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
        )
        return set(self.session.scalars(query))

    def _active(self, now: datetime) -> list[ApiTokenRow]:
        query = select(ApiTokenRow).where(
            ApiTokenRow.revoked_at.is_(None),
            or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
        )
        return list(self.session.scalars(query))
