"""Carrying out one launch intent: start (or re-find) the attempt's run, then record it and settle the intent at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from databricks.sdk import WorkspaceClient

from lakerun.control.attempts import move
from lakerun.control.context import ControlContext
from lakerun.control.errors import describe, is_transient
from lakerun.control.launch import Launched, LaunchRequest, launch
from lakerun.control.request_checks import waiting_for
from lakerun.control.retention import apply_retention
from lakerun.control.status import Source, Status
from lakerun.control.uow import UnitOfWork
from lakerun.errors import InvalidInputError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.intents import LaunchIntentRepository
from lakerun.store.models import AttemptRow, SubjectRow
from lakerun.store.records import JobRepository, WorkspaceRepository
from lakerun.store.repair_refusals import RepairRefusalRepository
from lakerun.store.secret_deletions import SecretDeletionRepository

log = logging.getLogger(__name__)
QUEUED_RECHECK = 1.0
"""Seconds before a `queue`d attempt's intent is looked at again while an earlier attempt is still active."""
STOPPED_BEFORE_LAUNCH = (Status.CANCELLED, Status.TIMEDOUT)
"""Ends a user or the deadline gives an attempt; a run started for it anyway is cancelled."""


@dataclass(frozen=True)
class Intent:
    """A claimed intent, detached from its session."""

    attempt_id: str
    workspace: str
    kind: str
    payload: dict[str, Any]
    tries: int


@dataclass(frozen=True)
class Outcome:
    """What carrying out an intent came to: settled, or due again after `retry_in` seconds."""

    settled: bool
    retry_in: float = 0.0


def queue_launch(uow: UnitOfWork, attempt: AttemptRow) -> None:
    """Queues the attempt's launch in the transaction that creates it."""
    LaunchIntentRepository(uow.session).add(attempt.id, attempt.workspace_name)


def queue_repair(uow: UnitOfWork, attempt: AttemptRow, tasks: list[str] | None) -> None:
    """Queues a repair of the run of `attempt.repair_of`, tracked by `attempt`, in the transaction creating it."""
    LaunchIntentRepository(uow.session).add(attempt.id, attempt.workspace_name, "repair", tasks=tasks)


def carry_out(
    ctx: ControlContext, intent: Intent, owner: str, running: Callable[[], bool] = lambda: True
) -> Outcome:
    """Starts or repairs the attempt's run and records it; a transient failure leaves the intent due again.

    A launcher stopped while the workspace answered (`running()` false) writes nothing: its lease runs
    out and the next launcher re-finds the same run by the attempt's idempotency token.
    """
    attempt = _attempt(ctx, intent.attempt_id)
    if intent.kind == "cancel":
        return _cancel_run(ctx, intent, owner, attempt)
    if attempt is None or _nothing_to_launch(attempt, intent):
        with ctx.uow() as uow:
            LaunchIntentRepository(uow.session).settle(intent.attempt_id, owner)
        return Outcome(settled=True)
    blocker = _waiting_for(ctx, attempt)
    if blocker is not None:
        with ctx.uow() as uow:
            reason = f"queued behind attempt #{blocker}"
            LaunchIntentRepository(uow.session).release(intent.attempt_id, owner, QUEUED_RECHECK, reason)
        return Outcome(settled=False, retry_in=QUEUED_RECHECK)
    try:
        client = ctx.client(intent.workspace)
        if intent.kind == "repair":
            launched, repair_id = _repair(ctx, client, attempt, intent.payload.get("tasks"))
        else:
            launched, repair_id = launch(client, _launch_request(ctx, attempt)), None
    except Exception as exc:
        return _failed(ctx, intent, owner, exc) if running() else Outcome(settled=False)
    if not running():
        return Outcome(settled=False)
    _record(ctx, intent, launched, repair_id)
    return Outcome(settled=True)


def _attempt(ctx: ControlContext, attempt_id: str) -> AttemptRow | None:
    with ctx.sessions() as session:
        return AttemptRepository(session).get(attempt_id)


def _nothing_to_launch(attempt: AttemptRow, intent: Intent) -> bool:
    """True when the run is recorded, or the attempt ended before any try could have started a run.

    A stopped attempt whose launch was tried before (a crash, a lost answer) or whose task has called
    back is launched anyway: the idempotency token re-finds the run, and `_record` then cancels it.
    """
    if attempt.run_id is not None:
        return True
    return Status(attempt.status).terminal and intent.tries <= 1 and attempt.last_callback_at is None


def _cancel_run(ctx: ControlContext, intent: Intent, owner: str, attempt: AttemptRow | None) -> Outcome:
    """Cancels the run recorded for an attempt that had been stopped; a transient failure tries again later."""
    if attempt is not None and attempt.run_id is not None:
        try:
            with ctx.gates.slot(intent.workspace):
                ctx.client(intent.workspace).jobs.cancel_run(run_id=attempt.run_id)
        except Exception as exc:
            if is_transient(exc):
                retry_in = min(ctx.settings.reconcile_interval, 0.5 * 2 ** min(intent.tries, 8))
                with ctx.uow() as uow:
                    LaunchIntentRepository(uow.session).release(
                        intent.attempt_id, owner, retry_in, describe(exc)
                    )
                return Outcome(settled=False, retry_in=retry_in)
            log.warning("run %s of stopped attempt %s: %s", attempt.run_id, attempt.id, describe(exc))
    with ctx.uow() as uow:
        LaunchIntentRepository(uow.session).settle(intent.attempt_id, owner)
    return Outcome(settled=True)


def _waiting_for(ctx: ControlContext, attempt: AttemptRow) -> int | None:
    """The number of the subject's earlier active attempt a `queue`d attempt waits for, or None to go ahead."""
    with ctx.sessions() as session:
        blocker = waiting_for(AttemptRepository(session), attempt)
        return blocker.attempt_number if blocker is not None else None


def _launch_request(ctx: ControlContext, attempt: AttemptRow) -> LaunchRequest:
    with ctx.sessions() as session:
        subject = session.get(SubjectRow, attempt.subject_id)
        workspace = WorkspaceRepository(session).get(attempt.workspace_name)
        job = JobRepository(session).get(attempt.workspace_name, attempt.job_key) if attempt.job_key else None
    return LaunchRequest(
        attempt_id=attempt.id,
        attempt_number=attempt.attempt_number,
        strategy=attempt.strategy,
        subject_key=subject.key if subject else "",
        spec=dict(attempt.spec),
        parameters=dict(attempt.parameters),
        callback=ctx.callback_for(attempt),
        secret=ctx.secret_placement(attempt),
        default_cluster_id=workspace.default_cluster_id if workspace else None,
        job_id=job.job_id if job else None,
    )


def _repair(
    ctx: ControlContext, client: WorkspaceClient, attempt: AttemptRow, tasks: list[str] | None
) -> tuple[Launched, int | None]:
    """Repairs the original run once: a repair the workspace made but no attempt recorded (a crash) is adopted."""
    with ctx.sessions() as session:
        repo = AttemptRepository(session)
        original = repo.get(attempt.repair_of or "")
        if original is None or original.run_id is None:
            raise InvalidInputError(f"attempt {attempt.repair_of} has no run to repair")
        recorded = {a.repair_id for a in repo.of_subject(attempt.subject_id) if a.run_id == original.run_id}
    run = client.jobs.get_run(run_id=original.run_id, include_history=True)
    history = run.repair_history or []
    unrecorded = [h.id for h in history if h.type and h.type.value == "REPAIR" and h.id not in recorded]
    if unrecorded:
        return Launched(original.job_id, original.run_id), unrecorded[-1]
    waiter = client.jobs.repair_run(
        run_id=original.run_id,
        rerun_tasks=tasks or None,
        rerun_all_failed_tasks=None if tasks else True,
        latest_repair_id=history[-1].id if len(history) > 1 else None,
    )
    return Launched(original.job_id, original.run_id), getattr(waiter.response, "repair_id", None)


def _failed(ctx: ControlContext, intent: Intent, owner: str, exc: Exception) -> Outcome:
    """A transient error releases the intent with a backoff; a permanent one fails the attempt and settles it."""
    transient = is_transient(exc)
    log.warning(
        "%s of attempt %s failed (%s): %s",
        intent.kind,
        intent.attempt_id,
        "will retry" if transient else "final",
        describe(exc),
    )
    with ctx.uow() as uow:
        intents = LaunchIntentRepository(uow.session)
        attempt = AttemptRepository(uow.session).get(intent.attempt_id, lock=True)
        if transient and attempt is not None:
            retry_in = min(ctx.settings.reconcile_interval, 0.5 * 2 ** min(intent.tries, 8))
            intents.release(intent.attempt_id, owner, retry_in, describe(exc))
            if attempt.run_id is None:
                attempt.status_message = f"{intent.kind} will be retried: {describe(exc)}"
            return Outcome(settled=False, retry_in=retry_in)
        intents.settle(intent.attempt_id, owner)
        if attempt is not None and intent.kind == "repair" and attempt.run_id is None:
            refuse_repair(uow, attempt, describe(exc))
        elif attempt is not None:
            move(uow, attempt, Status.FAILED, Source.API, reason=f"{intent.kind} failed", error=describe(exc))
    return Outcome(settled=True)


def refuse_repair(uow: UnitOfWork, attempt: AttemptRow, reason: str) -> None:
    """A repair the workspace refused leaves no attempt behind, only the reason for whoever asked for it."""
    RepairRefusalRepository(uow.session).add(attempt.id, attempt.repair_of or "", reason)
    AttemptRepository(uow.session).discard(attempt)


def _record(ctx: ControlContext, intent: Intent, launched: Launched, repair_id: int | None) -> None:
    """Records the run and removes the intent in one transaction.

    A run started for an attempt that was stopped meanwhile (cancelled, timed out) is recorded too, and
    its intent becomes a `cancel` one in the same transaction, so the run is cancelled even across a crash.
    """
    with ctx.uow() as uow:
        intents = LaunchIntentRepository(uow.session)
        attempt = AttemptRepository(uow.session).get(intent.attempt_id, lock=True)
        if attempt is None or attempt.run_id is not None:
            intents.settle(intent.attempt_id, owner="", any_owner=True)
            return
        attempt.run_id, attempt.job_id, attempt.repair_id = launched.run_id, launched.job_id, repair_id
        reason = "run started in the workspace"
        original = AttemptRepository(uow.session).get(attempt.repair_of) if attempt.repair_of else None
        if intent.kind == "repair" and original is not None:
            attempt.run_page_url = original.run_page_url
            reason = f"repair of attempt {original.attempt_number}"
        move(uow, attempt, Status.QUEUED, Source.API, reason=reason, raw_state="SUBMITTED")
        if Status(attempt.status) in STOPPED_BEFORE_LAUNCH:
            intents.turn_into(intent.attempt_id, "cancel")
            if attempt.callbacks:
                SecretDeletionRepository(uow.session).queue(attempt.id)
        else:
            intents.settle(intent.attempt_id, owner="", any_owner=True)
        if attempt.strategy == "job_per_attempt" and intent.kind == "launch":
            subject_id = attempt.subject_id
            uow.after_commit(lambda: apply_retention(ctx, subject_id))
