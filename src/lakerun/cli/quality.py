"""`lakerun quality ...` and `lakerun profile`: profile a file, folder, Delta table or database table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lakerun.engines.sql import EngineError
from lakerun.quality import ProfileOptions, QualityAssessment, TableProfile, evaluate, profile_table
from lakerun.quality.assessment import load_history
from lakerun.quality.catalogue import CATALOGUE
from lakerun.quality.groups import TableGroup, compare_runs, profile_group
from lakerun.quality.profile import ColumnProfile
from lakerun.quality.sources import SourceNotFoundError, open_group_source, open_source

app = typer.Typer(help="Data-quality profiling, anomalies and scores.", no_args_is_help=True)

_SUMMARY = {
    "A": ("distinct_value_ct", "min_length", "max_length", "std_pattern_match"),
    "N": ("distinct_value_ct", "min_value", "max_value", "avg_value", "percentile_50"),
    "D": ("distinct_value_ct", "min_date", "max_date"),
    "B": ("boolean_true_ct", "boolean_false_ct"),
    "X": ("distinct_value_ct",),
}


@app.command("profile")
def profile(
    target: Annotated[
        str, typer.Argument(help="File, folder or Delta table path; or a table name with --db.")
    ],
    *,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
    db: Annotated[
        str | None, typer.Option("--db", help="duckdb:///file.db or postgresql://... holding TARGET.")
    ] = None,
    exact_distinct: Annotated[bool, typer.Option("--exact-distinct", help="Exact distinct counts.")] = False,
    sample_percent: Annotated[
        float | None, typer.Option("--sample-percent", help="Profile a sample (counts scaled).")
    ] = None,
    columns: Annotated[
        str | None, typer.Option("--columns", help="Comma-separated columns (default: all).")
    ] = None,
    run_date: Annotated[
        str | None, typer.Option("--run-date", help="Reference day for recency (YYYY-MM-DD).")
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            "--history", help="Earlier --json results, oldest first: drift, and dispositions kept by key."
        ),
    ] = None,
    each: Annotated[
        bool, typer.Option("--each", help="A folder of several datasets: profile each as its own table.")
    ] = False,
) -> None:
    """Profile every column, list anomalies and print the quality scores (rich table, or --json).

    Exit codes: 0 profiled, 1 no column of some table could be profiled, 2 bad input (a missing path,
    a location holding several datasets without --each, an unreadable file).
    """
    try:
        options = ProfileOptions(
            run_date=dt.date.fromisoformat(run_date) if run_date else None,
            exact_distinct=exact_distinct,
            sample_percent=sample_percent,
            columns=tuple(c.strip() for c in columns.split(",") if c.strip()) if columns else (),
        )
        earlier, dispositions = load_history([json.loads(path.read_text()) for path in history or []])
        opened = open_source(target, db, each=each)
        with Console(stderr=True).status(f"profiling {target} ..."):
            profiles = [profile_table(opened.engine, name, options) for name in opened.tables]
        day = (options.run_date or dt.datetime.now(dt.UTC).date()).isoformat()
        profiles += [TableProfile(name, 0, [], day, opened.engine.dialect) for name in opened.empty]
        result = evaluate(
            profiles, previous=earlier[-1] if earlier else (), history=earlier, dispositions=dispositions
        )
    except (SourceNotFoundError, ValueError, EngineError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(result.to_dict(), default=str, indent=2))
    else:
        for table in result.profiles:
            _print(
                evaluate([table], dispositions=dispositions) if each else result,
                table.table_name if each else target,
            )
    _fail_when_nothing_profiled(result)


def _fail_when_nothing_profiled(result: QualityAssessment) -> None:
    """Exit 1 naming the tables none of whose columns could be profiled (their score means nothing)."""
    failed = [p for p in result.profiles if p.columns and all(c.query_error for c in p.columns)]
    if failed:
        first = failed[0].columns[0].query_error
        names = ", ".join(p.table_name for p in failed)
        typer.echo(f"error: no column of {names} could be profiled, e.g. {first}", err=True)
        raise typer.Exit(1)


@app.command("catalogue")
def catalogue() -> None:
    """List every anomaly type: likelihood, dimension, risk factor."""
    table = Table("id", "type", "object", "likelihood", "dimension", "risk", title="anomaly catalogue")
    for kind in CATALOGUE.values():
        risk = "-" if kind.risk is None else f"{kind.risk:g}"
        table.add_row(
            kind.id, kind.anomaly_type, kind.data_object, kind.likelihood, kind.dimension or "-", risk
        )
    Console().print(table)


def _print(result: QualityAssessment, target: str) -> None:
    """Columns, anomalies and scores as rich tables."""
    console = Console()
    profile = result.profiles[0]
    if not profile.columns:
        console.print(f"[bold]{target}[/]: empty (no header, no rows)")
    exact = "exact" if profile.distinct_is_exact else "approximate"
    console.print(f"[bold]{target}[/]: {profile.record_ct:,} rows, {len(profile.columns)} columns, "
                  f"duplicate rows {profile.duplicate_row_ct}, distinct counts {exact}, sample ratio {profile.sample_ratio:g}")  # fmt: skip
    columns = Table("column", "type", "nulls", "summary", "semantic", title="columns")
    for column in profile.columns:
        columns.add_row(column.column_name, f"{column.general_type} {column.db_data_type}",
                        f"{column.number('null_value_ct'):,.0f}", _summary(column), column.functional_data_type)  # fmt: skip
    console.print(columns)
    anomalies = Table("column", "anomaly", "likelihood", "dimension", "p x risk", "detail", title="anomalies")
    for anomaly in result.anomalies:
        weight = "-" if anomaly.dq_prevalence is None else f"{anomaly.dq_prevalence:.4f}"
        anomalies.add_row(anomaly.column_name or "(table)", anomaly.anomaly_type, anomaly.likelihood,
                          anomaly.dimension or "-", weight, anomaly.detail)  # fmt: skip
    console.print(anomalies)
    dimensions = "  ".join(f"{name} {score:.3f}" for name, score in result.dimensions.items())
    console.print(f"[bold]score {result.score:.4f}[/]  {dimensions}")


def _summary(column: ColumnProfile) -> str:
    """A few telling metrics for the column's general type."""
    if column.query_error:
        return f"[red]error: {column.query_error}[/]"
    parts = [
        f"{name.removesuffix('_ct')}={_short(column.metrics.get(name))}"
        for name in _SUMMARY[column.general_type]
    ]
    if column.top_values:
        parts.append("top=" + ", ".join(f"{v!r}:{n}" for v, n in column.top_values[:3]))
    return " ".join(parts)


def _short(value: object) -> str:
    """Numbers rounded, text trimmed."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)[:24] if value is not None else "-"


@app.command("group")
def group(
    target: Annotated[
        str | None, typer.Argument(help="Folder whose files/sub-folders are the tables (or use --db).")
    ] = None,
    *,
    db: Annotated[
        str | None, typer.Option("--db", help="duckdb:///file.db or postgresql://... whose tables to pick.")
    ] = None,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="SQL LIKE mask of tables (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="SQL LIKE mask to leave out (repeatable).")
    ] = None,
    history: Annotated[
        list[Path] | None, typer.Option("--history", help="Earlier --json results, oldest first.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON.")] = False,
) -> None:
    """Profile a table group (tables picked by include/exclude masks) as one run with one score."""
    try:
        earlier, dispositions = load_history([json.loads(path.read_text()) for path in history or []])
        engine = open_group_source(target, db)
        table_group = TableGroup(include=tuple(include or ["%"]), exclude=tuple(exclude or []))
        with Console(stderr=True).status("profiling table group ..."):
            result = profile_group(engine, table_group, history=earlier, dispositions=dispositions)
    except (SourceNotFoundError, ValueError, EngineError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        typer.echo(json.dumps(result.to_dict(), default=str, indent=2))
        return
    for profile in result.profiles:
        single = evaluate([profile], dispositions=dispositions)
        _print(single, profile.table_name)
    Console().print(f"[bold]group score {result.score:.4f}[/] over {len(result.profiles)} tables")


@app.command("compare")
def compare(
    before: Annotated[Path, typer.Argument(help="Earlier --json result.")],
    after: Annotated[Path, typer.Argument(help="Later --json result.")],
) -> None:
    """What changed between two runs: scores, row counts, new and resolved anomalies (JSON)."""
    try:
        runs = [json.loads(path.read_text()) for path in (before, after)]
    except (OSError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(json.dumps(compare_runs(*runs), default=str, indent=2))
