"""The control plane's tables: workspaces, registered jobs, subjects, attempts and their history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the store writes."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use timezone-aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names, so migrations stay comparable."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UtcDateTime()}


class WorkspaceRow(Base):
    """A target workspace; credentials are references (env var or file), never the secret itself."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(500))
    auth_type: Mapped[str] = mapped_column(String(20), default="pat")
    token_ref: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(200))
    client_secret_ref: Mapped[str | None] = mapped_column(String(500))
    default_cluster_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRow(Base):
    """A job the registry keeps in a workspace under a stable key, with the fingerprint of its settings."""

    __tablename__ = "jobs"
    __table_args__ = (UniqueConstraint("workspace_name", "key", name="uq_jobs_workspace_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_name: Mapped[str] = mapped_column(ForeignKey("workspaces.name"))
    key: Mapped[str] = mapped_column(String(200))
    job_id: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubjectRow(Base):
    """Anything attempts are made for (a flow, a table group, a layer), with its running counters."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_subjects_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(300))
    total_attempts: Mapped[int] = mapped_column(Integer, default=0)
    successful_attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    current_attempt_id: Mapped[str | None] = mapped_column(String(36))


class AttemptRow(Base):
    """One try at running a subject's work in a workspace, from commit to its terminal state."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("subject_id", "attempt_number", name="uq_attempts_subject_number"),
        UniqueConstraint("idempotency_key", name="uq_attempts_idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    attempt_number: Mapped[int] = mapped_column(Integer)
    workspace_name: Mapped[str] = mapped_column(ForeignKey("workspaces.name"))
    strategy: Mapped[str] = mapped_column(String(30))
    job_key: Mapped[str | None] = mapped_column(String(200), index=True)
    spec: Mapped[dict[str, Any]]
    parameters: Mapped[dict[str, Any]]
    triggered_by: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    retry_of: Mapped[str | None] = mapped_column(String(36))
    repair_of: Mapped[str | None] = mapped_column(String(36))
    callbacks: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    raw_state: Mapped[str | None] = mapped_column(String(200))
    status_message: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None]
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    run_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    repair_id: Mapped[int | None] = mapped_column(BigInteger)
    run_page_url: Mapped[str | None] = mapped_column(String(1000))
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    last_callback_at: Mapped[datetime | None]
    last_polled_at: Mapped[datetime | None]
    cancel_requested_at: Mapped[datetime | None]
    job_deleted_at: Mapped[datetime | None]


class TransitionRow(Base):
    """One recorded status change of an attempt: who said so, when, and why."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    raw_state: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskRunRow(Base):
    """The latest run of one task of a multi-task attempt, with its own state and error."""

    __tablename__ = "task_runs"
    __table_args__ = (UniqueConstraint("attempt_id", "task_key", name="uq_task_runs_attempt_task"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    task_key: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    raw_state: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class CallbackEventRow(Base):
    """A signed event a task sent; the (attempt, sequence) key makes duplicates harmless."""

    __tablename__ = "callback_events"
    __table_args__ = (UniqueConstraint("attempt_id", "sequence", name="uq_callback_events_attempt_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]]
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventRow(Base):
    """A domain event as published; stored so WebSocket clients can resume from the last id they saw."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(50))
    attempt_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject_kind: Mapped[str | None] = mapped_column(String(100))
    subject_key: Mapped[str | None] = mapped_column(String(300))
    job_key: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiTokenRow(Base):
    """An API token, kept only as its SHA-256 hash, with its scope (`read`, `trigger`, `admin`) and lifetime."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    scope: Mapped[str] = mapped_column(String(10), default="admin", server_default="admin")
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


import lakerun.store.flows  # noqa: E402  (registers the NiFi flows inventory on Base.metadata)
import lakerun.store.intents  # noqa: E402  (registers the launch outbox on Base.metadata)
import lakerun.store.metadata  # noqa: E402  (registers the metadata-ingest tables on Base.metadata)
import lakerun.store.profiling  # noqa: E402  (registers the profile-run tables on Base.metadata)
import lakerun.store.repair_refusals  # noqa: E402  (registers refused repairs on Base.metadata)
import lakerun.store.secret_deletions  # noqa: E402, F401  (registers pending secret deletions on Base.metadata)
