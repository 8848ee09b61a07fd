"""Named queries on connections and table groups: who uses a connection, and removing a group with its results."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lakerun.store.models import SubjectRow
from lakerun.store.profiling import (
    AnomalyDispositionRow,
    ConnectionRow,
    ProfileAnomalyRow,
    ProfileResultRow,
    TableGroupRow,
)


def connection_by_id(session: Session, connection_id: int, *, lock: bool = False) -> ConnectionRow | None:
    """The connection with this id, if any; `lock` holds its row (PostgreSQL) until the transaction ends, so
    no table group can be added on it meanwhile."""
    return session.get(ConnectionRow, connection_id, with_for_update=lock)


def connection_by_name(session: Session, name: str) -> ConnectionRow | None:
    """The connection with this name, if any."""
    return session.scalar(select(ConnectionRow).where(ConnectionRow.name == name))


def group_names_using(session: Session, connection_id: int) -> list[str]:
    """Names of the table groups reading from the connection, in name order."""
    query = select(TableGroupRow.name).where(TableGroupRow.connection_id == connection_id)
    return list(session.scalars(query.order_by(TableGroupRow.name)))


def delete_group_rows(session: Session, group_id: int) -> None:
    """Removes a table group with its stored results, anomalies and kept dispositions."""
    for model in (ProfileAnomalyRow, AnomalyDispositionRow, ProfileResultRow):
        session.execute(delete(model).where(model.group_id == group_id))
    session.execute(delete(TableGroupRow).where(TableGroupRow.id == group_id))


def rename_subject(session: Session, kind: str, key: str, new_key: str) -> None:
    """Gives a subject a new key, so its past attempts stay in the history without being claimed again."""
    session.execute(
        update(SubjectRow).where(SubjectRow.kind == kind, SubjectRow.key == key).values(key=new_key)
    )
