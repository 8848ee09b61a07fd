"""`lakerun pipeline ...`: run, validate, plan and export config-driven medallion pipelines."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    help="Config-driven medallion pipelines (raw → bronze → silver → gold).", no_args_is_help=True
)

ConfigOption = Annotated[str, typer.Option("--config", "-c", help="Pipeline (or layer) config file.")]
VarsOption = Annotated[list[str] | None, typer.Option("--vars", help="Template variable k=v (repeatable).")]
LayerOption = Annotated[
    list[str] | None, typer.Option("--layer", "-l", help="Layer to act on (repeatable; all by default).")
]


@app.command()
def run(
    config: ConfigOption,
    *,
    layer: LayerOption = None,
    vars: VarsOption = None,
    engine: Annotated[str | None, typer.Option(help="duckdb or spark (the config's by default).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and print the plan; write nothing.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
) -> None:
    """Run the pipeline's layers in order and print each layer's result as JSON."""
    from lakerun.pipeline import commands

    raise typer.Exit(
        commands.run(config, layers=layer, variables=vars, engine=engine, dry_run=dry_run, quiet=quiet)
    )


@app.command()
def validate(config: ConfigOption, vars: VarsOption = None) -> None:
    """Check a config: unknown keys, wrong types, unknown layers and variables are errors."""
    from lakerun.pipeline import commands

    raise typer.Exit(commands.validate(config, vars))


@app.command()
def plan(
    config: ConfigOption,
    layer: LayerOption = None,
    vars: VarsOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    dialect: Annotated[str, typer.Option(help="Dialect of the SQL shown in text plans.")] = "duckdb",
) -> None:
    """Dry run: check sources and columns, then print each layer's plan (SQL, expectations, sink)."""
    from lakerun.pipeline import commands

    raise typer.Exit(
        commands.plan(config, layers=layer, variables=vars, as_json=json_output, dialect=dialect)
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
    vars: VarsOption = None,
    engine: Annotated[str | None, typer.Option(help="Engine the tasks use.")] = None,
) -> None:
    """Write a multi-task Databricks job (one wheel task per layer) as Jobs API JSON or a bundle."""
    if output_format not in ("jobs-json", "bundle"):
        typer.echo(f"error: --format must be jobs-json or bundle, not {output_format}", err=True)
        raise typer.Exit(2)
    options = {
        "wheel": wheel,
        "config_path": config_path,
        "cluster_id": cluster_id,
        "node_type_id": node_type_id,
        "spark_version": spark_version,
        "workers": workers,
        "layers": layer,
        "engine": engine,
    }
    from lakerun.pipeline import commands

    raise typer.Exit(commands.export(config, output_format, out, options, vars))


@app.command()
def schema(out: Annotated[str | None, typer.Option("--out", "-o", help="File to write.")] = None) -> None:
    """Print the JSON Schema of pipeline config files."""
    from lakerun.pipeline import commands

    raise typer.Exit(commands.schema(out))
