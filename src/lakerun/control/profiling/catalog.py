"""Connections and table groups: what a profile run reads, kept in the control plane's store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.control.plane import ControlPlane
from lakerun.errors import InvalidInputError, NotFoundError
from lakerun.store.profiling import ConnectionRow, TableGroupRow

CONNECTION_KINDS = ("files", "duckdb", "postgresql")
_URL_WITH_PASSWORD = re.compile(r"^[a-z+]+://[^/@]*:[^/@]*@", re.IGNORECASE)


@dataclass(frozen=True)
class ConnectionSpec:
    """A named place holding tables: a folder of files, a DuckDB file, or a PostgreSQL URL as `env:NAME`."""

    name: str
    kind: str
    location: str
    workspace: str = "local"

    def validate(self) -> None:
        """Raises InvalidInputError naming what is wrong; a URL with a password in clear is refused."""
        if self.kind not in CONNECTION_KINDS:
            raise InvalidInputError(
                f"connection kind {self.kind!r} is not one of {', '.join(CONNECTION_KINDS)}"
            )
        if not self.name or not self.location:
            raise InvalidInputError("a connection needs a name and a location")
        if _URL_WITH_PASSWORD.match(self.location):
            raise InvalidInputError("connection location holds a password; give the URL as env:NAME instead")


@dataclass(frozen=True)
class GroupSpec:
    """A table group: a connection's tables picked by SQL LIKE include / exclude masks."""

    name: str
    connection: str
    include: list[str] = field(default_factory=lambda: ["%"])
    exclude: list[str] = field(default_factory=list)


def _added(session: Session, row: Any, what: str) -> Any:
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise InvalidInputError(f"{what} `{row.name}` already exists") from None
    return row


def create_connection(plane: ControlPlane, spec: ConnectionSpec) -> ConnectionRow:
    """Store a new connection; its workspace must be registered."""
    spec.validate()
    plane.ctx.client(spec.workspace)
    with plane.ctx.sessions.begin() as session:
        row = ConnectionRow(
            name=spec.name, kind=spec.kind, location=spec.location, workspace_name=spec.workspace
        )
        return _added(session, row, "connection")


def connections(plane: ControlPlane) -> list[ConnectionRow]:
    """Every stored connection, by name."""
    with plane.ctx.sessions() as session:
        return list(session.scalars(select(ConnectionRow).order_by(ConnectionRow.name)))


def create_group(plane: ControlPlane, spec: GroupSpec) -> TableGroupRow:
    """Store a new table group on an existing connection."""
    if not spec.name or not spec.include:
        raise InvalidInputError("a table group needs a name and at least one include mask")
    with plane.ctx.sessions.begin() as session:
        connection = session.scalar(select(ConnectionRow).where(ConnectionRow.name == spec.connection))
        if connection is None:
            raise NotFoundError(f"no connection `{spec.connection}`")
        row = TableGroupRow(
            name=spec.name,
            connection_id=connection.id,
            include=list(spec.include),
            exclude=list(spec.exclude),
            tables=[],
        )
        return _added(session, row, "table group")


def groups(plane: ControlPlane) -> list[TableGroupRow]:
    """Every table group, by name."""
    with plane.ctx.sessions() as session:
        return list(session.scalars(select(TableGroupRow).order_by(TableGroupRow.name)))


def group_with_connection(session: Session, group_id: int) -> tuple[TableGroupRow, ConnectionRow]:
    """A table group and its connection; NotFoundError when the group does not exist."""
    group = session.get(TableGroupRow, group_id)
    if group is None:
        raise NotFoundError(f"no table group {group_id}")
    connection = session.get(ConnectionRow, group.connection_id)
    assert connection is not None
    return group, connection


def get_group(plane: ControlPlane, group_id: int) -> tuple[TableGroupRow, ConnectionRow]:
    """A table group and its connection, read in their own session."""
    with plane.ctx.sessions() as session:
        return group_with_connection(session, group_id)
