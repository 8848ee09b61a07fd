"""`/v1/data-quality`: connections, table groups, profile runs, their results, anomalies and comparisons."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lakerun.control.profiling.catalog import (
    connections,
    delete_connection,
    delete_group,
    get_group,
    groups,
    save_connection,
    save_group,
)
from lakerun.control.profiling.results import anomaly_dict, compare, get_run, list_runs, set_disposition
from lakerun.control.profiling.runs import ProfileRunOptions, trigger_profile_run
from lakerun.server.auth import Caller, Plane
from lakerun.server.data_quality.schemas import (
    AnomalyOut,
    ConnectionBody,
    ConnectionOut,
    DispositionBody,
    GroupBody,
    GroupOut,
    ProfileRunBody,
    ProfileRunOut,
)
from lakerun.server.params import RowId

router = APIRouter(prefix="/data-quality", tags=["data quality"])


@router.post("/connections", status_code=201, response_model=ConnectionOut)
def add_connection(body: ConnectionBody, plane: Plane, _: Caller) -> ConnectionOut:
    """Store a connection (a folder of files, a DuckDB file or a database URL as `env:NAME`)."""
    return ConnectionOut.of(save_connection(plane, body.spec()))


@router.get("/connections", response_model=list[ConnectionOut])
def list_connections(plane: Plane, _: Caller) -> list[ConnectionOut]:
    """Stored connections."""
    return [ConnectionOut.of(row) for row in connections(plane)]


@router.put("/connections/{connection_id}", response_model=ConnectionOut)
def change_connection(connection_id: RowId, body: ConnectionBody, plane: Plane, _: Caller) -> ConnectionOut:
    """Replace a connection's name, kind, location and workspace; its groups read from it at their next run."""
    return ConnectionOut.of(save_connection(plane, body.spec(), connection_id))


@router.delete("/connections/{connection_id}", status_code=204)
def remove_connection(connection_id: RowId, plane: Plane, _: Caller) -> None:
    """Delete a connection; 409 naming the table groups that still use it."""
    delete_connection(plane, connection_id)


@router.post("/table-groups", status_code=201, response_model=GroupOut)
def add_group(body: GroupBody, plane: Plane, _: Caller) -> GroupOut:
    """Store a table group on a connection."""
    return GroupOut.of(save_group(plane, body.spec()))


@router.get("/table-groups", response_model=list[GroupOut])
def list_groups(plane: Plane, _: Caller) -> list[GroupOut]:
    """Stored table groups."""
    return [GroupOut.of(row) for row in groups(plane)]


@router.get("/table-groups/{group_id}", response_model=GroupOut)
def one_group(group_id: RowId, plane: Plane, _: Caller) -> GroupOut:
    """One table group."""
    return GroupOut.of(get_group(plane, group_id)[0])


@router.put("/table-groups/{group_id}", response_model=GroupOut)
def change_group(group_id: RowId, body: GroupBody, plane: Plane, _: Caller) -> GroupOut:
    """Replace a group's connection and masks; its name (its run history's key) must stay the same."""
    return GroupOut.of(save_group(plane, body.spec(), group_id))


@router.delete("/table-groups/{group_id}", status_code=204)
def remove_group(group_id: RowId, plane: Plane, _: Caller) -> None:
    """Delete a group with its stored results; its runs stay in the run history. 409 while one is active."""
    delete_group(plane, group_id)


@router.post("/table-groups/{group_id}/profile-runs", status_code=201, response_model=ProfileRunOut)
def start_profile_run(
    group_id: RowId, plane: Plane, _: Caller, body: ProfileRunBody | None = None
) -> ProfileRunOut:
    """Start a profile run of the group on its workspace (the group's one registered job)."""
    body = body or ProfileRunBody.model_validate({})
    options = ProfileRunOptions(timeout_seconds=body.timeout_seconds, wheel=body.wheel)
    attempt = trigger_profile_run(plane, group_id, options, body.triggered_by)
    return ProfileRunOut.of(get_run(plane, attempt.id))


@router.get("/table-groups/{group_id}/profile-runs", response_model=list[ProfileRunOut])
def group_runs(group_id: RowId, plane: Plane, _: Caller) -> list[ProfileRunOut]:
    """The group's profile runs, newest first, with scores once they succeeded."""
    return [ProfileRunOut.of(run) for run in list_runs(plane, group_id)]


@router.get("/profile-runs/compare")
def compare_runs(before: str, after: str, plane: Plane, _: Caller) -> dict[str, Any]:
    """What changed from run `before` to run `after`: scores, rows per table, new and resolved anomalies."""
    return compare(plane, before, after)


@router.get("/profile-runs/{run_id}", response_model=ProfileRunOut)
def one_run(run_id: str, plane: Plane, _: Caller) -> ProfileRunOut:
    """One profile run: status, reason when it failed, scores when it succeeded."""
    return ProfileRunOut.of(get_run(plane, run_id))


@router.get("/profile-runs/{run_id}/anomalies", response_model=list[AnomalyOut])
def run_anomalies(run_id: str, plane: Plane, _: Caller) -> list[AnomalyOut]:
    """The anomalies of a run, each with its disposition."""
    return AnomalyOut.listed(get_run(plane, run_id))


@router.get("/profile-runs/{run_id}/profiles")
def run_profiles(run_id: str, plane: Plane, _: Caller) -> list[dict[str, Any]]:
    """The column profiles of a run's tables."""
    result = get_run(plane, run_id).result
    return list(result.profiles) if result else []


@router.post("/anomalies/{anomaly_id}/dismiss", response_model=AnomalyOut)
def dismiss(anomaly_id: RowId, plane: Plane, _: Caller, body: DispositionBody | None = None) -> AnomalyOut:
    """Keep a disposition (Dismissed by default) for the anomaly's key: later runs carry it, unscored."""
    body = body or DispositionBody.model_validate({})
    row = set_disposition(plane, anomaly_id, body.disposition, body.decided_by)
    return AnomalyOut(**anomaly_dict(row))
