"""The `lakerun` command: one sub-command group per area, each a thin shell over its facade."""

from __future__ import annotations

import typer

from lakerun import __version__
from lakerun.cli import convert, onboard, pipeline, quality, runs, serve, tokens, up, workspace

app = typer.Typer(help="lakerun: run, track and test work on Databricks.", no_args_is_help=True)
app.add_typer(workspace.app, name="workspace")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(quality.app, name="quality")
app.add_typer(runs.app, name="runs")
app.add_typer(convert.app, name="convert")
app.add_typer(tokens.app, name="tokens")
app.add_typer(serve.db_app, name="db")
app.command("profile")(quality.profile)
app.command("up")(up.up)
app.command("serve")(serve.serve)
app.command("onboard")(onboard.onboard_command)


@app.command()
def version() -> None:
    """Print the installed lakerun version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
