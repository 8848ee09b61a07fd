"""`lakerun runs ...`: trigger, list, show, watch, cancel, retry and repair attempts through the control plane's HTTP API."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from lakerun.client import AttemptOut, Lakerun

app = typer.Typer(
    help="Trigger, list, show, watch, cancel, retry and repair runs through the control plane.",
    no_args_is_help=True,
)
TERMINAL = {"SUCCESS", "FAILED", "CANCELLED", "TIMEDOUT", "SKIPPED"}
STYLE = {"SUCCESS": "green", "FAILED": "red", "TIMEDOUT": "red", "CANCELLED": "yellow", "RUNNING": "cyan"}


@app.callback()
def connection(
    ctx: typer.Context,
    url: str = typer.Option("http://127.0.0.1:8800", envvar="LAKERUN_URL", help="Control plane URL."),
    token: str | None = typer.Option(
        None, envvar="LAKERUN_API_TOKEN", help="API token; read from .lakerun/api-token when not given."
    ),
) -> None:
    """Where the control plane is and how to authenticate."""
    token_file = Path(os.environ.get("LAKERUN_HOME", ".lakerun")) / "api-token"
    if token is None and token_file.exists():
        token = token_file.read_text().strip()
    ctx.obj = {"url": url.rstrip("/"), "token": token or ""}


@contextmanager
def _client(ctx: typer.Context) -> Iterator[Lakerun]:
    """The client library on the configured control plane; its errors end the command with exit code 1."""
    from lakerun.client import Lakerun, LakerunError

    try:
        with Lakerun(ctx.obj["url"], ctx.obj["token"]) as client:
            yield client
    except LakerunError as exc:
        typer.echo(f"error {exc}", err=True)
        raise typer.Exit(1) from exc


def _parameters(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"{pair!r} must look like name=value", param_hint="--param")
        values[name] = value
    return values


def _tasks(python_file: str | None, tasks_file: Path | None) -> list[dict[str, Any]]:
    if tasks_file is not None:
        tasks = json.loads(tasks_file.read_text())
        if not isinstance(tasks, list):
            raise typer.BadParameter(
                "must hold a JSON list of Databricks task specs", param_hint="--tasks-file"
            )
        return tasks
    if python_file:
        return [{"task_key": "main", "spark_python_task": {"python_file": python_file}}]
    return []


@app.command()
def trigger(  # noqa: PLR0917 - each CLI option is a parameter
    ctx: typer.Context,
    subject: str = typer.Argument(..., help="Subject key (flow id, table group, layer...)."),
    kind: str = typer.Option("default", help="Subject kind."),
    workspace: str = typer.Option("local", help="Registered workspace."),
    strategy: str = typer.Option("one_time", help="one_time, job_per_attempt or shared_job."),
    job_key: str | None = typer.Option(None, help="Registered job key (shared_job)."),
    python_file: str | None = typer.Option(None, help="Run this python file as a single task."),
    tasks_file: Path | None = typer.Option(None, help="JSON file with a list of Databricks task specs."),
    param: list[str] = typer.Option([], help="Parameter name=value (repeatable)."),
    callbacks: bool = typer.Option(True, help="Give the task a signed callback URL."),
    wait: bool = typer.Option(False, help="Watch the attempt live until it ends."),
    concurrency: str | None = typer.Option(
        None,
        help="While the subject has an active attempt: allow (start another), refuse (error) or queue "
        "(start once it ends). Default: the server's concurrency_policy.",
    ),
) -> None:
    """Trigger an attempt and print its id; with --wait, watch it and exit non-zero unless it succeeds."""
    tasks, parameters = _tasks(python_file, tasks_file), _parameters(param)
    with _client(ctx) as client:
        attempt = client.trigger(
            subject,
            subject_kind=kind,
            workspace=workspace,
            strategy=strategy,
            job_key=job_key,
            tasks=tasks,
            parameters=parameters,
            callbacks=callbacks,
            triggered_by="cli",
            concurrency=concurrency,
        )
    _then_wait(ctx, attempt, wait)


@app.command("list")
def list_runs(  # noqa: PLR0917 - each CLI option is a parameter
    ctx: typer.Context,
    status: list[str] = typer.Option([], help="Only these statuses (repeatable)."),
    subject: str | None = typer.Option(None, help="Only this subject key."),
    kind: str | None = typer.Option(None, help="Only this subject kind."),
    limit: int = typer.Option(20, min=1, max=500),
    offset: int = typer.Option(0, min=0),
) -> None:
    """List attempts, newest first."""
    from rich.console import Console
    from rich.table import Table

    with _client(ctx) as client:
        page = client.list(status=status, subject_key=subject, subject_kind=kind, limit=limit, offset=offset)
    table = Table(title=f"attempts {offset + 1}-{offset + len(page.items)} of {page.total}")
    for column in ("attempt", "subject", "#", "status", "strategy", "run", "created"):
        table.add_column(column, overflow="fold")
    for item in page.items:
        subject_name = f"{item.subject['kind']}/{item.subject['key']}"
        table.add_row(
            item.id,
            subject_name,
            str(item.attempt_number),
            f"[{STYLE.get(item.status, 'white')}]{item.status}[/]",
            item.strategy,
            str(item.run_id or ""),
            item.created_at.isoformat()[:19],
        )
    Console().print(table)


def _summary(attempt: AttemptOut) -> str:
    """One line about an attempt: id, number, subject, status and the error if it has one."""
    subject = f"{attempt.subject['kind']}/{attempt.subject['key']}"
    error = f" - {attempt.error}" if attempt.error else ""
    return f"attempt {attempt.id} (#{attempt.attempt_number} of {subject}): {attempt.status}{error}"


def _then_wait(ctx: typer.Context, attempt: AttemptOut, wait: bool) -> None:
    """Print the attempt; with `wait`, follow it and exit non-zero unless it succeeds."""
    typer.echo(_summary(attempt))
    if wait:
        final = _watch(ctx, subjects=[], attempts=[attempt.id])
        if final.get(attempt.id, {}).get("state") != "SUCCESS":
            raise typer.Exit(1)


@app.command()
def show(ctx: typer.Context, attempt_id: str = typer.Argument(..., help="Attempt id.")) -> None:
    """An attempt with its tasks and status transitions (`--json` style output, for scripts too)."""
    with _client(ctx) as client:
        detail = client.get(attempt_id)
    typer.echo(json.dumps(detail.model_dump(mode="json"), indent=2))


@app.command()
def cancel(ctx: typer.Context, attempt_id: str = typer.Argument(..., help="Attempt id.")) -> None:
    """Cancel the attempt's run and wait until the workspace confirms it ended."""
    with _client(ctx) as client:
        typer.echo(_summary(client.cancel(attempt_id)))


@app.command()
def retry(
    ctx: typer.Context,
    attempt_id: str = typer.Argument(..., help="Attempt id."),
    wait: bool = typer.Option(
        False, "--wait", help="Follow the new attempt; exit non-zero unless it succeeds."
    ),
    concurrent: bool = typer.Option(
        False, "--concurrent", help="Start it even while the retried attempt is still active."
    ),
) -> None:
    """Start a new attempt of the same subject with the same work (refused while the attempt is active)."""
    with _client(ctx) as client:
        attempt = client.retry(attempt_id, concurrent=concurrent)
    _then_wait(ctx, attempt, wait)


@app.command()
def repair(
    ctx: typer.Context,
    attempt_id: str = typer.Argument(..., help="Attempt id of a failed, timed-out or cancelled run."),
    task: list[str] = typer.Option([], help="Task key to re-run (repeatable; default: every failed task)."),
    wait: bool = typer.Option(False, "--wait", help="Follow the repair; exit non-zero unless it succeeds."),
) -> None:
    """Re-run the failed (or the named) tasks of a finished run, as a new attempt on the same run."""
    with _client(ctx) as client:
        attempt = client.repair(attempt_id, task or None)
    _then_wait(ctx, attempt, wait)


@app.command()
def watch(
    ctx: typer.Context,
    subject: list[str] = typer.Option([], help="Follow this subject key (repeatable)."),
    attempt: list[str] = typer.Option(
        [], help="Follow this attempt id (repeatable); exits when all have ended."
    ),
) -> None:
    """A live view of run events from the WebSocket (everything when no filter is given); the client reconnects
    and resumes by event id, and the API is polled while the stream is lost."""
    _watch(ctx, subject, attempt)


def _watch(ctx: typer.Context, subjects: list[str], attempts: list[str]) -> dict[str, dict[str, Any]]:
    """Follows the attempts live through the client; while its event stream is lost, polls the API."""
    from rich.live import Live

    from lakerun.cli.watching import Follower

    follower = Follower(subjects, attempts)
    try:
        with _client(ctx) as client, Live(_view(follower.seen), refresh_per_second=8) as live:
            follower.follow(client, lambda: live.update(_view(follower.seen)))
    except KeyboardInterrupt:
        pass
    return follower.seen


def _view(seen: dict[str, dict[str, Any]]) -> Any:
    from rich.progress_bar import ProgressBar
    from rich.table import Table

    table = Table(title="lakerun runs (live)")
    for column in ("attempt", "subject", "state", "progress", "eta", "run"):
        table.add_column(column)
    for attempt_id, event in seen.items():
        subject = event.get("subject") or {}
        progress = event.get("progress")
        eta = event.get("eta_seconds")
        table.add_row(
            attempt_id[:8],
            f"{subject.get('kind')}/{subject.get('key')}",
            f"[{STYLE.get(event.get('state', ''), 'white')}]{event.get('state')}[/]",
            ProgressBar(total=1.0, completed=progress or 0.0, width=20) if progress is not None else "",
            f"{eta:.0f}s" if eta is not None else "",
            event.get("run_url") or "",
        )
    return table
