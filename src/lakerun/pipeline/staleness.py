"""Which tables a run would rebuild: a table is stale when its definition or an input changed since the
fingerprint its last commit recorded, or when a table it reads is stale itself."""

from __future__ import annotations

from collections.abc import Iterable

from lakerun.engines.io_errors import TableIOError
from lakerun.pipeline.errors import ConfigError
from lakerun.pipeline.fingerprint import input_fingerprint, is_current
from lakerun.pipeline.plan import TablePlan
from lakerun.pipeline.runner import PipelineRunner
from lakerun.pipeline.writer import TableWriter


def stale_tables(runner: PipelineRunner, names: Iterable[str], writer: TableWriter) -> set[str]:
    """The tables among `names` and everything they read that a run would rebuild (plans every table)."""
    runner.plan_all()
    wanted = runner.config.graph.upstream_closure(names)
    stale: set[str] = set()
    for name in runner.config.ordered_tables():
        if name not in wanted:
            continue
        plan = runner.planned[name]
        if any(up in stale for up in plan.upstream_tables) or not _unchanged(plan, runner, writer):
            stale.add(name)
    return stale


def _unchanged(plan: TablePlan, runner: PipelineRunner, writer: TableWriter) -> bool:
    try:
        return is_current(plan, input_fingerprint(plan, runner.secret_getter), writer)
    except (TableIOError, OSError, ConfigError):
        return False
