"""`lakerun up`: the local workspace and the control plane in one command, with a demo run through both."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lakerun.cli.workspace import OAUTH_CLIENT_OPTION, parse_oauth_clients

if TYPE_CHECKING:
    from lakerun.control.plane import ControlPlane
    from lakerun.server.serve import RunningServer

LOCAL_TOKEN_ENV = "LAKERUN_LOCAL_WORKSPACE_TOKEN"
DEMO_PATH = "/Shared/lakerun/demo_callbacks.py"
DEMO_SCRIPT = b'''"""lakerun demo task: greets, then reports progress and its result to the control plane."""
import sys

from lakerun.executor.callbacks import CallbackClient

print("hello from the lakerun local workspace", [a for a in sys.argv[1:] if not a.startswith("--lakerun-")])
client = CallbackClient.from_env()
if client:
    client.progress(0.5, "greeting sent")
    client.send("completed", {"result": {"greeting": "hello"}})
'''


def up(  # noqa: PLR0917 - each CLI option is a parameter
    root: Path = typer.Option(Path(".lakerun"), help="Folder holding all local state."),
    port: int = typer.Option(8765, help="Port of the local workspace."),
    control_port: int = typer.Option(8800, help="Port of the control plane (API, WebSocket, dashboard)."),
    database_url: str | None = typer.Option(
        None, envvar="LAKERUN_DATABASE_URL", help="Control-plane database; SQLite under --root when empty."
    ),
    cors_origin: list[str] = typer.Option([], help="Browser origin allowed to call the API (repeatable)."),
    demo: bool = typer.Option(True, help="Run the demo job through the control plane once started."),
    demo_pipeline: bool = typer.Option(True, help="Register and run the demo raw → gold pipeline."),
    demo_quality: bool = typer.Option(True, help="Register a table group over the demo data and profile it."),
    demo_flows: bool = typer.Option(True, help="Load the example NiFi flows, convert them, deploy one."),
    exit_after_demo: bool = typer.Option(False, help="Stop once the demo run has finished."),
    oauth_client: list[str] = OAUTH_CLIENT_OPTION,
) -> None:
    """Start the local workspace and the control plane, run the demo through them, and keep serving."""
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.server import start_in_thread

    try:
        oauth_clients = parse_oauth_clients(oauth_client)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    root = root.expanduser().resolve()
    config = WorkspaceConfig(root=root / "workspace", port=port, oauth_clients=oauth_clients)
    workspace = start_in_thread(config)
    typer.echo(f"local workspace: {workspace.url}  (token: {workspace.token})")
    for client_id in oauth_clients:
        typer.echo(f"  oauth client: {client_id}")
    os.environ[LOCAL_TOKEN_ENV] = workspace.token
    try:
        control = _start_control_plane(root, control_port, database_url, workspace.url, cors_origin)
    except Exception as exc:
        workspace.stop()
        typer.echo(f"error: the control plane did not start: {exc}", err=True)
        raise typer.Exit(1) from exc
    try:
        if demo:
            typer.echo(_run_demo(control.plane))
        if demo_pipeline:
            from lakerun.cli.demo_pipeline import run_demo_pipeline

            typer.echo("demo pipeline: building the wheel and running raw → bronze → silver → gold ...")
            typer.echo(run_demo_pipeline(control.plane, root))
        if demo_quality:
            from lakerun.cli.demo_quality import run_demo_quality

            typer.echo("demo data quality: profiling the raw pet claims ...")
            typer.echo(run_demo_quality(control.plane, root))
        if demo_flows:
            from lakerun.cli.demo_flows import run_demo_flows

            typer.echo("demo flows: converting the example NiFi flows ...")
            typer.echo(run_demo_flows(control.plane, root))
        if not exit_after_demo:
            typer.echo("serving; press Ctrl+C to stop")
            while workspace.thread.is_alive() and control.thread.is_alive():
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        control.stop()
        control.plane.stop()
        workspace.stop()


def _start_control_plane(
    root: Path, port: int, database_url: str | None, workspace_url: str, cors_origins: list[str]
) -> RunningServer:
    from lakerun.control.plane import ControlPlane
    from lakerun.control.settings import ControlSettings
    from lakerun.control.tokens import rotate_token
    from lakerun.control.workspaces import WorkspaceSpec
    from lakerun.server.app import create_app
    from lakerun.server.serve import start_in_thread

    settings = ControlSettings(
        home=root, database_url=database_url, public_url=f"http://127.0.0.1:{port}", cors_origins=cors_origins
    )
    plane = ControlPlane(settings)
    plane.register_workspace(
        WorkspaceSpec(name="local", host=workspace_url, token_ref=f"env:{LOCAL_TOKEN_ENV}")
    )
    token_file = root / "api-token"
    rotate_token(plane.ctx, "lakerun up", api_token(token_file))
    running = start_in_thread(create_app(settings, plane), plane, "127.0.0.1", port)
    plane.start()
    typer.echo(f"control plane: {running.url}  (API: {running.url}/docs, token in {token_file})")
    typer.echo(f"dashboard: {running.url}/  (log in with the token in {token_file})")
    return running


def api_token(path: Path) -> str:
    """The API token `lakerun up` accepts: LAKERUN_API_TOKEN, else the one kept in `path` (created 0600)."""
    if os.environ.get("LAKERUN_API_TOKEN"):
        return os.environ["LAKERUN_API_TOKEN"]
    from lakerun.store.private import private_file

    private_file(path, "lrk_" + secrets.token_urlsafe(32))
    return path.read_text().strip()


def _run_demo(plane: ControlPlane) -> str:
    """Registers the demo job, triggers it as an attempt through the control plane and waits for the end."""
    from databricks.sdk.service import workspace

    from lakerun.control.attempts import TriggerRequest

    client = plane.ctx.client("local")
    client.workspace.mkdirs("/Shared/lakerun")
    client.workspace.upload(DEMO_PATH, DEMO_SCRIPT, format=workspace.ImportFormat.AUTO, overwrite=True)
    task = {
        "task_key": "hello",
        "spark_python_task": {"python_file": f"/Workspace{DEMO_PATH}", "parameters": ["--greeting=hi"]},
    }
    plane.ensure_job("local", "demo", {"name": "lakerun-demo", "tasks": [task]})
    attempt = plane.runs.trigger(
        TriggerRequest(
            subject_key="demo",
            subject_kind="demo",
            strategy="shared_job",
            job_key="demo",
            triggered_by="lakerun up",
        )
    )
    deadline = time.monotonic() + 120
    while attempt.status in ("CREATING", "QUEUED", "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.2)
        attempt = plane.runs.get(attempt.id)
    if attempt.status != "SUCCESS":
        typer.echo(
            f"demo attempt {attempt.id} ended {attempt.status}: {attempt.error or attempt.status_message}",
            err=True,
        )
        raise typer.Exit(1)
    logs = "".join(out.get("logs") or "" for out in plane.actions.output(attempt.id))
    return (
        f"demo run {attempt.run_id}: {attempt.status}  {attempt.run_page_url or ''}\n"
        f"  attempt {attempt.id} (subject demo, #{attempt.attempt_number}), result {attempt.result}\n"
        f"  task output: {logs.strip()}"
    )
