"""Connections and table groups: what a profile run reads, kept in the control plane's store.

Bad input raises a `FieldError` naming the field and nothing is stored. A connection still used by a
table group is never deleted (the error names the groups); deleting a group removes its stored
results and keeps its past attempts in the run history under a retired subject key, so a new group
of the same name starts with a clean slate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.sources import (
    FieldError,
    check_location,
    source_type_of,
)
from lakerun.control.status import ACTIVE
from lakerun.control.workspaces import WorkspaceNotFoundError
from lakerun.errors import ConflictError, NotFoundError
from lakerun.store import profiling_catalog as queries
from lakerun.store.attempts import AttemptRepository
from lakerun.store.db import lock_for_write
from lakerun.store.profiling import ConnectionRow, TableGroupRow
from lakerun.store.subjects import SubjectRepository

CONNECTION_KINDS = ("files", "duckdb", "postgresql")
SUBJECT_KIND = "table_group"
_NAME = re.compile(r"^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]{0,98}[^\s\x00-\x1f\x7f])?$")
MASK_LIMIT = 50
T = TypeVar("T")


def check_name(value: str, what: str) -> None:
    """A name of 1-100 visible characters, no control characters, no leading or trailing space."""
    if not _NAME.match(value):
        raise FieldError(
            "name", f"a {what} name has 1 to 100 characters, no control characters, no outer spaces"
        )


@dataclass(frozen=True)
class ConnectionSpec:
    """A named place holding tables: a folder of files (local, `dbfs:/`, `/Volumes`, s3, abfss), a DuckDB
    file, or a PostgreSQL URL (without password, or as `env:NAME`)."""

    name: str
    kind: str
    location: str
    workspace: str = "local"

    def validate(self) -> None:
        """Raises a FieldError naming what is wrong; a URL with a password in clear is refused."""
        check_name(self.name, "connection")
        if self.kind not in CONNECTION_KINDS:
            raise FieldError(
                "kind", f"connection kind {self.kind!r} is not one of {', '.join(CONNECTION_KINDS)}"
            )
        check_location(source_type_of(self.kind, self.location), self.location)


@dataclass(frozen=True)
class GroupSpec:
    """A table group: a connection's tables picked by SQL LIKE include / exclude masks."""

    name: str
    connection: str
    include: list[str] = field(default_factory=lambda: ["%"])
    exclude: list[str] = field(default_factory=list)

    def validate(self) -> None:
        """Raises a FieldError naming the field: a name, at least one include mask, masks of sane size."""
        check_name(self.name, "table group")
        if not self.include:
            raise FieldError("include", "give at least one include mask (% picks every table)")
        for where, masks in (("include", self.include), ("exclude", self.exclude)):
            if len(masks) > MASK_LIMIT or any(not m or len(m) > 300 or m != m.strip() for m in masks):
                raise FieldError(
                    where, f"masks are 1 to 300 characters without outer spaces, at most {MASK_LIMIT}"
                )


def _added(session: Session, row: Any, what: str) -> Any:
    name = row.name
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise FieldError("name", f"{what} `{name}` already exists") from None
    return row


def _check_workspace(plane: ControlPlane, workspace: str) -> None:
    try:
        plane.ctx.client(workspace)
    except WorkspaceNotFoundError:
        raise FieldError("workspace", f"no workspace registered as {workspace!r}") from None


def create_connection(plane: ControlPlane, spec: ConnectionSpec) -> ConnectionRow:
    """Store a new connection; its workspace must be registered."""
    return save_connection(plane, spec)


def update_connection(plane: ControlPlane, connection_id: int, spec: ConnectionSpec) -> ConnectionRow:
    """Change a connection in place; its groups read from the new location at their next run."""
    return save_connection(plane, spec, connection_id)


def save_connection(
    plane: ControlPlane, spec: ConnectionSpec, connection_id: int | None = None
) -> ConnectionRow:
    """Store `spec` as a new connection, or as connection `connection_id` when given; the one write path."""
    spec.validate()
    _check_workspace(plane, spec.workspace)
    with plane.ctx.sessions.begin() as session:
        row = ConnectionRow() if connection_id is None else _connection(session, connection_id)
        row.name, row.kind, row.location, row.workspace_name = (
            spec.name,
            spec.kind,
            spec.location,
            spec.workspace,
        )
        return _added(session, row, "connection")


def delete_connection(plane: ControlPlane, connection_id: int) -> None:
    """Delete a connection no table group uses; otherwise a ConflictError names the groups using it."""
    try:
        _delete_unused_connection(plane, connection_id)
    except IntegrityError:
        raise ConflictError(f"connection {connection_id} is used by a table group added meanwhile") from None


def _delete_unused_connection(plane: ControlPlane, connection_id: int) -> None:
    with plane.ctx.sessions.begin() as session:
        lock_for_write(session)
        row = _found(
            queries.connection_by_id(session, connection_id, lock=True), f"no connection {connection_id}"
        )
        users = queries.group_names_using(session, connection_id)
        if users:
            raise ConflictError(
                f"connection `{row.name}` is used by table group(s) {', '.join(users)}: "
                "delete them or move them to another connection first"
            )
        session.delete(row)


def _found(row: T | None, missing: str) -> T:
    if row is None:
        raise NotFoundError(missing)
    return row


def _connection(session: Session, connection_id: int) -> ConnectionRow:
    return _found(queries.connection_by_id(session, connection_id), f"no connection {connection_id}")


def get_connection(plane: ControlPlane, connection_id: int) -> ConnectionRow:
    """One connection: NotFoundError when it does not exist."""
    with plane.ctx.sessions() as session:
        return _connection(session, connection_id)


def connections(plane: ControlPlane) -> list[ConnectionRow]:
    """Every stored connection, by name."""
    with plane.ctx.sessions() as session:
        return list(session.scalars(select(ConnectionRow).order_by(ConnectionRow.name)))


def _connection_named(session: Session, name: str) -> ConnectionRow:
    return _found(queries.connection_by_name(session, name), f"no connection `{name}`")


def create_group(plane: ControlPlane, spec: GroupSpec) -> TableGroupRow:
    """Store a new table group on an existing connection."""
    return save_group(plane, spec)


def update_group(plane: ControlPlane, group_id: int, spec: GroupSpec) -> TableGroupRow:
    """Change a group's connection and masks; its name is its run history's key and stays."""
    return save_group(plane, spec, group_id)


def save_group(plane: ControlPlane, spec: GroupSpec, group_id: int | None = None) -> TableGroupRow:
    """Store `spec` as a new table group, or as group `group_id` when given; the one write path."""
    spec.validate()
    try:
        with plane.ctx.sessions.begin() as session:
            row = (
                TableGroupRow(name=spec.name, tables=[])
                if group_id is None
                else _renamed(session, group_id, spec)
            )
            row.connection_id = _connection_named(session, spec.connection).id
            row.include, row.exclude = list(spec.include), list(spec.exclude)
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        raise _group_conflict(plane, spec) from None


def _renamed(session: Session, group_id: int, spec: GroupSpec) -> TableGroupRow:
    """The stored group `spec` changes, refused when it would change its name."""
    group, _ = group_with_connection(session, group_id)
    if spec.name != group.name:
        raise FieldError("name", "a table group keeps its name (its run history is filed under it)")
    return group


def _group_conflict(plane: ControlPlane, spec: GroupSpec) -> Exception:
    """Why a group could not be stored: its name is taken, or its connection was deleted meanwhile."""
    with plane.ctx.sessions() as session:
        if queries.connection_by_name(session, spec.connection) is None:
            return NotFoundError(f"no connection `{spec.connection}`")
    return FieldError("name", f"table group `{spec.name}` already exists")


def delete_group(plane: ControlPlane, group_id: int) -> str:
    """Delete a group with its stored results; refused (ConflictError) while one of its runs is active.
    Returns the name it had."""
    with plane.ctx.sessions.begin() as session:
        group, _ = group_with_connection(session, group_id)
        subject = SubjectRepository(session).find(SUBJECT_KIND, group.name)
        statuses = [status.value for status in ACTIVE]
        if subject and AttemptRepository(session).first_active_of_subject(subject.id, statuses):
            raise ConflictError(
                f"table group `{group.name}` has a profile run in progress; wait for it or cancel it"
            )
        queries.delete_group_rows(session, group_id)
        if subject:
            queries.rename_subject(session, SUBJECT_KIND, group.name, f"{group.name}#deleted-{group_id}")
        return group.name


def groups(plane: ControlPlane) -> list[TableGroupRow]:
    """Every table group, by name."""
    with plane.ctx.sessions() as session:
        return list(session.scalars(select(TableGroupRow).order_by(TableGroupRow.name)))


def group_with_connection(session: Session, group_id: int) -> tuple[TableGroupRow, ConnectionRow]:
    """A table group and its connection: NotFoundError when the group does not exist."""
    group = _found(session.get(TableGroupRow, group_id), f"no table group {group_id}")
    connection = session.get(ConnectionRow, group.connection_id)
    assert connection is not None
    return group, connection


def get_group(plane: ControlPlane, group_id: int) -> tuple[TableGroupRow, ConnectionRow]:
    """A table group and its connection, read in their own session."""
    with plane.ctx.sessions() as session:
        return group_with_connection(session, group_id)
