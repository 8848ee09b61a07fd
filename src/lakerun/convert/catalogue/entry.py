"""One catalogue entry: the code generator for a processor type and how the docs describe it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from lakerun.convert.steps import Context, Step

Handler = Callable[[Context], Step]


@dataclass(frozen=True)
class Entry:
    """A processor type's family, what it becomes on Databricks, and the function that writes the code."""

    family: str
    target: str
    handler: Handler


def pass_through(ctx: Context, note: str, code_comment: str | None = None) -> Step:
    """A processor whose effect a DataFrame already has (rows are already split, merged, ordered)."""
    source = ctx.require_input()
    code = (f"# {code_comment}\n" if code_comment else "") + f"{ctx.var()} = {source.var}"
    return Step(code, {"*": replace(source, var=ctx.var())}, notes=[note])


def options_code(options: tuple[tuple[str, str], ...]) -> str:
    """`.options(...)` for a reader or writer, empty when there are none."""
    return f"\n    .options(**{dict(options)!r})" if options else ""
