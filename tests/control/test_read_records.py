"""The control plane hands its readers plain read records, never the store's mapped rows."""

from __future__ import annotations

import dataclasses

import pytest

from lakerun.control.plane import ControlPlane
from lakerun.control.records import AttemptRecord, SubjectRecord, TaskRunRecord, TransitionRecord
from lakerun.store.attempts import AttemptFilter
from tests.control.conftest import make_attempt


def test_summary_page_and_detail_are_frozen_records(plane: ControlPlane) -> None:
    attempt = make_attempt(plane)
    summary, subject = plane.summary(attempt.id)
    assert (type(summary), type(subject)) == (AttemptRecord, SubjectRecord)
    assert (summary.id, summary.status, subject.total_attempts) == (attempt.id, "CREATING", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.status = "SUCCESS"  # type: ignore[misc]

    [(listed, listed_subject)], total = plane.list_attempts(AttemptFilter())
    assert (listed, listed_subject, total) == (summary, subject, 1)

    detail = plane.detail(attempt.id)
    assert detail.attempt == summary and detail.subject == subject
    assert all(type(t) is TaskRunRecord for t in detail.tasks)
    assert [(type(t), t.to_status) for t in detail.transitions] == [(TransitionRecord, "CREATING")]
