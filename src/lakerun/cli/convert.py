"""`lakerun convert ...`: convert NiFi flows to Databricks notebooks and a job, locally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

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


flows = typer.Typer(
    help="The control plane's NiFi flows inventory and its conversions.", no_args_is_help=True
)
app.add_typer(flows, name="flows")


@flows.callback()
def _connection(
    ctx: typer.Context,
    url: Annotated[
        str, typer.Option(envvar="LAKERUN_URL", help="Control plane URL.")
    ] = "http://127.0.0.1:8800",
    token: Annotated[str | None, typer.Option(envvar="LAKERUN_API_TOKEN", help="API token.")] = None,
) -> None:
    """Where the control plane is and how to authenticate."""
    from lakerun.cli.runs import connection

    connection(ctx, url, token)


def _api(ctx: typer.Context) -> Any:
    """An HTTP client on the control plane (the flow endpoints are not part of the client library)."""
    import httpx

    return httpx.Client(
        base_url=ctx.obj["url"], headers={"Authorization": f"Bearer {ctx.obj['token']}"}, timeout=120
    )


def _call(ctx: typer.Context, method: str, path: str, **kwargs: object) -> Any:
    with _api(ctx) as client:
        response = client.request(method, path, **kwargs)
    if response.status_code >= 400:
        json_body = "json" in response.headers.get("content-type", "")
        detail = response.json().get("detail") if json_body else response.text
        typer.echo(f"error {response.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    return response.json()


def _show(flows_out: list[dict[str, Any]]) -> None:
    for flow in flows_out:
        current = flow.get("current_attempt") or {}
        progress = f" {current['progress'] * 100:.0f}%" if current.get("progress") is not None else ""
        typer.echo(
            f"{flow['id']:<30} {flow['status']:<16}{progress:>5} {flow['processors']:>4} processors "
            f"{flow['attempts']:>3} attempts {flow['successful_conversions']:>3} ok  {flow.get('load_error') or ''}"
        )


@flows.command("load")
def load_flows(
    ctx: typer.Context,
    folder: Annotated[str, typer.Argument(help="Folder of NiFi files, as the control plane reads it.")],
    *,
    workspace: Annotated[str, typer.Option(help="Workspace the conversions run in.")] = "local",
    output_root: Annotated[str | None, typer.Option(help="Where attempts write their notebooks.")] = None,
    task_folder: Annotated[
        str | None, typer.Option(help="The folder as tasks read it (a Volume path).")
    ] = None,
    wheel: Annotated[
        str | None, typer.Option(help="The lakerun wheel as tasks see it (needed on Databricks).")
    ] = None,
) -> None:
    """Add (or refresh) every NiFi file of a folder in the inventory."""
    body = {
        "folder": folder,
        "workspace": workspace,
        "output_root": output_root,
        "task_folder": task_folder,
        "wheel": wheel,
    }
    _show(_call(ctx, "POST", "/v1/flows/load", json=body))


@flows.command("list")
def list_flows(ctx: typer.Context) -> None:
    """The inventory and each flow's status."""
    _show(_call(ctx, "GET", "/v1/flows"))


@flows.command("start")
def start_flows(
    ctx: typer.Context, flow_ids: Annotated[list[str], typer.Argument(help="Flows to convert.")]
) -> None:
    """Start a conversion of each flow (one attempt and job each)."""
    answer = _call(ctx, "POST", "/v1/flows/conversions", json={"flow_ids": flow_ids})
    for attempt in answer["attempts"]:
        typer.echo(
            f"{attempt['subject']['key']}: attempt {attempt['id']} #{attempt['attempt_number']} {attempt['status']}"
        )
    for flow_id, error in answer["errors"].items():
        typer.echo(f"{flow_id}: not started: {error}", err=True)
    if answer["errors"]:
        raise typer.Exit(1)


@flows.command("stop")
def stop_flow(ctx: typer.Context, flow_id: str) -> None:
    """Cancel a flow's running conversion."""
    attempt = _call(ctx, "POST", f"/v1/flows/{flow_id}/stop")
    typer.echo(f"{flow_id}: attempt {attempt['id']} {attempt['status']}")


@flows.command("history")
def history(ctx: typer.Context, flow_id: str) -> None:
    """Every conversion attempt of a flow, newest first."""
    detail = _call(ctx, "GET", f"/v1/flows/{flow_id}")
    for a in detail["history"]:
        result = a.get("result") or {}
        typer.echo(
            f"#{a['attempt_number']:<3} {a['status']:<10} {result.get('status', ''):<16} "
            f"iterations {result.get('iterations', '—')}  validation {result.get('validation_percentage', '—')}%  "
            f"coverage {result.get('coverage', '—')}  {a['id']}  {a.get('error') or ''}"
        )


@flows.command("files")
def files(
    ctx: typer.Context, flow_id: str, attempt_id: str, name: Annotated[str | None, typer.Argument()] = None
) -> None:
    """List an attempt's generated notebooks, or print one (or job.json, conversion.json)."""
    if name is None:
        for item in _call(ctx, "GET", f"/v1/flows/{flow_id}/attempts/{attempt_id}/files"):
            typer.echo(item)
        return
    with _api(ctx) as client:
        response = client.get(f"/v1/flows/{flow_id}/attempts/{attempt_id}/files/{name}")
    if response.status_code >= 400:
        typer.echo(f"error {response.status_code}: {response.json().get('detail')}", err=True)
        raise typer.Exit(1)
    typer.echo(response.text)


@flows.command("deploy")
def deploy(
    ctx: typer.Context,
    flow_id: str,
    attempt_id: str,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Job parameter NAME=VALUE (repeatable).")
    ] = None,
) -> None:
    """Deploy what an attempt generated and run it as a tracked attempt."""
    from lakerun.cli.runs import _parameters

    attempt = _call(
        ctx,
        "POST",
        f"/v1/flows/{flow_id}/attempts/{attempt_id}/deploy",
        json={"parameters": _parameters(param or [])},
    )
    typer.echo(f"{flow_id}: run attempt {attempt['id']} {attempt['status']}")


@flows.command("set")
def set_fields(
    ctx: typer.Context,
    flow_id: str,
    priority: Annotated[str | None, typer.Option(help="low, medium, high or critical.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who owns the flow's migration.")] = None,
) -> None:
    """Set a flow's priority and owner."""
    _show([_call(ctx, "PATCH", f"/v1/flows/{flow_id}", json={"priority": priority, "owner": owner})])
