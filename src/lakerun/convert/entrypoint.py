"""`lakerun-convert`: the conversion agent as a Databricks task (wheel or notebook) or a shell command.

    lakerun-convert --flow_id F --nifi_xml_path FILE --output_path DIR [--attempt_id A]
                    [--run-check] [--param NAME=VALUE ...] [--notebook-root /Workspace/...]
                    [--volume-root /Volumes/...] [--secret-scope S] [--autoloader] [--max-iterations N]

Seed 004's parameters (`flow_id`, `nifi_xml_path`, `output_path`, `attempt_id`) are accepted with
dashes or underscores. The result is printed as JSON; the exit code is 0 when notebooks were written
(even with human requests), 1 when the flow could not be converted at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from lakerun.convert.agent import FAILED, AgentRequest, DeterministicAgent
from lakerun.convert.generate import Settings
from lakerun.convert.progress import BothProgress, CallbackProgress, ConsoleProgress


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakerun-convert", description="Convert a NiFi flow to Databricks notebooks."
    )
    parser.add_argument("--flow_id", "--flow-id", dest="flow_id", default="")
    parser.add_argument("--nifi_xml_path", "--nifi-xml-path", "--nifi-path", dest="nifi_path", required=True)
    parser.add_argument("--output_path", "--output-path", dest="output_path", required=True)
    parser.add_argument("--attempt_id", "--attempt-id", dest="attempt_id", default="")
    parser.add_argument(
        "--notebook-root", default=Settings.notebook_root, help="workspace folder for deployed notebooks"
    )
    parser.add_argument(
        "--volume-root", default=Settings.volume_root, help="Volume folder for checkpoints and hand-offs"
    )
    parser.add_argument("--secret-scope", default=Settings.secret_scope)
    parser.add_argument("--autoloader", action="store_true", help="read file sources with Auto Loader")
    parser.add_argument("--max-iterations", type=int, default=3)
    parser.add_argument("--run-check", action="store_true", help="run the generated job in this workspace")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="job parameter for the run check"
    )
    parser.add_argument(
        "--output-per-attempt",
        "--output_per_attempt",
        dest="output_per_attempt",
        nargs="?",
        const="true",
        default="false",
        help="write under OUTPUT_PATH/<attempt id> (one folder per attempt)",
    )
    parser.add_argument("--quiet", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lakerun-convert` console script and wheel task."""
    raw = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args, unknown = parser.parse_known_args(raw)
    stray = [arg for arg in unknown if not arg.startswith(("--lakerun-", "--lakerun_"))]
    if stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    parameters = dict(item.split("=", 1) for item in args.param if "=" in item)
    attempt_id = args.attempt_id or _lakerun_attempt_id(raw)
    output_path = (
        f"{args.output_path.rstrip('/')}/{attempt_id}"
        if args.output_per_attempt.lower() in ("true", "1", "yes") and attempt_id
        else args.output_path
    )
    settings = Settings(args.notebook_root, args.volume_root, args.secret_scope, args.autoloader)
    request = AgentRequest(
        args.flow_id, args.nifi_path, output_path, attempt_id, settings, max(1, args.max_iterations)
    )
    run_check = None
    if args.run_check:
        from databricks.sdk import WorkspaceClient

        from lakerun.convert.runcheck import WorkspaceRunCheck

        run_check = WorkspaceRunCheck(WorkspaceClient(), parameters)
    callback = CallbackProgress.from_environment(raw)
    progress = BothProgress(callback, None if args.quiet else ConsoleProgress())
    result = DeterministicAgent(run_check).run(request, progress)
    print(json.dumps(result.to_dict(), indent=2))
    if result.status == FAILED:
        print(f"conversion failed: {result.error}", file=sys.stderr)
        if isinstance(callback, CallbackProgress):
            callback.failed(result.error or "conversion failed")
        return 1
    return 0


def _lakerun_attempt_id(argv: Sequence[str]) -> str:
    """The attempt id the control plane gave the task (argument or variable), or empty."""
    for arg in argv:
        name, _, value = arg.partition("=")
        if name in ("--lakerun-attempt-id", "--lakerun_attempt_id"):
            return value
    return os.environ.get("LAKERUN_ATTEMPT_ID", "")


if __name__ == "__main__":
    sys.exit(main())
