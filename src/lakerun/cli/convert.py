"""`lakerun convert ...`: convert NiFi flows to Databricks notebooks and a job, locally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="NiFi flow conversion to Databricks notebooks and jobs.", no_args_is_help=True)


@app.command()
def nifi(
    flow: Annotated[
        Path, typer.Argument(help="NiFi template XML, flow.xml.gz, flow definition JSON or flow.json.gz.")
    ],
    *,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the notebooks, job.json and conversion.json.")
    ],
    validate_code: Annotated[
        bool,
        typer.Option(
            "--validate/--no-validate", help="Compile, lint and scan the code, iterating on findings."
        ),
    ] = True,
    autoloader: Annotated[
        bool, typer.Option("--autoloader", help="Read file sources with Auto Loader.")
    ] = False,
    notebook_root: Annotated[
        str, typer.Option(help="Workspace folder the job's notebooks will live in.")
    ] = "/Workspace/Shared/nifi",
    volume_root: Annotated[
        str, typer.Option(help="Volume folder for checkpoints and stage hand-offs.")
    ] = "/Volumes/main/default/nifi",
    secret_scope: Annotated[
        str, typer.Option(help="Secret scope holding passwords and sensitive parameters.")
    ] = "nifi",
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Convert one NiFi flow; exits 1 when the flow cannot be read or has a data cycle."""
    from lakerun.convert.agent import FAILED, AgentRequest, DeterministicAgent
    from lakerun.convert.conversion import convert
    from lakerun.convert.errors import ConvertError
    from lakerun.convert.generate import Settings
    from lakerun.convert.progress import ConsoleProgress
    from lakerun.convert.reader import read_flow

    settings = Settings(notebook_root, volume_root, secret_scope, autoloader)
    if not validate_code:
        try:
            conversion = convert(read_flow(flow), settings)
        except ConvertError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        conversion.write(out)
        report = conversion.report()
        typer.echo(
            json.dumps(report, indent=2)
            if json_output
            else _text(report["counts"], report["coverage"], report["human_requests"], out)
        )
        return
    request = AgentRequest(flow.stem, str(flow), str(out), settings=settings)
    result = DeterministicAgent().run(request, ConsoleProgress())
    if result.status == FAILED:
        typer.echo(f"error: {result.error}", err=True)
        raise typer.Exit(1)
    if json_output:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    counts = result.iterations[-1]["counts"]
    typer.echo(_text(counts, result.coverage, result.human_requests, out))
    typer.echo(
        f"validation: {result.validation_percentage}% of checks passed in {len(result.iterations)} iteration(s)"
    )


def _text(counts: dict[str, int], coverage: float, requests: list[dict[str, object]], out: Path) -> str:
    lines = [
        f"wrote {out}: "
        + ", ".join(f"{count} {status}" for status, count in counts.items())
        + f"; coverage {coverage:.0%}"
    ]
    lines += [
        f"  human request {r['number']}: {r['processor']} ({r['kind']}): {r['reason']}" for r in requests
    ]
    return "\n".join(lines)
