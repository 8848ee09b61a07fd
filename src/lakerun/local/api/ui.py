"""The local run page `run_page_url` points to: a run's state, its tasks and their logs, as plain HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from lakerun.local.run_actions import existing_run
from lakerun.local.run_engine import RunEngine
from lakerun.local.run_store import RunFilter
from lakerun.local.task_spec import LOG_FILE

router = APIRouter()
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="{refresh}">
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:.3em .8em;text-align:left;vertical-align:top}}
.SUCCESS{{color:green}}.FAILED,.TIMEDOUT,.INTERNAL_ERROR,.UPSTREAM_FAILED{{color:#b00}}</style></head>
<body><h1>{title}</h1><p>State: <b class="{result}">{life} {result}</b> {message}</p>
<p>{facts}</p>
<table><tr><th>task</th><th>run id</th><th>attempt</th><th>state</th><th>result</th><th>ms</th>
<th>message</th><th>logs</th></tr>
{rows}</table></body></html>"""


INDEX = """<!doctype html><html><head><meta charset="utf-8"><title>lakerun local workspace</title>
<meta http-equiv="refresh" content="5"><style>body{{font-family:sans-serif;margin:2em}}
td,th{{padding:.3em .8em;text-align:left}}.SUCCESS{{color:green}}.FAILED,.TIMEDOUT,.INTERNAL_ERROR{{color:#b00}}
</style></head><body><h1>lakerun local workspace</h1>
<p>A Databricks-compatible workspace: point <code>WorkspaceClient(host=...)</code> or curl at this address.</p>
<h2>Recent runs</h2><table><tr><th>run</th><th>name</th><th>type</th><th>state</th><th>result</th></tr>{runs}</table>
<h2>Jobs</h2><table><tr><th>job id</th><th>name</th><th>tasks</th></tr>{jobs}</table></body></html>"""
RECENT_RUNS = 25


def on_startup(app: FastAPI) -> None:
    """Nothing to build: pages read the run engine."""


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release."""


def _engine(request: Request) -> RunEngine:
    engine: RunEngine = request.app.state.run_engine
    return engine


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> str:
    """The landing page: recent runs (linked to their pages) and the jobs of this workspace."""
    engine = _engine(request)
    runs, _ = engine.list_runs(RunFilter(), 0, RECENT_RUNS)
    jobs, _ = request.app.state.jobs.list(None, 0, 100, True)
    return INDEX.format(
        runs="".join(_run_line(run.to_api("")) for run in runs),
        jobs="".join(
            f"<tr><td>{job['job_id']}</td><td>{escape(str(job['settings'].get('name', '')))}</td>"
            f"<td>{len(job['settings'].get('tasks') or [])}</td></tr>"
            for job in jobs
        ),
    )


def _run_line(run: dict[str, Any]) -> str:
    state = run["state"]
    result = state.get("result_state", "")
    return (
        f'<tr><td><a href="{run["run_page_url"]}">{run["run_id"]}</a></td><td>{escape(run["run_name"])}</td>'
        f'<td>{run["run_type"]}</td><td>{state["life_cycle_state"]}</td><td class="{result}">{result}</td></tr>'
    )


@router.get("/jobs/{job_id}/runs/{run_id}", response_class=HTMLResponse)
async def job_run_page(request: Request, job_id: int, run_id: int) -> str:
    """The page of a job run."""
    return _page(existing_run(_engine(request), run_id).to_api(""))


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: int) -> str:
    """The page of a one-time run."""
    return _page(existing_run(_engine(request), run_id).to_api(""))


@router.get("/runs/{task_run_id}/logs", response_class=PlainTextResponse)
async def task_logs(request: Request, task_run_id: int) -> str:
    """The captured stdout and stderr of a task run."""
    path = _engine(request).folder(task_run_id) / LOG_FILE
    return path.read_text(errors="replace") if path.exists() else ""


def _page(run: dict[str, Any]) -> str:
    state = run["state"]
    return PAGE.format(
        title=escape(f"{run['run_name']} — run {run['run_id']}"),
        refresh=2 if "result_state" not in state else 3600,
        result=state.get("result_state", ""),
        life=state["life_cycle_state"],
        message=escape(state.get("state_message", "")),
        facts=escape(_facts(run)),
        rows="".join(_row(task) for task in run["tasks"]),
    )


def _facts(run: dict[str, Any]) -> str:
    parameters = {p["name"]: p.get("value") for p in run.get("job_parameters") or []}
    facts = [
        f"{run['run_type']}",
        f"run duration {run['run_duration']} ms",
        f"queued {run['queue_duration']} ms",
    ]
    if parameters:
        facts.append(f"parameters {parameters}")
    if run.get("repair_history"):
        facts.append(f"repairs {len(run['repair_history']) - 1}")
    return " · ".join(facts)


def _row(task: dict[str, Any]) -> str:
    state = task["state"]
    result = state.get("result_state", "")
    cells = (
        escape(task["task_key"]),
        str(task["run_id"]),
        str(task["attempt_number"]),
        state["life_cycle_state"],
        f'<span class="{result}">{result}</span>',
        str(task["run_duration"]),
        escape(state.get("state_message", "")),
        f'<a href="/runs/{task["run_id"]}/logs">logs</a>',
    )
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
