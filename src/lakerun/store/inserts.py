"""Inserting a row that a unique constraint may already hold, without spoiling the caller's transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.store.base import Base


def add_once(session: Session, row: Base) -> bool:
    """Adds `row` under a savepoint; False (and the outer transaction intact) when its key already exists."""
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False
