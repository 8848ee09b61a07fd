"""Profile-run results in the control plane's tables: stored once per run, read, compared, anomalies dismissed.

A job sends its assessment (`QualityAssessment.to_dict()`) as a `result` callback, which the attempt keeps
as its result (so the generic run page shows it too). The first read after the run succeeded stores it in `dq_profile_results` and
`dq_profile_anomalies`, re-evaluated here with what only the control plane knows: the group's earlier
runs (drift) and the dispositions users gave anomaly keys, so a dismissed anomaly stays dismissed and
stops lowering the score. The unique attempt id makes storing idempotent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling.runs import SUBJECT_KIND
from lakerun.errors import InvalidInputError, NotFoundError
from lakerun.quality.anomalies import Disposition
from lakerun.quality.assessment import evaluate
from lakerun.quality.groups import compare_runs
from lakerun.quality.profile import TableProfile
from lakerun.store.attempts import AttemptRepository
from lakerun.store.models import AttemptRow, SubjectRow
from lakerun.store.profiling import (
    AnomalyDispositionRow,
    ProfileAnomalyRow,
    ProfileResultRow,
    TableGroupRow,
)
from lakerun.store.subjects import SubjectRepository

HISTORY_RUNS = 5
DISPOSITIONS: tuple[Disposition, ...] = ("Confirmed", "Dismissed", "Inactive")


@dataclass(frozen=True)
class ProfileRun:
    """One profile run: its attempt and, once it succeeded and was stored, its results and anomalies."""

    attempt: AttemptRow
    group: TableGroupRow
    result: ProfileResultRow | None
    anomalies: list[ProfileAnomalyRow]

    def as_assessment(self) -> dict[str, Any]:
        """The stored run in `QualityAssessment.to_dict()` shape, as `compare_runs` reads it."""
        if self.result is None:
            raise InvalidInputError(
                f"profile run {self.attempt.id} has no results (status {self.attempt.status})"
            )
        return {
            "score": self.result.score,
            "dimensions": self.result.dimensions,
            "table_scores": self.result.table_scores,
            "profiles": self.result.profiles,
            "anomalies": [anomaly_dict(a) for a in self.anomalies],
        }


def anomaly_dict(row: ProfileAnomalyRow) -> dict[str, Any]:
    """An anomaly row as JSON, with its id (to dismiss it) and its key (stable across runs)."""
    return {
        "id": row.id,
        "key": row.anomaly_key,
        "anomaly_type": row.anomaly_type,
        "table_name": row.table_name,
        "column_name": row.column_name,
        "detail": row.detail,
        "likelihood": row.likelihood,
        "dimension": row.dimension,
        "dq_prevalence": row.dq_prevalence,
        "disposition": row.disposition,
    }


def store_finished_runs(plane: ControlPlane, group_id: int) -> None:
    """Store the results of the group's successful runs not stored yet, oldest first (idempotent)."""
    try:
        with plane.ctx.sessions.begin() as session:
            group = _group(session, group_id)
            subject = SubjectRepository(session).find(SUBJECT_KIND, group.name)
            if subject is None:
                return
            stored = set(session.scalars(select(ProfileResultRow.attempt_id).where(_of_group(group_id))))
            for attempt in reversed(AttemptRepository(session).of_subject(subject.id)):
                if attempt.status == "SUCCESS" and attempt.id not in stored:
                    _store(session, group, attempt)
    except IntegrityError:
        return


def _of_group(group_id: int) -> Any:
    return ProfileResultRow.group_id == group_id


def _group(session: Session, group_id: int) -> TableGroupRow:
    group = session.get(TableGroupRow, group_id)
    if group is None:
        raise NotFoundError(f"no table group {group_id}")
    return group


def _store(session: Session, group: TableGroupRow, attempt: AttemptRow) -> None:
    """Re-evaluate the run's profiles with the group's history and dispositions, then store it."""
    raw = attempt.result or {}
    if not isinstance(raw.get("profiles"), list):
        return
    profiles = raw.get("profiles", [])
    data = _evaluated(session, group.id, profiles)
    row = ProfileResultRow(attempt_id=attempt.id, group_id=group.id, profiles=profiles)
    _set_scores(row, data)
    session.add(row)
    unique = {anomaly["key"]: anomaly for anomaly in data["anomalies"]}
    session.add_all(_anomaly_row(attempt.id, group.id, a) for a in unique.values())
    group.tables = [p["table_name"] for p in profiles]
    session.flush()


def _evaluated(
    session: Session, group_id: int, profiles: list[dict[str, Any]], before_id: int | None = None
) -> dict[str, Any]:
    """Anomalies and scores of stored profiles, given the earlier runs and the kept dispositions."""
    history = _history(session, group_id, before_id)
    assessment = evaluate(
        [TableProfile.from_dict(p) for p in profiles],
        previous=history[-1] if history else (),
        history=history,
        dispositions=_dispositions(session, group_id),
    )
    return dict(json.loads(json.dumps(assessment.to_dict(include_profiles=False), default=str)))


def _set_scores(row: ProfileResultRow, data: dict[str, Any]) -> None:
    row.score, row.dimensions, row.table_scores = data["score"], data["dimensions"], data["table_scores"]


def _anomaly_row(attempt_id: str, group_id: int, anomaly: dict[str, Any]) -> ProfileAnomalyRow:
    return ProfileAnomalyRow(
        attempt_id=attempt_id,
        group_id=group_id,
        anomaly_key=anomaly["key"],
        anomaly_type=anomaly["anomaly_type"],
        table_name=anomaly["table_name"],
        column_name=anomaly["column_name"],
        detail=anomaly["detail"],
        likelihood=anomaly["likelihood"],
        dimension=anomaly["dimension"],
        dq_prevalence=anomaly["dq_prevalence"],
        disposition=anomaly["disposition"],
    )


def _history(session: Session, group_id: int, before_id: int | None = None) -> list[list[TableProfile]]:
    """The profiles of the group's latest stored runs (before `before_id` when given), oldest first."""
    query = select(ProfileResultRow.profiles).where(_of_group(group_id))
    if before_id is not None:
        query = query.where(ProfileResultRow.id < before_id)
    runs = list(session.scalars(query.order_by(ProfileResultRow.id.desc()).limit(HISTORY_RUNS)))
    return [[TableProfile.from_dict(p) for p in run] for run in reversed(runs)]


def _dispositions(session: Session, group_id: int) -> dict[str, Disposition]:
    query = select(AnomalyDispositionRow).where(AnomalyDispositionRow.group_id == group_id)
    return {row.anomaly_key: row.disposition for row in session.scalars(query)}  # type: ignore[misc]


def list_runs(plane: ControlPlane, group_id: int) -> list[ProfileRun]:
    """The group's profile runs, newest first, each with its stored results once it succeeded."""
    store_finished_runs(plane, group_id)
    with plane.ctx.sessions() as session:
        group = _group(session, group_id)
        subject = SubjectRepository(session).find(SUBJECT_KIND, group.name)
        attempts = AttemptRepository(session).of_subject(subject.id) if subject else []
        return [_run(session, group, attempt) for attempt in attempts]


def get_run(plane: ControlPlane, attempt_id: str) -> ProfileRun:
    """One profile run by its attempt id; NotFoundError when it is not a profile run."""
    with plane.ctx.sessions() as session:
        attempt = AttemptRepository(session).get(attempt_id)
        subject = session.get(SubjectRow, attempt.subject_id) if attempt else None
        if attempt is None or subject is None or subject.kind != SUBJECT_KIND:
            raise NotFoundError(f"no profile run {attempt_id}")
        group = session.scalar(select(TableGroupRow).where(TableGroupRow.name == subject.key))
        if group is None:
            raise NotFoundError(f"profile run {attempt_id} belongs to no table group")
    store_finished_runs(plane, group.id)
    with plane.ctx.sessions() as session:
        attempt = AttemptRepository(session).get(attempt_id)
        assert attempt is not None
        return _run(session, group, attempt)


def _run(session: Session, group: TableGroupRow, attempt: AttemptRow) -> ProfileRun:
    result = session.scalar(select(ProfileResultRow).where(ProfileResultRow.attempt_id == attempt.id))
    query = select(ProfileAnomalyRow).where(ProfileAnomalyRow.attempt_id == attempt.id)
    anomalies = list(session.scalars(query.order_by(ProfileAnomalyRow.id)))
    return ProfileRun(attempt, group, result, anomalies)


def compare(plane: ControlPlane, before_id: str, after_id: str) -> dict[str, Any]:
    """What changed between two stored runs: scores, rows per table, new and resolved anomalies."""
    return compare_runs(get_run(plane, before_id).as_assessment(), get_run(plane, after_id).as_assessment())


def set_disposition(
    plane: ControlPlane, anomaly_id: int, disposition: str = "Dismissed", decided_by: str = "api"
) -> ProfileAnomalyRow:
    """Keep a disposition for the anomaly's key in its group; this and later stored runs carry it and are
    scored again, so a dismissed anomaly stops lowering their scores."""
    if disposition not in DISPOSITIONS:
        raise InvalidInputError(f"disposition {disposition!r} is not one of {', '.join(DISPOSITIONS)}")
    with plane.ctx.sessions.begin() as session:
        anomaly = session.get(ProfileAnomalyRow, anomaly_id)
        if anomaly is None:
            raise NotFoundError(f"no anomaly {anomaly_id}")
        _keep_disposition(session, anomaly, disposition, decided_by)
        session.execute(
            update(ProfileAnomalyRow)
            .where(ProfileAnomalyRow.group_id == anomaly.group_id)
            .where(ProfileAnomalyRow.anomaly_key == anomaly.anomaly_key)
            .where(ProfileAnomalyRow.id >= anomaly.id)
            .values(disposition=disposition)
        )
        _rescore(session, anomaly.group_id, anomaly.attempt_id)
        session.refresh(anomaly)
        return anomaly


def _keep_disposition(session: Session, anomaly: ProfileAnomalyRow, disposition: str, by: str) -> None:
    query = select(AnomalyDispositionRow).where(
        AnomalyDispositionRow.group_id == anomaly.group_id,
        AnomalyDispositionRow.anomaly_key == anomaly.anomaly_key,
    )
    kept = session.scalar(query)
    if kept is None:
        session.add(
            AnomalyDispositionRow(
                group_id=anomaly.group_id,
                anomaly_key=anomaly.anomaly_key,
                disposition=disposition,
                decided_by=by,
            )
        )
    else:
        kept.disposition, kept.decided_by = disposition, by


def _rescore(session: Session, group_id: int, from_attempt_id: str) -> None:
    """Score the run of `from_attempt_id` and the group's later runs again with the kept dispositions."""
    first = session.scalar(select(ProfileResultRow.id).where(ProfileResultRow.attempt_id == from_attempt_id))
    query = select(ProfileResultRow).where(_of_group(group_id), ProfileResultRow.id >= (first or 0))
    for row in session.scalars(query.order_by(ProfileResultRow.id)).all():
        _set_scores(row, _evaluated(session, group_id, row.profiles, before_id=row.id))
