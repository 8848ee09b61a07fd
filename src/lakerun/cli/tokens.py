"""`lakerun tokens ...`: create, list and revoke API tokens directly in the control plane's database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer
from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(
    help="Create, list and revoke API tokens (in the control plane's database; no server needed).",
    no_args_is_help=True,
)


@dataclass
class Database:
    """The control plane's database, opened by the CLI (the `TokenStore` the token functions take)."""

    sessions: sessionmaker[Session]


@app.callback()
def database(
    ctx: typer.Context,
    home: Path = typer.Option(
        Path(".lakerun"),
        envvar="LAKERUN_HOME",
        help="Control-plane home (SQLite database when no URL is given).",
    ),
    database_url: str | None = typer.Option(
        None,
        envvar="LAKERUN_DATABASE_URL",
        help="Control-plane database URL; SQLite under --home when empty.",
    ),
) -> None:
    """Which control-plane database to work on."""
    from lakerun.store.db import default_url, make_engine, session_factory, upgrade

    if database_url is None and not (home / "control.db").exists():
        typer.echo(
            f"error: no control-plane database at {home / 'control.db'}; give --home or --database-url",
            err=True,
        )
        raise typer.Exit(1)
    engine = make_engine(database_url or default_url(home))
    upgrade(engine)
    ctx.obj = Database(session_factory(engine))
    ctx.call_on_close(engine.dispose)


@app.command()
def create(
    ctx: typer.Context,
    name: str = typer.Option(..., help="What the token is for, e.g. portal-backend."),
    scope: str = typer.Option("read", help="read, trigger or admin."),
    expires_in: str | None = typer.Option(
        None, help="Lifetime such as 30d, 12h, 90m; never expires if empty."
    ),
) -> None:
    """Issue a token and print it once (only its hash is stored)."""
    from lakerun.control.tokens import check_scope, create_token, parse_duration

    try:
        lifetime = parse_duration(expires_in) if expires_in else None
        token, info = create_token(ctx.obj, name, check_scope(scope), lifetime)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    expiry = info.expires_at.isoformat(timespec="seconds") if info.expires_at else "never"
    typer.echo(f"token {info.id} {info.name!r} scope {info.scope}, expires {expiry} (shown once):", err=True)
    typer.echo(token)


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every token: id, name, scope, created, expires, revoked (never the token)."""
    from rich.console import Console
    from rich.table import Table

    from lakerun.control.tokens import list_tokens

    table = Table(title="API tokens")
    for column in ("id", "name", "scope", "created", "expires", "revoked"):
        table.add_column(column, overflow="fold")
    for info in list_tokens(ctx.obj):
        table.add_row(
            str(info.id),
            info.name,
            info.scope,
            info.created_at.isoformat(timespec="seconds"),
            info.expires_at.isoformat(timespec="seconds") if info.expires_at else "never",
            info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "",
        )
    Console(width=160).print(table)


@app.command()
def revoke(
    ctx: typer.Context, name_or_id: str = typer.Argument(..., help="Token id, or name (all of that name).")
) -> None:
    """Revoke tokens; servers close their WebSockets and dashboard sessions within a second."""
    from lakerun.control.tokens import revoke_token

    try:
        revoked = revoke_token(ctx.obj, name_or_id)
    except LookupError as exc:
        typer.echo(f"error: {exc.args[0]}", err=True)
        raise typer.Exit(1) from exc
    for info in revoked:
        typer.echo(f"revoked token {info.id} {info.name!r}")
