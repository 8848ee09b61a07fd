"""`lakerun serve` (the control plane alone, from a config file) and `lakerun db upgrade`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from lakerun.control.serve_config import ServeConfig

db_app = typer.Typer(help="The control plane's database.", no_args_is_help=True)
CONFIG_OPTION: Path | None = typer.Option(
    None,
    "--config",
    "-c",
    envvar="LAKERUN_CONFIG",
    help="lakerun.toml or .yaml (see `lakerun serve --print-schema`); LAKERUN_<KEY> variables override it.",
)


def serve(  # noqa: PLR0917 - each CLI option is a parameter
    config: Path | None = CONFIG_OPTION,
    host: str | None = typer.Option(None, help="Interface to bind (overrides server.host)."),
    port: int | None = typer.Option(None, help="TCP port (overrides server.port and DATABRICKS_APP_PORT)."),
    workers: int | None = typer.Option(None, min=1, help="Server processes (PostgreSQL when more than one)."),
    log_format: str | None = typer.Option(None, help="text or json (overrides server.log_format)."),
    print_schema: bool = typer.Option(False, help="Print the config file's JSON Schema and exit."),
    check_only: bool = typer.Option(False, "--check", help="Validate the configuration and exit."),
) -> None:
    """Serve the control plane alone (API, WebSocket, dashboard, reconciler, notifier) against its workspaces."""
    from lakerun.control.serve_config import json_schema

    if print_schema:
        typer.echo(json.dumps(json_schema(), indent=2))
        return
    settings = _load(config, host=host, port=port, workers=workers, log_format=log_format)
    if check_only:
        typer.echo(f"{config or 'environment'}: valid")
        return
    _serve(settings)


def _load(config: Path | None, **server: object) -> ServeConfig:
    """The validated configuration with CLI flags applied; a bad one exits 2 naming the key."""
    from lakerun.control.serve_config import ConfigError, ServeConfig, load_config
    from lakerun.server.service import check

    try:
        loaded = load_config(config)
        given = {k: v for k, v in server.items() if v is not None}
        if given:
            merged = {**loaded.server.model_dump(), **given}
            loaded = ServeConfig.model_validate({**loaded.model_dump(exclude={"server"}), "server": merged})
        check(loaded)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return loaded


def _serve(settings: ServeConfig) -> None:
    from lakerun.server import logs, service
    from lakerun.store.db import SchemaTooNewError

    logs.configure(settings.server.log_format, settings.server.log_level)
    try:
        prepared = service.prepare(settings)
    except SchemaTooNewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    for line in prepared.workspaces.lines() if prepared.workspaces else []:
        typer.echo(line)
    where = f"http://{settings.server.host}:{settings.server.port}"
    typer.echo(f"control plane: {where}  ({settings.server.workers} worker(s); API docs at {where}/docs)")
    service.run(settings)


@db_app.command()
def upgrade(config: Path | None = CONFIG_OPTION) -> None:
    """Migrate the control-plane database to this lakerun's schema (refuses a database from a newer lakerun)."""
    from lakerun.control.serve_config import ConfigError, load_config
    from lakerun.store.db import SchemaTooNewError, make_engine, schema_state
    from lakerun.store.db import upgrade as migrate

    try:
        settings = load_config(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = make_engine(settings.resolved_database_url())
    try:
        before = schema_state(engine).current
        migrate(engine)
        after = schema_state(engine).current
    except SchemaTooNewError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(
        f"database at revision {after}" + (f" (was {before})" if before != after else " (already current)")
    )
