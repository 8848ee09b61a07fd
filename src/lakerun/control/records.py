"""The shapes the domain hands to its readers: an attempt, its subject, tasks and transitions, a registered
job, a metadata record and the data-quality connection and table group.

The API's schemas and the dashboard type against these read-only protocols, not against the store's
mapped classes, so they depend on the fields they show and never import the store.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol, TypeVar

R = TypeVar("R")


class SubjectName(Protocol):
    """What names a subject: its kind and key (all an attempt's answer shows of it)."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...


@dataclass(frozen=True)
class NamedSubject:
    """A subject known by name only, e.g. from the trigger request that just created its attempt."""

    kind: str
    key: str


class Subject(Protocol):
    """What an attempt is for, with its counters."""

    @property
    def kind(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def total_attempts(self) -> int: ...
    @property
    def successful_attempts(self) -> int: ...
    @property
    def first_attempt_at(self) -> datetime | None: ...
    @property
    def last_attempt_at(self) -> datetime | None: ...
    @property
    def current_attempt_id(self) -> str | None: ...


class Attempt(Protocol):
    """One attempt of a subject's work and where its run stands."""

    @property
    def id(self) -> str: ...
    @property
    def attempt_number(self) -> int: ...
    @property
    def workspace_name(self) -> str: ...
    @property
    def strategy(self) -> str: ...
    @property
    def job_key(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def raw_state(self) -> str | None: ...
    @property
    def status_message(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def progress(self) -> float | None: ...
    @property
    def result(self) -> dict[str, Any] | None: ...
    @property
    def job_id(self) -> int | None: ...
    @property
    def run_id(self) -> int | None: ...
    @property
    def run_page_url(self) -> str | None: ...
    @property
    def triggered_by(self) -> str: ...
    @property
    def retry_of(self) -> str | None: ...
    @property
    def repair_of(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...


class TaskRun(Protocol):
    """One task's run inside an attempt."""

    @property
    def task_key(self) -> str: ...
    @property
    def run_id(self) -> int | None: ...
    @property
    def status(self) -> str: ...
    @property
    def raw_state(self) -> str | None: ...
    @property
    def error(self) -> str | None: ...
    @property
    def started_at(self) -> datetime | None: ...
    @property
    def finished_at(self) -> datetime | None: ...


class Transition(Protocol):
    """One recorded status change of an attempt."""

    @property
    def from_status(self) -> str | None: ...
    @property
    def to_status(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def raw_state(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...


class Job(Protocol):
    """A job the registry keeps in a workspace under a stable key."""

    @property
    def key(self) -> str: ...
    @property
    def workspace_name(self) -> str: ...
    @property
    def job_id(self) -> int: ...
    @property
    def settings(self) -> dict[str, Any]: ...


class MetadataRecord(Protocol):
    """The latest data an executor sent of one source, table or column."""

    @property
    def tenant_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def record_key(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...
    @property
    def run_id(self) -> str: ...
    @property
    def updated_at(self) -> datetime: ...


class Connection(Protocol):
    """A place holding tables that profile runs read."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def workspace_name(self) -> str: ...


class TableGroup(Protocol):
    """A connection's tables picked by masks, and those its latest run found."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def connection_id(self) -> int: ...
    @property
    def include(self) -> list[str]: ...
    @property
    def exclude(self) -> list[str]: ...
    @property
    def tables(self) -> list[str]: ...


def record_of(kind: type[R], row: object) -> R:
    """A read record of `kind` holding the same-named attributes of a stored row (copied, so nothing of the
    row's session travels with it)."""
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class SubjectRecord:
    """A subject as the domain hands it to readers (the `Subject` shape)."""

    kind: str
    key: str
    total_attempts: int
    successful_attempts: int
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    current_attempt_id: str | None


@dataclass(frozen=True)
class AttemptRecord:
    """An attempt as the domain hands it to readers (the `Attempt` shape)."""

    id: str
    attempt_number: int
    workspace_name: str
    strategy: str
    job_key: str | None
    status: str
    raw_state: str | None
    status_message: str | None
    error: str | None
    progress: float | None
    result: dict[str, Any] | None
    job_id: int | None
    run_id: int | None
    run_page_url: str | None
    triggered_by: str
    retry_of: str | None
    repair_of: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class TaskRunRecord:
    """One task's run as the domain hands it to readers (the `TaskRun` shape)."""

    task_key: str
    run_id: int | None
    status: str
    raw_state: str | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class TransitionRecord:
    """One status change as the domain hands it to readers (the `Transition` shape)."""

    from_status: str | None
    to_status: str
    source: str
    reason: str | None
    raw_state: str | None
    at: datetime
