"""User actions on attempts: cancel (confirmed), retry (a new attempt), repair (failed tasks), output."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lakerun.control.attempts import TriggerRequest, create_attempt, move
from lakerun.control.completion import refresh
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe
from lakerun.control.outbox import queue_repair
from lakerun.control.request_checks import QUEUE_MARK
from lakerun.control.runs import RunService
from lakerun.control.status import Source, Status
from lakerun.errors import ConflictError, InvalidInputError, NotFoundError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, SubjectRow, utcnow
from lakerun.store.records import JobRepository
from lakerun.store.repair_refusals import RepairRefusalRepository


class ActionError(ConflictError):
    """An action that does not apply to the attempt in its current state."""


class RepairRefusedError(ActionError):
    """The workspace refused a repair; nothing of it was kept."""


class ActionService:
    """Cancel, retry, repair and output retrieval."""

    def __init__(self, ctx: ControlContext, runs: RunService) -> None:
        self.ctx = ctx
        self.runs = runs

    def cancel(self, attempt_id: str, by: str = "user") -> AttemptRow:
        """Asks the workspace to cancel, then waits for it to confirm a terminal state before recording it.

        The run id is read under the attempt's write lock: a launch recording its run at the same moment
        is either seen here (and its run cancelled) or sees the attempt CANCELLED (and cancels the run itself).
        """
        attempt = self.runs.get(attempt_id)
        if Status(attempt.status).terminal:
            raise ActionError(f"attempt {attempt_id} is already {attempt.status}")
        with self.ctx.uow() as uow:
            row = AttemptRepository(uow.session).get(attempt_id, lock=True)
            if row is None:
                raise NotFoundError(f"no attempt {attempt_id}")
            row.cancel_requested_at = utcnow()
            run_id = row.run_id
            if run_id is None:
                move(uow, row, Status.CANCELLED, Source.USER, reason=f"cancelled by {by} before launch")
        if run_id is not None:
            with self.ctx.gates.slot(attempt.workspace_name):
                self.ctx.client(attempt.workspace_name).jobs.cancel_run(run_id=run_id)
                self._confirm(attempt.id, attempt.workspace_name, run_id)
        return self.runs.get(attempt_id)

    def _confirm(self, attempt_id: str, workspace: str, run_id: int) -> None:
        deadline = time.monotonic() + self.ctx.settings.cancel_confirm_timeout
        while time.monotonic() < deadline:
            try:
                if refresh(self.ctx, attempt_id, workspace, run_id, Source.USER).terminal:
                    return
            except Exception as exc:
                if time.monotonic() + 1 > deadline:
                    raise ActionError(f"cancel not yet confirmed: {describe(exc)}") from exc
            time.sleep(0.2)

    def retry(self, attempt_id: str, by: str = "user", concurrent: bool = False) -> AttemptRow:
        """A new attempt of the same subject with the same work; the old one stays as it ended.

        Retrying an attempt that is still active is refused unless `concurrent` asks for a second run.
        """
        old = self.runs.get(attempt_id)
        if not concurrent and not Status(old.status).terminal:
            raise ActionError(
                f"attempt {attempt_id} is still {old.status}; retry it once it ends, "
                'or ask for a concurrent attempt ({"concurrent": true})'
            )
        request = self._request_of(old, triggered_by=f"retry by {by}")
        if concurrent:
            request = replace(request, concurrency="allow")
        return self.runs.trigger(request, retry_of=old.id)

    def repair(self, attempt_id: str, tasks: list[str] | None = None, by: str = "user") -> AttemptRow:
        """Queues a re-run of the failed (or the named) tasks of a finished run, tracked as a new attempt.

        The repair attempt and its intent commit together; a launcher calls `runs/repair` and records the
        repair on the same run, so nothing ever starts the repair attempt as a run of its own.
        """
        old = self.runs.get(attempt_id)
        if old.run_id is None or old.status not in (
            Status.FAILED.value,
            Status.TIMEDOUT.value,
            Status.CANCELLED.value,
        ):
            raise ActionError(
                f"attempt {attempt_id} is {old.status}; only a failed, timed-out or cancelled run can be repaired"
            )
        self._check_tasks(old, tasks or [])
        request = replace(self._request_of(old, triggered_by=f"repair by {by}"), callbacks=False)
        with self.ctx.uow() as uow:
            if self._repair_under_way(uow.session, old):
                raise ActionError(f"a repair of attempt {attempt_id} is already under way")
            deadline = utcnow() + timedelta(seconds=self.ctx.settings.default_timeout)
            new, _ = create_attempt(uow, request, deadline, False, repair_of=old.id)
            queue_repair(uow, new, list(tasks or []) or None)
        self.runs.launcher.wake()
        return self._repair_answer(new)

    def _repair_answer(self, attempt: AttemptRow) -> AttemptRow:
        """Waits up to `repair_answer_wait` for the workspace's answer to the repair: a refusal is raised
        (nothing of the repair is left), a slower answer returns the repair attempt still CREATING.
        """
        deadline = time.monotonic() + self.ctx.settings.repair_answer_wait
        while True:
            with self.ctx.sessions() as session:
                current = AttemptRepository(session).get(attempt.id)
                refusal = RepairRefusalRepository(session).get(attempt.id) if current is None else None
            if refusal is not None:
                raise RepairRefusedError(f"the workspace refused the repair: {refusal.reason}")
            if current is None or current.run_id is not None or time.monotonic() >= deadline:
                return current or attempt
            time.sleep(0.1)

    def _check_tasks(self, attempt: AttemptRow, tasks: list[str]) -> None:
        """Refuses task keys the attempt's work does not have, before anything is stored or called."""
        known = {t.get("task_key") for t in attempt.spec.get("tasks", []) if isinstance(t, dict)}
        if not known and attempt.job_key:
            with self.ctx.sessions() as session:
                job = JobRepository(session).get(attempt.workspace_name, attempt.job_key)
            known = {t.get("task_key") for t in (job.settings.get("tasks", []) if job else [])}
        unknown = [task for task in tasks if known and task not in known]
        if unknown:
            raise InvalidInputError(
                f"tasks names tasks the run does not have: {', '.join(unknown)} (it has {', '.join(sorted(map(str, known)))})"
            )

    @staticmethod
    def _repair_under_way(session: Session, old: AttemptRow) -> bool:
        return any(
            a.run_id in (None, old.run_id) and a.repair_of is not None and not Status(a.status).terminal
            for a in AttemptRepository(session).of_subject(old.subject_id)
        )

    def _request_of(self, attempt: AttemptRow, triggered_by: str) -> TriggerRequest:
        with self.ctx.sessions() as session:
            subject = session.get(SubjectRow, attempt.subject_id)
        assert subject is not None
        spec = dict(attempt.spec)
        return TriggerRequest(
            subject_key=subject.key,
            subject_kind=subject.kind,
            workspace=attempt.workspace_name,
            strategy=attempt.strategy,
            job_key=attempt.job_key,
            tasks=list(spec.pop("tasks", [])),
            timeout_seconds=spec.pop("timeout_seconds", None),
            only=list(spec.pop("only", [])),
            concurrency=spec.pop(QUEUE_MARK, None),
            job_settings=spec,
            parameters=dict(attempt.parameters),
            triggered_by=triggered_by,
            callbacks=attempt.callbacks,
        )

    def output(self, attempt_id: str, task_key: str | None = None) -> list[dict[str, Any]]:
        """Per-task output (notebook exit value, logs, error) of the attempt's run, fetched task by task."""
        attempt = self.runs.get(attempt_id)
        if attempt.run_id is None:
            raise ActionError(f"attempt {attempt_id} has no run yet")
        with self.ctx.gates.slot(attempt.workspace_name):
            return self._output(attempt, task_key)

    def _output(self, attempt: AttemptRow, task_key: str | None) -> list[dict[str, Any]]:
        client = self.ctx.client(attempt.workspace_name)
        run = client.jobs.get_run(run_id=int(attempt.run_id or 0))
        outputs = []
        for task in run.tasks or []:
            if (task_key and task.task_key != task_key) or task.run_id is None:
                continue
            out = client.jobs.get_run_output(run_id=task.run_id)
            outputs.append(
                {
                    "task_key": task.task_key,
                    "run_id": task.run_id,
                    "notebook_result": out.notebook_output.result if out.notebook_output else None,
                    "logs": out.logs,
                    "logs_truncated": out.logs_truncated,
                    "error": out.error,
                    "error_trace": out.error_trace,
                }
            )
        if task_key and not outputs:
            raise ActionError(f"run {attempt.run_id} has no task {task_key!r}")
        return outputs
