"""`lakerun-layer`: run one pipeline table (or the tables of one layer) as a Databricks task, or from a shell.

Three spellings, all valid `python_wheel_task` parameters:

    lakerun-layer run NAME -c FILE [--vars k=v ...] [--engine duckdb|spark] [--dry-run]
    lakerun-layer --table TABLE --config FILE [...]
    lakerun-layer --layer LAYER --config FILE [...]
    lakerun-layer plan NAME -c FILE [--json]     # dry run: check and print the plan

NAME is a table or a layer. Each table's result is printed as JSON on stdout, published as the task value `lakerun_result`, and
sent to the control plane when `--lakerun-callback-url=...` (or its variables) configures a callback.
`LAKERUN_FORCE_DRY_RUN=1` turns any run into a dry run. The pipeline itself is imported only once the
arguments are valid, so `--help` costs no more than argument parsing.

Exit codes: 0 done, 1 a table failed (its error on stderr; an error that is not lakerun's own is named
unexpected, with its traceback), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from lakerun.errors import EXIT_FAILED, LakerunError, unexpected


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakerun-layer", description="Run one lakerun pipeline table or layer."
    )
    parser.add_argument("command", nargs="?", choices=["run", "plan"], help="run (default) or plan")
    parser.add_argument("layer_name", nargs="?", metavar="NAME", help="table or layer to run (or all)")
    parser.add_argument("--layer", dest="layer_option", help="layer whose tables to run (job-JSON form)")
    parser.add_argument("--table", dest="table_option", help="table to run (job-JSON form)")
    parser.add_argument("-c", "--config", required=True, help="pipeline or layer config file")
    parser.add_argument("--vars", action="append", default=[], metavar="K=V", help="template variable")
    parser.add_argument("--engine", choices=["duckdb", "spark"], help="engine (the config's by default)")
    parser.add_argument("--dry-run", action="store_true", help="check and print the plan, write nothing")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.add_argument("--json", action="store_true", help="plan: print JSON instead of text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `lakerun-layer` console script and wheel task."""
    raw = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args, unknown = parser.parse_known_args(raw)
    stray = [arg for arg in unknown if not arg.startswith("--lakerun-")]
    if stray:
        parser.error(f"unrecognized arguments: {' '.join(stray)}")
    layer = args.table_option or args.layer_option or args.layer_name
    if not layer:
        parser.error("name the table or layer: `run NAME`, `--table TABLE` or `--layer LAYER`")
    from lakerun.pipeline import commands

    try:
        if args.command == "plan":
            return commands.plan(args.config, layers=[layer], variables=args.vars, as_json=args.json)
        return commands.run(
            args.config,
            layers=[layer],
            variables=args.vars,
            engine=args.engine,
            dry_run=args.dry_run,
            quiet=args.quiet,
        )
    except LakerunError as exc:
        print(f"lakerun-layer: {exc}", file=sys.stderr)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        print(f"lakerun-layer: {unexpected(exc)}", file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
