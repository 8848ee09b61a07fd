"""The control plane facade: one object the server, the CLI and tests drive."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from databricks.sdk.service import jobs
from sqlalchemy import select

from lakerun.control.actions import ActionService
from lakerun.control.callbacks import CallbackEvent, receive, verify
from lakerun.control.context import ControlContext
from lakerun.control.event_catchup import EventCatchUp
from lakerun.control.events import EventBus
from lakerun.control.fanout import PgFanout
from lakerun.control.isolation import WorkspaceGates
from lakerun.control.janitor import SecretJanitor
from lakerun.control.launch import CALLBACK_PARAMETERS, job_parameter_references
from lakerun.control.notify import Notifier
from lakerun.control.probes import ProbeCache
from lakerun.control.reconciler import Reconciler
from lakerun.control.records import AttemptRecord, SubjectRecord, TaskRunRecord, TransitionRecord, record_of
from lakerun.control.registry import EnsureOutcome, ensure_job
from lakerun.control.request_checks import check_job_settings
from lakerun.control.runs import RunService, absent
from lakerun.control.settings import ControlSettings
from lakerun.control.tokens import bootstrap_admin_token
from lakerun.control.workspaces import REMOVED, ClientCache, WorkspaceSpec, probe_health
from lakerun.errors import NotFoundError
from lakerun.store.attempts import AttemptFilter, AttemptRepository
from lakerun.store.db import make_engine, session_factory, upgrade
from lakerun.store.models import AttemptRow, JobRow, SubjectRow, WorkspaceRow
from lakerun.store.records import CallbackEventRepository, JobRepository, WorkspaceRepository
from lakerun.store.subjects import SubjectRepository


@dataclass(frozen=True)
class AttemptDetail:
    """An attempt with its subject, task runs and transitions, for the run detail view."""

    attempt: AttemptRecord
    subject: SubjectRecord
    tasks: list[TaskRunRecord]
    transitions: list[TransitionRecord]
    events: list[dict[str, Any]]


def _pair(attempt: AttemptRow, subject: SubjectRow) -> tuple[AttemptRecord, SubjectRecord]:
    """An attempt and its subject as read records."""
    return record_of(AttemptRecord, attempt), record_of(SubjectRecord, subject)


class ControlPlane:
    """Wires the store, the bus, the services and the background loops of one control-plane process."""

    def __init__(self, settings: ControlSettings) -> None:
        engine = make_engine(settings.resolved_database_url())
        upgrade(engine)
        self.ctx = ControlContext(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            bus=EventBus(),
            clients=ClientCache(settings.workspace_retry_seconds, settings.workspace_http_timeout),
            server_key=settings.resolved_server_key(),
            origin=uuid.uuid4().hex,
            gates=WorkspaceGates(settings.workspace_concurrency),
        )
        self.runs = RunService(self.ctx)
        self.actions = ActionService(self.ctx, self.runs)
        self.reconciler = Reconciler(self.ctx, self.runs)
        self.notifier = Notifier(self.ctx)
        self.fanout = PgFanout(self.ctx)
        self.catchup = EventCatchUp(self.ctx)
        self.janitor = SecretJanitor(self.ctx)
        self.probes = ProbeCache()
        self.ctx.bus.listen(self.notifier.on_event)
        self.ctx.bus.listen(self.janitor.on_event)

    @property
    def bus(self) -> EventBus:
        """The in-process event bus (WebSocket subscriptions hang on it)."""
        return self.ctx.bus

    def start(self) -> None:
        """Issues `LAKERUN_ADMIN_TOKEN` if set, then starts the reconciler, the cross-process event listener, the
        event catch-up and the notifier."""
        bootstrap_admin_token(self.ctx)
        self.notifier.start()
        self.janitor.start()
        self.fanout.start()
        self.catchup.start()
        self.runs.start()
        self.reconciler.start()

    def stop(self) -> None:
        """Stops the background loops and closes the database."""
        self.reconciler.stop()
        self.runs.close()
        self.fanout.stop()
        self.catchup.stop()
        self.notifier.stop()
        self.janitor.stop()
        self.ctx.engine.dispose()

    def register_workspace(self, spec: WorkspaceSpec) -> WorkspaceRow:
        """Adds or updates a workspace registration (references to secrets only)."""
        spec.validate()
        with self.ctx.uow() as uow:
            row = uow.session.merge(spec.to_row())
        return row

    def workspaces(self, with_health: bool = False) -> list[tuple[WorkspaceRow, dict[str, object] | None]]:
        """Registered workspaces, each with a live health probe when asked (all probed at once)."""
        with self.ctx.sessions() as session:
            rows = [row for row in WorkspaceRepository(session).all() if row.auth_type != REMOVED]
        if not with_health or not rows:
            return [(row, None) for row in rows]
        with ThreadPoolExecutor(min(len(rows), 16), thread_name_prefix="lakerun-probe") as pool:
            return list(zip(rows, pool.map(probe_health, rows), strict=True))

    def ensure_job(
        self, workspace: str, key: str, settings: jobs.JobSettings | dict[str, Any]
    ) -> EnsureOutcome:
        """Idempotently creates or updates the job for `key`, wired to receive callback parameters."""
        data = settings.as_dict() if isinstance(settings, jobs.JobSettings) else dict(settings)
        check_job_settings(data)
        if self.ctx.settings.callbacks_enabled:
            data = job_parameter_references(data, CALLBACK_PARAMETERS)
        client = self.ctx.client(workspace)
        with self.ctx.uow() as uow:
            return ensure_job(uow.session, client, workspace, key, jobs.JobSettings.from_dict(data))

    def jobs(self, workspace: str | None = None) -> list[JobRow]:
        """Jobs the registry keeps."""
        with self.ctx.sessions() as session:
            return JobRepository(session).all(workspace)

    def list_attempts(
        self, where: AttemptFilter, limit: int = 50, offset: int = 0
    ) -> tuple[list[tuple[AttemptRecord, SubjectRecord]], int]:
        """A page of attempts with their subjects, newest first, and the total."""
        with self.ctx.sessions() as session:
            rows, total = AttemptRepository(session).page(where, limit, offset)
            subjects = {
                s.id: s
                for s in session.scalars(
                    select(SubjectRow).where(SubjectRow.id.in_({r.subject_id for r in rows}))
                )
            }
        return [_pair(row, subjects[row.subject_id]) for row in rows], total

    def summary(self, attempt_id: str) -> tuple[AttemptRecord, SubjectRecord]:
        """An attempt with its subject, without its history (what a trigger answers with)."""
        with self.ctx.sessions() as session:
            attempt = AttemptRepository(session).get(attempt_id)
            if attempt is None:
                raise NotFoundError(f"no attempt {attempt_id}")
            subject = session.get(SubjectRow, attempt.subject_id)
            assert subject is not None
            return _pair(attempt, subject)

    def detail(self, attempt_id: str) -> AttemptDetail:
        """An attempt with everything the run detail view shows."""
        with self.ctx.sessions() as session:
            repo = AttemptRepository(session)
            attempt = repo.get(attempt_id)
            if attempt is None:
                raise absent(session, attempt_id)
            subject = session.get(SubjectRow, attempt.subject_id)
            assert subject is not None
            events = [
                {
                    "sequence": e.sequence,
                    "kind": e.kind,
                    "payload": e.payload,
                    "sent_at": e.sent_at.isoformat(),
                }
                for e in CallbackEventRepository(session).of_attempt(attempt_id, ("log", "metric", "result"))
            ]
            return AttemptDetail(
                *_pair(attempt, subject),
                [record_of(TaskRunRecord, t) for t in repo.tasks(attempt_id)],
                [record_of(TransitionRecord, t) for t in repo.transitions(attempt_id)],
                events,
            )

    def subject_history(self, kind: str, key: str) -> tuple[SubjectRow, list[AttemptRow]]:
        """A subject's counters and all its attempts, newest first."""
        with self.ctx.sessions() as session:
            subject = SubjectRepository(session).find(kind, key)
            if subject is None:
                raise NotFoundError(f"no subject {kind}/{key}")
            return subject, AttemptRepository(session).of_subject(subject.id)

    def subjects(
        self, kind: str | None = None, limit: int = 50, offset: int = 0, search: str | None = None
    ) -> tuple[list[SubjectRow], int]:
        """One page of subjects, most recently attempted first (key containing `search`), and the total."""
        with self.ctx.sessions() as session:
            return SubjectRepository(session).list(kind, limit, offset, search)

    def receive_callback(
        self, attempt_id: str, body: bytes, timestamp: str | None, signature: str | None
    ) -> str:
        """Authenticates and applies one signed task event; returns applied, duplicate or stale."""
        verify(
            self.ctx.server_key,
            attempt_id=attempt_id,
            body=body,
            timestamp=timestamp,
            signature=signature,
            window=self.ctx.settings.callback_window,
        )
        event = CallbackEvent.parse(body)
        with self.ctx.uow() as uow:
            return receive(uow, attempt_id, event, self.ctx.settings.callback_max_bytes)
