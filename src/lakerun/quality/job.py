"""Workload-side entry point of a profile run: profile one table group and report through the signed callback.

The control plane registers one job per table group whose task runs
`python -m lakerun.quality.job --group-spec=<json>`; the spec names the connection (a folder of files, a
DuckDB file or a database URL, each as it is or as a secret reference such as `env:NAME` or
`{{secrets/scope/key}}`, see docs/secrets.md) and the include/exclude masks. The results (profiles,
anomalies, scores) go back as one `result` event, then `completed`; any error is sent as `failed` with
its reason and the process exits non-zero.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lakerun.errors import InvalidInputError, LakerunError, exit_code, unexpected
from lakerun.executor.callbacks import CallbackClient, CallbackError
from lakerun.runtime.secrets import resolve_value

if TYPE_CHECKING:
    from lakerun.engines.sql import SqlEngine

SPEC_ARGUMENT = "--group-spec="
USAGE = (
    "usage: lakerun-profile --group-spec=<json> [--lakerun-callback-url=URL ...]\n\n"
    "Profile one table group (spec: {connection: {kind: files|duckdb|postgresql, location}, include, exclude})\n"
    "and print the result as JSON, or send it to the control plane when a callback is configured."
)


def parse_spec(argv: Sequence[str]) -> dict[str, Any]:
    """The group spec given as `--group-spec=<json>`; a missing or malformed one is a clear error."""
    raw = next((arg[len(SPEC_ARGUMENT) :] for arg in argv if arg.startswith(SPEC_ARGUMENT)), None)
    if raw is None:
        raise InvalidInputError(f"missing {SPEC_ARGUMENT}<json> argument")
    try:
        spec = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{SPEC_ARGUMENT}<json> is not valid JSON: {exc}") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("connection"), dict):
        raise InvalidInputError("group spec must be an object with a `connection` object")
    return spec


def open_connection(connection: dict[str, Any]) -> SqlEngine:
    """An engine listing the connection's tables: `files` is a folder, `duckdb`/`postgresql` a database URL."""
    from lakerun.quality.sources import open_group_source

    kind = connection.get("kind")
    location = resolve_value(str(connection.get("location", "")))
    if kind == "files":
        return open_group_source(location)
    if kind == "duckdb":
        return open_group_source(None, location if "://" in location else f"duckdb:///{location}")
    if kind == "postgresql":
        return open_group_source(None, location)
    raise InvalidInputError(f"connection kind {kind!r} is not one of files, duckdb, postgresql")


def run(spec: dict[str, Any], client: CallbackClient | None) -> dict[str, Any]:
    """Profile the group of `spec` and send the result; returns the JSON result."""
    from lakerun.quality.groups import TableGroup, profile_group
    from lakerun.quality.histograms import add_histograms

    if client:
        client.progress(0.05, "opening connection", task="profile")
    engine = open_connection(spec["connection"])
    group = TableGroup(include=tuple(spec.get("include") or ["%"]), exclude=tuple(spec.get("exclude") or []))
    if client:
        client.progress(0.1, "profiling tables", task="profile")
    assessment = profile_group(engine, group)
    if client:
        client.progress(0.9, "measuring histograms", task="profile")
    add_histograms(engine, assessment.profiles)
    result = json.loads(json.dumps(assessment.to_dict(), default=str))
    if client:
        client.send("result", result)
        client.send("completed", {"message": f"profiled {len(result['profiles'])} tables"})
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run one profile run from the command line; on any error a `failed` event and exit code 2 (bad spec or
    configuration) or 1 (the run failed)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(args):
        print(USAGE)
        return 0
    try:
        client = CallbackClient.from_env(args)
    except CallbackError as error:
        print(f"profile run failed: {error}", file=sys.stderr, flush=True)
        return 1
    try:
        result = run(parse_spec(args), client)
    except Exception as error:
        known = isinstance(error, LakerunError)
        reason = f"{type(error).__name__}: {error}" if known else unexpected(error)
        print(f"profile run failed: {reason}", file=sys.stderr, flush=True)
        if not known:
            traceback.print_exc(file=sys.stderr)
        if client:
            client.send("failed", {"error": reason})
        return exit_code(error)
    if client is None:
        print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
