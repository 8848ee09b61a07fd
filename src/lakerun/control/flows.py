"""NiFi flows in the control plane (seed 004): the inventory, its statuses, and conversion attempts.

Each flow is subject `nifi_flow`/`<flow id>`. Starting a conversion creates an attempt with a job of
its own (`job_per_attempt`) running the `lakerun-convert` agent with seed 004's parameters; the agent
writes to `<output_root>/<flow id>/<attempt id>/` and reports progress, iterations and validation
through the signed callbacks. "Deploy and run" imports what an attempt generated and runs it as an
attempt of subject `nifi_flow_run`/`<flow id>`, followed like any other.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakerun.control.attempts import TriggerRequest
from lakerun.control.plane import ControlPlane
from lakerun.control.status import ACTIVE, Status
from lakerun.convert.errors import ConvertError
from lakerun.convert.plan import slugify
from lakerun.convert.reader import is_flow_file, read_flow
from lakerun.errors import InvalidInputError, NotFoundError
from lakerun.store.attempts import AttemptRepository
from lakerun.store.flows import FlowRepository, FlowRow
from lakerun.store.models import AttemptRow, SubjectRow
from lakerun.store.subjects import SubjectRepository

SUBJECT_KIND = "nifi_flow"
DEPLOY_KIND = "nifi_flow_run"
NOT_STARTED, CONVERTING, DONE, NEEDS_ATTENTION = "NOT_STARTED", "CONVERTING", "DONE", "NEEDS_ATTENTION"
PRIORITIES = ("low", "medium", "high", "critical")
_NOTEBOOK = re.compile(r"^[A-Za-z0-9_.-]+\.(py|json)$")


@dataclass
class FlowView:
    """A flow with its attempts' counters and the status the inventory shows."""

    row: FlowRow
    subject: SubjectRow | None
    latest: AttemptRow | None
    attempts: list[AttemptRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        """NOT_STARTED, CONVERTING, DONE or NEEDS_ATTENTION."""
        if self.row.load_error:
            return NEEDS_ATTENTION
        if self.latest is None:
            return NOT_STARTED
        if self.latest.status in ACTIVE:
            return CONVERTING
        outcome = (self.latest.result or {}).get("status")
        return DONE if self.latest.status == Status.SUCCESS and outcome == DONE else NEEDS_ATTENTION

    @property
    def successful(self) -> int:
        """Attempts that converted the flow without anything left for a person."""
        return sum(
            1 for a in self.attempts if a.status == Status.SUCCESS and (a.result or {}).get("status") == DONE
        )


def load_inventory(
    plane: ControlPlane,
    folder: str | Path,
    *,
    workspace: str = "local",
    output_root: str | None = None,
    task_folder: str | None = None,
    wheel: str | None = None,
) -> list[FlowRow]:
    """Adds (or refreshes) every NiFi file of a folder; unreadable ones are listed with their error.

    `wheel` is the lakerun wheel as conversion tasks see it (needed on Databricks, not locally).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"flows folder {folder} does not exist or is not a folder")
    output = output_root or str(folder.parent / "converted")
    rows = []
    with plane.ctx.uow() as uow:
        repo = FlowRepository(uow.session)
        for path in sorted(p for p in folder.iterdir() if is_flow_file(p)):
            row = _row(path, workspace, output, task_folder)
            row.wheel = wheel
            rows.append(repo.upsert(row))
        uow.session.flush()
        uow.session.expunge_all()
    return rows


def _row(path: Path, workspace: str, output_root: str, task_folder: str | None) -> FlowRow:
    stem = path.name.split(".")[0]
    row = FlowRow(
        id=slugify(stem),
        name=stem,
        source_path=str(path.resolve()),
        task_path=f"{task_folder.rstrip('/')}/{path.name}" if task_folder else str(path.resolve()),
        output_root=output_root,
        workspace_name=workspace,
        process_groups=0,
        processors=0,
        priority="medium",
    )
    try:
        flow = read_flow(path)
    except ConvertError as exc:
        row.load_error = str(exc)
        return row
    row.name, row.source_format = flow.name or stem, flow.source_format
    row.process_groups, row.processors, row.load_error = len(flow.groups) - 1, len(flow.processors), None
    return row


def flow_views(plane: ControlPlane) -> list[FlowView]:
    """Every flow with its status, newest attempt and counters."""
    with plane.ctx.sessions() as session:
        rows = FlowRepository(session).all()
        subjects = SubjectRepository(session)
        attempts = AttemptRepository(session)
        views = []
        for row in rows:
            subject = subjects.find(SUBJECT_KIND, row.id)
            history = list(attempts.of_subject(subject.id)) if subject else []
            views.append(FlowView(row, subject, history[0] if history else None, history))
        session.expunge_all()
    return views


def flow_view(plane: ControlPlane, flow_id: str) -> FlowView:
    """One flow with its whole history, newest attempt first."""
    for view in flow_views(plane):
        if view.row.id == flow_id:
            return view
    raise NotFoundError(f"no NiFi flow {flow_id!r} in the inventory")


def update_flow(
    plane: ControlPlane, flow_id: str, priority: str | None = None, owner: str | None = None
) -> FlowRow:
    """Sets a flow's priority and owner."""
    if priority is not None and priority not in PRIORITIES:
        raise InvalidInputError(f"priority must be one of {', '.join(PRIORITIES)}")
    with plane.ctx.uow() as uow:
        row = FlowRepository(uow.session).get(flow_id)
        if row is None:
            raise NotFoundError(f"no NiFi flow {flow_id!r} in the inventory")
        row.priority = priority or row.priority
        row.owner = owner if owner is not None else row.owner
        uow.session.flush()
        uow.session.expunge(row)
    return row


def conversion_request(row: FlowRow, triggered_by: str) -> TriggerRequest:
    """The attempt that runs the conversion agent on one flow, in a job of its own."""
    if row.load_error:
        raise InvalidInputError(f"flow {row.id} cannot be converted: {row.load_error}")
    task: dict[str, Any] = {
        "task_key": "convert",
        "description": f"Convert NiFi flow {row.name}",
        "python_wheel_task": {
            "package_name": "lakerun",
            "entry_point": "lakerun-convert",
            "named_parameters": {
                "flow_id": row.id,
                "nifi_xml_path": row.task_path,
                "output_path": f"{row.output_root.rstrip('/')}/{row.id}",
                "output_per_attempt": "true",
            },
        },
    }
    if row.wheel:
        task["libraries"] = [{"whl": row.wheel}]
    return TriggerRequest(
        subject_key=row.id,
        subject_kind=SUBJECT_KIND,
        workspace=row.workspace_name,
        strategy="job_per_attempt",
        tasks=[task],
        triggered_by=triggered_by,
    )


def _rows(plane: ControlPlane, flow_ids: Sequence[str]) -> list[FlowRow]:
    with plane.ctx.sessions() as session:
        repo = FlowRepository(session)
        rows = []
        for flow_id in flow_ids:
            row = repo.get(flow_id)
            if row is None:
                raise NotFoundError(f"no NiFi flow {flow_id!r} in the inventory")
            rows.append(row)
        session.expunge_all()
    return rows


def start_conversion(plane: ControlPlane, flow_id: str, triggered_by: str = "api") -> AttemptRow:
    """Starts one conversion attempt."""
    (row,) = _rows(plane, [flow_id])
    return plane.runs.trigger(conversion_request(row, triggered_by))


def start_conversions(
    plane: ControlPlane, flow_ids: Sequence[str], triggered_by: str = "api"
) -> list[AttemptRow | Exception]:
    """Starts a conversion for each flow (each its own attempt and job); a bad one fails alone, in order."""
    answers: list[AttemptRow | Exception | TriggerRequest] = []
    for row in _rows(plane, list(dict.fromkeys(flow_ids))):
        try:
            answers.append(conversion_request(row, triggered_by))
        except ValueError as exc:
            answers.append(exc)
    started = iter(plane.runs.bulk_trigger([a for a in answers if isinstance(a, TriggerRequest)]))
    return [next(started) if isinstance(answer, TriggerRequest) else answer for answer in answers]


def stop_conversion(plane: ControlPlane, flow_id: str, by: str = "user") -> AttemptRow:
    """Cancels the flow's running conversion."""
    view = flow_view(plane, flow_id)
    if view.latest is None or view.latest.status not in ACTIVE:
        raise InvalidInputError(f"flow {flow_id} has no conversion running")
    return plane.actions.cancel(view.latest.id, by=by)


def _attempt(plane: ControlPlane, flow_id: str, attempt_id: str) -> tuple[FlowRow, AttemptRow]:
    view = flow_view(plane, flow_id)
    attempt = next((a for a in view.attempts if a.id == attempt_id), None)
    if attempt is None:
        raise NotFoundError(f"attempt {attempt_id} is not a conversion of flow {flow_id}")
    return view.row, attempt


def output_file(plane: ControlPlane, flow_id: str, attempt_id: str, name: str) -> str:
    """A generated notebook, `job.json` or `conversion.json` of one attempt."""
    if not _NOTEBOOK.match(name):
        raise InvalidInputError(f"{name!r} is not a generated file name")
    row, _ = _attempt(plane, flow_id, attempt_id)
    path = f"{row.output_root.rstrip('/')}/{flow_id}/{attempt_id}/{name}"
    if path.startswith("/Volumes/"):
        try:
            contents = plane.ctx.client(row.workspace_name).files.download(path).contents
        except Exception as exc:
            raise NotFoundError(f"{name} was not generated by attempt {attempt_id}") from exc
        return contents.read().decode() if contents else ""
    local = Path(path)
    if not local.is_file():
        raise NotFoundError(f"{name} was not generated by attempt {attempt_id}")
    return local.read_text()


def output_files(plane: ControlPlane, flow_id: str, attempt_id: str) -> list[str]:
    """The notebooks an attempt generated, from its report."""
    try:
        report = json.loads(output_file(plane, flow_id, attempt_id, "conversion.json"))
    except LookupError:
        return []
    return [str(name) for name in report.get("notebooks", [])]


def deploy_and_run(
    plane: ControlPlane,
    flow_id: str,
    attempt_id: str,
    parameters: dict[str, str] | None = None,
    triggered_by: str = "api",
) -> AttemptRow:
    """Imports an attempt's notebooks into the workspace and runs its job as a tracked attempt."""
    from databricks.sdk.service import workspace as ws

    row, _ = _attempt(plane, flow_id, attempt_id)
    job: dict[str, Any] = json.loads(output_file(plane, flow_id, attempt_id, "job.json"))
    folder = f"/Workspace/Shared/lakerun-nifi/{flow_id}/{attempt_id}"
    client = plane.ctx.client(row.workspace_name)
    client.workspace.mkdirs(folder)
    for name in output_files(plane, flow_id, attempt_id):
        client.workspace.import_(
            f"{folder}/{name.removesuffix('.py')}",
            content=base64.b64encode(output_file(plane, flow_id, attempt_id, name).encode()).decode(),
            format=ws.ImportFormat.SOURCE,
            language=ws.Language.PYTHON,
            overwrite=True,
        )
    tasks = [
        {**task, "notebook_task": {**task["notebook_task"], "notebook_path": f"{folder}/{task['task_key']}"}}
        for task in job["tasks"]
    ]
    defaults = {p["name"]: p["default"] for p in job.get("parameters", [])}
    unknown = sorted(set(parameters or {}) - set(defaults))
    if unknown:
        raise InvalidInputError(f"the generated job has no parameter {', '.join(unknown)}")
    request = TriggerRequest(
        subject_key=flow_id,
        subject_kind=DEPLOY_KIND,
        workspace=row.workspace_name,
        strategy="job_per_attempt",
        tasks=tasks,
        job_settings={"name": job["name"]},
        parameters={**defaults, **(parameters or {})},
        triggered_by=triggered_by,
    )
    return plane.runs.trigger(request)
