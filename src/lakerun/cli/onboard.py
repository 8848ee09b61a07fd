"""`lakerun onboard`: install the executor into a workspace (seed 000's installation flow), step by step.

The workspace token comes from the SDK's usual sources (`DATABRICKS_TOKEN`, a config profile); the
platform credential from `LAKERUN_API_KEY`. Neither is printed.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer
from rich.console import Console

_console = Console(stderr=True)


def _show(step: dict[str, Any]) -> None:
    mark = "[green]✓[/green]" if step["status"] == "ok" else "[red]✗[/red]"
    _console.print(f"{mark} {step['step']}: {step.get('detail') or step.get('error')}")


PROBE_SECONDS = 10.0


def _client(workspace: str, retry_seconds: int) -> Any:
    """An SDK client for a workspace that answers; a clear error and exit code 2 otherwise, not a long hang."""
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.config import Config

    from lakerun.control.workspaces import unreachable

    problem = unreachable(workspace, timeout=PROBE_SECONDS)
    if problem is not None:
        _console.print(f"[red]cannot reach {workspace}[/red]: {problem}")
        raise typer.Exit(2)
    try:
        return WorkspaceClient(config=Config(host=workspace, retry_timeout_seconds=retry_seconds))
    except ValueError as exc:
        _console.print(f"[red]cannot authenticate to {workspace}[/red]: {str(exc).splitlines()[0]}")
        raise typer.Exit(2) from exc


def onboard_command(
    *,
    workspace: Annotated[str, typer.Option("--workspace", help="Workspace URL (local or Databricks).")],
    cluster_id: Annotated[str, typer.Option("--cluster-id", help="Cluster to install lakerun on.")],
    wheel: Annotated[
        str, typer.Option("--wheel", help="Local lakerun .whl (uploaded to DBFS) or its dbfs:/ path.")
    ],
    tenant_id: Annotated[str, typer.Option("--tenant-id")] = "default",
    data_source_path: Annotated[
        str | None,
        typer.Option("--data-source-path", help="Also create metadata_extraction and full_pipeline jobs."),
    ] = None,
    source_type: Annotated[str, typer.Option("--source-type")] = "auto",
    secret_scope: Annotated[str, typer.Option("--secret-scope")] = "lakerun-executor",
    api_endpoint: Annotated[
        str | None, typer.Option("--api-endpoint", envvar="LAKERUN_API_ENDPOINT", help="Platform ingest URL.")
    ] = None,
    timeout_seconds: Annotated[int, typer.Option("--timeout-seconds")] = 900,
    retry_seconds: Annotated[
        int, typer.Option("--retry-seconds", help="How long to retry a workspace that answers 429/5xx.")
    ] = 60,
) -> None:
    """Install lakerun on a cluster, store the platform credential, create the executor jobs, run schema_validation."""
    from lakerun.executor.onboarding import OnboardingOptions, onboard

    client = _client(workspace, retry_seconds)

    options = OnboardingOptions(
        cluster_id=cluster_id,
        wheel=wheel,
        tenant_id=tenant_id,
        data_source_path=data_source_path,
        source_type=source_type,
        secret_scope=secret_scope,
        platform_endpoint=api_endpoint,
        platform_credential=os.environ.get("LAKERUN_API_KEY"),
        timeout_seconds=timeout_seconds,
    )
    report = onboard(client, options, on_step=_show)
    typer.echo(json.dumps(report.as_dict(), indent=2, default=str))
    raise typer.Exit(0 if report.ok else 1)
