"""Scripts (carried over, flagged), deduplication, and the processors a batch job has no use for (dropped, noted)."""

from __future__ import annotations

import re
from dataclasses import replace

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.errors import ExpressionError
from lakerun.convert.steps import DROPPED, MANUAL, Context, Step, Stream

_ATTRIBUTE = re.compile(r"^\$\{([A-Za-z0-9_.\-]+)\}$")


def script(ctx: Context) -> Step:
    """ExecuteScript/ExecuteGroovyScript/ExecuteStreamCommand: the script kept in the cell for a rewrite."""
    kind = ctx.processor.kind
    if kind == "ExecuteStreamCommand":
        body = f"{ctx.prop('Command Path', '?')} {ctx.prop('Command Arguments', '')}".strip()
        language = "shell command"
    else:
        body = ctx.prop("Script Body") or ctx.prop("Script File") or "(no script body)"
        language = ctx.prop("Script Engine", "Groovy") or "Groovy"
    carried = "\n".join(f"#   {line}" for line in body.splitlines())
    reason = f"{kind} runs a {language} script against the NiFi session API; rewrite it as DataFrame code"
    source = ctx.input or Stream(ctx.var())
    code = (
        f"# Original {language}:\n{carried}\n"
        f"lakerun_unconverted({ctx.processor.name!r}, {reason!r})\n"
        f"{ctx.var()} = {source.var if ctx.input else 'spark.range(0)'}"
    )
    return Step(code, {"*": source if ctx.input else Stream(ctx.var())}, status=MANUAL, reason=reason)


def detect_duplicate(ctx: Context) -> Step:
    """DetectDuplicate: `dropDuplicates` on the cache identifier's attribute; duplicates by `exceptAll`."""
    source = ctx.require_input()
    identifier = ctx.prop("Cache Entry Identifier", "${hash.value}") or ""
    match = _ATTRIBUTE.match(identifier)
    if not match:
        raise ExpressionError(f"cache identifier {identifier!r} is not a single attribute")
    column = match.group(1)
    code = (
        f"{ctx.var('non-duplicate')} = {source.var}.dropDuplicates([{column!r}])\n"
        f"{ctx.var('duplicate')} = {source.var}.exceptAll({ctx.var('non-duplicate')})"
    )
    unique = replace(source, var=ctx.var("non-duplicate"))
    note = "duplicates are found within one run; across runs keep the seen keys in a Delta table (MERGE)"
    return Step(
        code,
        {"non-duplicate": unique, "duplicate": replace(source, var=ctx.var("duplicate")), "*": unique},
        notes=[note],
    )


def dropped(ctx: Context) -> Step:
    """Logging, Wait/Notify, ControlRate: the job's logs, task order and cluster size replace them."""
    why = {
        "LogAttribute": "run logs show the data; use display() when debugging",
        "LogMessage": "run logs replace NiFi's bulletin log",
        "Wait": "task order (depends_on) replaces Wait/Notify signals",
        "Notify": "task order (depends_on) replaces Wait/Notify signals",
        "ControlRate": "the cluster's size bounds the rate",
    }[ctx.processor.kind]
    source = ctx.input
    var = source.var if source else "spark.range(0)"
    code = f"{ctx.var()} = {var}"
    return Step(
        code,
        {"*": source or Stream(ctx.var())},
        status=DROPPED,
        notes=[f"{ctx.processor.kind} dropped: {why}"],
    )


ENTRIES = {
    "ExecuteScript": Entry("scripts", "script carried in a flagged cell + human request", script),
    "ExecuteGroovyScript": Entry("scripts", "script carried in a flagged cell + human request", script),
    "ExecuteStreamCommand": Entry("scripts", "command carried in a flagged cell + human request", script),
    "DetectDuplicate": Entry(
        "deduplication", "`dropDuplicates` on the identifier attribute", detect_duplicate
    ),
    "LogAttribute": Entry("dropped", "dropped, noted", dropped),
    "LogMessage": Entry("dropped", "dropped, noted", dropped),
    "Wait": Entry("dropped", "dropped: task dependencies order the work", dropped),
    "Notify": Entry("dropped", "dropped: task dependencies order the work", dropped),
    "ControlRate": Entry("dropped", "dropped: cluster size bounds the rate", dropped),
}
