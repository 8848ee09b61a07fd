"""Checks of a trigger request against the store's column sizes and the Databricks job model.

They run before anything is stored, so bad input is refused with a message naming the field instead of
failing in the database or, worse, at every launch attempt.
"""

from __future__ import annotations

import math
from typing import Any

from databricks.sdk.service import jobs

from lakerun.control.limits import FIELD_LENGTHS, MAX_TIMEOUT_SECONDS
from lakerun.control.status import ACTIVE
from lakerun.errors import ConflictError, InvalidInputError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, SubjectRow

POLICIES = ("allow", "refuse", "queue")
"""What a trigger does while its subject has an active attempt: start anyway, 409, or wait its turn."""
QUEUE_MARK = "concurrency"
"""Key of an attempt's spec marking it as waiting for the subject's earlier attempts to end."""
TASK_KEY_LENGTH = 100
"""Databricks refuses longer task keys."""


def admit(repo: AttemptRepository, subject: SubjectRow, policy: str) -> AttemptRow | None:
    """Applies the subject's concurrency policy; returns the active attempt a queued one waits for.

    Called with the subject row locked (its attempt counter was just taken), so two triggers cannot
    both see an idle subject. Raises ConflictError when the policy is `refuse` and the subject is busy.
    """
    if policy not in POLICIES:
        raise InvalidInputError(f"concurrency must be one of {', '.join(POLICIES)}")
    if policy == "allow":
        return None
    active = repo.first_active_of_subject(subject.id, [s.value for s in ACTIVE])
    if active is not None and policy == "refuse":
        raise ConflictError(
            f"subject {subject.kind}/{subject.key} already has an active attempt "
            f"(#{active.attempt_number}, {active.status}); its concurrency policy is refuse"
        )
    return active


def waiting_for(repo: AttemptRepository, attempt: AttemptRow) -> AttemptRow | None:
    """The earlier active attempt of the subject a queued attempt still waits for (None: it may launch)."""
    if attempt.spec.get(QUEUE_MARK) != "queue":
        return None
    return repo.first_active_of_subject(
        attempt.subject_id, [s.value for s in ACTIVE], before_number=attempt.attempt_number
    )


def check_lengths(values: dict[str, str | None]) -> None:
    """Raises InvalidInputError naming the first text field longer than its column."""
    for name, value in values.items():
        limit = FIELD_LENGTHS[name]
        if value is not None and len(value) > limit:
            raise InvalidInputError(f"{name} is {len(value)} characters long; at most {limit} are allowed")


def check_timeout(seconds: float | None) -> None:
    """Raises InvalidInputError unless the timeout is absent or a finite number of seconds within the maximum."""
    if seconds is None:
        return
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
        raise InvalidInputError("timeout_seconds must be a finite number of seconds")
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise InvalidInputError(f"timeout_seconds must be above 0 and at most {MAX_TIMEOUT_SECONDS}")


def check_tasks(tasks: Any, strategy: str, name: str = "tasks") -> list[str]:
    """Raises InvalidInputError naming the first task that is not a Databricks task spec; returns the task keys."""
    if not isinstance(tasks, list):
        raise InvalidInputError(f"{name} must be a list of Databricks task specs")
    model = jobs.SubmitTask if strategy == "one_time" else jobs.Task
    keys = []
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise InvalidInputError(f"{name}[{index}] must be an object (a Databricks task spec)")
        key = task.get("task_key")
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"{name}[{index}] needs a task_key (every task needs a task_key)")
        if len(key) > TASK_KEY_LENGTH:
            raise InvalidInputError(f"{name}[{index}].task_key is longer than {TASK_KEY_LENGTH} characters")
        _parse(model, task, f"{name}[{index}] ({key})")
        keys.append(key)
    return keys


def check_job_settings(settings: Any) -> None:
    """Raises InvalidInputError unless the settings read as Databricks job settings (tasks included)."""
    if not isinstance(settings, dict):
        raise InvalidInputError("job_settings must be an object (Databricks job settings)")
    if "tasks" in settings:
        check_tasks(settings["tasks"], "job", "job_settings.tasks")
    _parse(jobs.JobSettings, settings, "job_settings")


def _parse(model: Any, value: dict[str, Any], where: str) -> None:
    try:
        model.from_dict(value).as_dict()
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise InvalidInputError(
            f"{where} is not a valid {model.__name__}: {type(exc).__name__}: {exc}"
        ) from exc
