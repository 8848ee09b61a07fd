"""`lakerun workspace ...`: the local Databricks-compatible workspace."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="The local Databricks-compatible workspace.", no_args_is_help=True)

FAULT_HELP = (
    "Inject a fault (repeatable): KIND[:key=value,...] with KIND error|latency|cluster-start, e.g. "
    "'error:status=429,path=jobs/runs/get,rate=0.3,retry_after=2', 'latency:latency_ms=200,path=jobs/*', "
    "'cluster-start:seconds=5'. Keys: path (glob after /api/<version>/), method, rate, times, status, "
    "retry_after, latency_ms, seconds."
)


OAUTH_CLIENT_OPTION: list[str] = typer.Option(
    [],
    envvar="LAKERUN_WORKSPACE_OAUTH_CLIENTS",
    help="OAuth M2M service principal CLIENT_ID:SECRET (repeatable; the variable takes a space-separated "
    "list, which keeps secrets out of the process list).",
)


def parse_oauth_clients(specs: list[str]) -> dict[str, str]:
    """`CLIENT_ID:SECRET` items as a client id → secret map; errors name the client, never the secret."""
    clients: dict[str, str] = {}
    for spec in specs:
        client_id, sep, secret = spec.partition(":")
        if not sep:
            raise ValueError("--oauth-client must look like CLIENT_ID:SECRET; an item has no ':'")
        if not client_id.strip() or not secret:
            missing = "secret" if client_id.strip() else "client id"
            raise ValueError(
                f"--oauth-client must look like CLIENT_ID:SECRET; an item has an empty {missing}"
            )
        clients[client_id.strip()] = secret
    return clients


@app.command()
def serve(  # noqa: PLR0917 - each CLI option is a parameter
    root: Path = typer.Option(Path(".lakerun/workspace"), help="Folder holding the workspace state."),
    port: int = typer.Option(8765, help="TCP port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    token: list[str] = typer.Option(
        [],
        help="Accepted bearer token (repeatable); default: LAKERUN_WORKSPACE_TOKENS (comma-separated) or "
        "LAKERUN_WORKSPACE_TOKEN, else dapi-local.",
    ),
    fault: list[str] = typer.Option([], help=FAULT_HELP),
    faults_file: Path | None = typer.Option(
        None, help="JSON or YAML file with a list of fault rules (same keys)."
    ),
    max_parallel_tasks: int = typer.Option(8, min=1, help="Task processes allowed to run at once."),
    oauth_client: list[str] = OAUTH_CLIENT_OPTION,
    oauth_token_seconds: int = typer.Option(
        3600, min=1, help="Lifetime of issued OAuth access tokens, in seconds."
    ),
) -> None:
    """Serve the local workspace until interrupted."""
    from lakerun.local.config import WorkspaceConfig
    from lakerun.local.faults import rules_from_cli
    from lakerun.local.server import serve as serve_workspace
    from lakerun.local.workspace_tokens import accepted_tokens

    try:
        faults = rules_from_cli(fault, faults_file)
        oauth_clients = parse_oauth_clients(oauth_client)
        tokens = accepted_tokens(token)
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    config = WorkspaceConfig(
        root=root.expanduser().resolve(),
        tokens=tokens,
        host=host,
        port=port,
        faults=faults,
        max_parallel_tasks=max_parallel_tasks,
        oauth_clients=oauth_clients,
        oauth_token_seconds=oauth_token_seconds,
    )
    typer.echo(f"lakerun local workspace on {config.url} (root {config.root})")
    for rule in faults:
        typer.echo(f"fault: {rule}")
    for client_id in oauth_clients:
        typer.echo(f"oauth client: {client_id}")
    serve_workspace(config)
