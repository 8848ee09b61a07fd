"""Inserting a row that a unique constraint may already hold, without spoiling the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.store.base import Base

UPSERTS: dict[str, Callable[[type[Base]], postgresql.Insert | sqlite.Insert]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
"""`INSERT ... ON CONFLICT` has the same API in both backends the store supports."""


def upsert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An `INSERT` into `model`'s table that can take an `ON CONFLICT` clause on the session's backend."""
    return UPSERTS[session.get_bind().dialect.name](model)


def add_once(session: Session, row: Base) -> bool:
    """Adds `row` under a savepoint; False (and the outer transaction intact) when its key already exists."""
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Inserts a row unless its unique key is taken (`ON CONFLICT DO NOTHING`): one statement, no savepoint
    and no ORM flush, for hot paths that read the row back anyway; True when this call inserted it.
    """
    result = session.execute(upsert(session, model).values(**values).on_conflict_do_nothing())
    return bool(getattr(result, "rowcount", 0) == 1)
