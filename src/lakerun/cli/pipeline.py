"""`lakerun pipeline ...`: run, validate, plan and export config-driven medallion pipelines."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="Config-driven medallion pipelines: a graph of tables in layers (raw → bronze → silver → gold).",
    no_args_is_help=True,
)

ConfigOption = Annotated[str, typer.Option("--config", "-c", help="Pipeline (or layer) config file.")]
VarsOption = Annotated[list[str] | None, typer.Option("--vars", help="Template variable k=v (repeatable).")]
LayerOption = Annotated[
    list[str] | None, typer.Option("--layer", "-l", help="Layer to act on (repeatable; all by default).")
]
TableOption = Annotated[
    list[str] | None, typer.Option("--table", "-t", help="Table to act on (repeatable; all by default).")
]


@app.command()
def run(
    config: ConfigOption,
    *,
    layer: LayerOption = None,
    table: TableOption = None,
    vars: VarsOption = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark (the config's by default).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and print the plan; write nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
    full_refresh: Annotated[
        list[str] | None,
        typer.Option("--full-refresh", help="Rebuild this table or layer from scratch (repeatable; `all`)."),
    ] = None,
    backfill: Annotated[
        str | None, typer.Option(help="Reprocess this table's rows whose watermark is in --start..--end.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="Backfill range start (inclusive).")] = None,
    end: Annotated[str | None, typer.Option(help="Backfill range end (inclusive).")] = None,
) -> None:
    """Plan every table, then run the selected ones in graph order; print each table's result as JSON."""
    from lakerun.pipeline import commands
    from lakerun.pipeline.runner import RefreshRequest

    if backfill and not (start and end):
        typer.echo("error: --backfill needs --start and --end", err=True)
        raise typer.Exit(2)
    refresh = RefreshRequest(
        full_refresh=tuple(full_refresh or ()),
        backfill=(backfill, start or "", end or "") if backfill else None,
    )
    selection = [*(table or []), *(layer or [])]
    raise typer.Exit(
        commands.run(
            config,
            layers=selection,
            variables=vars,
            engine=engine,
            dry_run=dry_run,
            quiet=quiet,
            refresh=refresh,
        )
    )


@app.command()
def validate(config: ConfigOption, vars: VarsOption = None) -> None:
    """Check a config: unknown keys, wrong types, unknown layers and variables are errors."""
    from lakerun.pipeline import commands

    raise typer.Exit(commands.validate(config, vars))


@app.command()
def plan(
    config: ConfigOption,
    *,
    layer: LayerOption = None,
    table: TableOption = None,
    vars: VarsOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    dialect: Annotated[str, typer.Option(help="Dialect of the SQL shown in text plans.")] = "duckdb",
) -> None:
    """Dry run: check every table's sources, columns, types and SQL, then print the graph and the plans."""
    from lakerun.pipeline import commands

    selection = [*(table or []), *(layer or [])]
    raise typer.Exit(
        commands.plan(config, layers=selection, variables=vars, as_json=json_output, dialect=dialect)
    )


@app.command()
def export(
    config: ConfigOption,
    *,
    output_format: Annotated[str, typer.Option("--format", help="jobs-json or bundle.")] = "jobs-json",
    out: Annotated[str | None, typer.Option("--out", "-o", help="File to write (stdout by default).")] = None,
    wheel: Annotated[str | None, typer.Option(help="The lakerun wheel as tasks see it.")] = None,
    config_path: Annotated[str | None, typer.Option(help="The config file as tasks see it.")] = None,
    cluster_id: Annotated[str | None, typer.Option(help="Run on this existing cluster.")] = None,
    node_type_id: Annotated[
        str | None, typer.Option(help="Run on a new job cluster of this node type.")
    ] = None,
    spark_version: Annotated[str | None, typer.Option(help="Runtime of the new job cluster.")] = None,
    workers: Annotated[int, typer.Option(help="Workers of the new job cluster.")] = 1,
    layer: LayerOption = None,
    table: TableOption = None,
    vars: VarsOption = None,
    engine: Annotated[str | None, typer.Option(help="Engine the tasks use.")] = None,
    task_per: Annotated[str, typer.Option(help="One task per `table` or per `layer`.")] = "table",
) -> None:
    """Write a multi-task Databricks job (a wheel task per table or layer) as Jobs API JSON or a bundle."""
    if output_format not in ("jobs-json", "bundle"):
        typer.echo(f"error: --format must be jobs-json or bundle, not {output_format}", err=True)
        raise typer.Exit(2)
    if task_per not in ("table", "layer"):
        typer.echo(f"error: --task-per must be table or layer, not {task_per}", err=True)
        raise typer.Exit(2)
    options = {
        "wheel": wheel,
        "config_path": config_path,
        "cluster_id": cluster_id,
        "node_type_id": node_type_id,
        "spark_version": spark_version,
        "workers": workers,
        "layers": [*(table or []), *(layer or [])],
        "engine": engine,
        "task_per": task_per,
    }
    from lakerun.pipeline import commands

    raise typer.Exit(commands.export(config, output_format, out, options, vars))


@app.command()
def schema(out: Annotated[str | None, typer.Option("--out", "-o", help="File to write.")] = None) -> None:
    """Print the JSON Schema of pipeline config files."""
    from lakerun.pipeline import commands

    raise typer.Exit(commands.schema(out))
