"""Text processors on line or whole-file content: ReplaceText, ExtractText, SplitText, HashContent → `regexp_*`."""

from __future__ import annotations

from dataclasses import replace

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.errors import ExpressionError
from lakerun.convert.steps import Context, Step, Stream

_EXTRACT_STATIC = {
    "Character Set",
    "Maximum Buffer Size",
    "Maximum Capture Group Length",
    "Enable Canonical Equivalence",
    "Enable Case-insensitive Matching",
    "Permit Whitespace and Comments in Pattern",
    "Enable DOTALL Mode",
    "Enable Literal Parsing of the Pattern",
    "Enable Multiline Mode",
    "Enable Unicode-aware Case Folding",
    "Enable Unicode Predefined Character Classes",
    "Enable Unix Lines Mode",
    "Include Capture Group 0",
    "extract-text-enable-repeating-capture-group",
    "extract-text-enable-named-groups",
}


def text_input(ctx: Context) -> Stream:
    """The input, which must be text content (a `value` column)."""
    source = ctx.require_input()
    if source.shape != "text":
        raise ExpressionError(
            f"{ctx.processor.kind} works on raw text but the content here is parsed records ({source.fmt}); "
            "rewrite it as column operations"
        )
    return source


def replace_text(ctx: Context) -> Step:
    """ReplaceText: regex, literal, prepend, append and always-replace strategies."""
    source = text_input(ctx)
    strategy = ctx.prop("Replacement Strategy", "Regex Replace")
    search = ctx.prop("Search Value", "(?s)(^.*$)") or ""
    replacement = ctx.prop("Replacement Value", "$1") or ""
    value = ctx.el(replacement) if "${" in replacement else f"F.lit({replacement!r})"
    column = {
        "Regex Replace": f"F.regexp_replace(F.col('value'), {search!r}, {replacement!r})",
        "Literal Replace": f"F.replace(F.col('value'), F.lit({search!r}), {value})",
        "Prepend": f"F.concat({value}, F.col('value'))",
        "Append": f"F.concat(F.col('value'), {value})",
        "Always Replace": value,
    }.get(strategy or "")
    if column is None:
        raise ExpressionError(f"ReplaceText strategy {strategy!r} has no translation")
    if strategy == "Regex Replace" and "${" in replacement:
        raise ExpressionError(
            "ReplaceText regex replacement with attribute expressions needs a hand translation"
        )
    code = f"{ctx.var()} = {source.var}.withColumn('value', {column})"
    return Step(code, {"*": replace(source, var=ctx.var())})


def extract_text(ctx: Context) -> Step:
    """ExtractText: each regex's first group becomes an attribute column; rows matching none go unmatched."""
    source = text_input(ctx)
    patterns = ctx.dynamic_properties(_EXTRACT_STATIC)
    flags = "(?i)" if ctx.prop("Enable Case-insensitive Matching") == "true" else ""
    lines = [f"{ctx.var('all')} = {source.var}"]
    for name, pattern in patterns.items():
        lines.append(
            f"{ctx.var('all')} = {ctx.var('all')}.withColumn({name!r}, F.regexp_extract(F.col('value'), {flags + pattern!r}, 1))"
        )
    any_match = (
        " | ".join(f"F.col('value').rlike({flags + pattern!r})" for pattern in patterns.values())
        or "F.lit(False)"
    )
    lines.append(f"{ctx.var()} = {ctx.var('all')}.filter({any_match})")
    lines.append(f"{ctx.var('unmatched')} = {ctx.var('all')}.filter(~({any_match}))")
    matched = replace(source, var=ctx.var()).with_attributes(*patterns)
    return Step(
        "\n".join(lines),
        {"matched": matched, "unmatched": replace(matched, var=ctx.var("unmatched")), "*": matched},
    )


def split_text(ctx: Context) -> Step:
    """SplitText: text sources are read line by line already; header lines are dropped per file."""
    source = text_input(ctx)
    headers = int(ctx.prop("Header Line Count", "0") or "0")
    if source.options and dict(source.options).get("wholetext") == "true":
        code = (
            f"{ctx.var()} = {source.var}.withColumn('value', F.explode(F.split(F.col('value'), '\\r?\\n')))"
        )
    else:
        code = f"{ctx.var()} = {source.var}"
    if headers:
        code += (
            f"\n{ctx.var()} = {ctx.var()}.withColumn('_line', F.row_number().over("
            f"lakerun_window('filename')))"
            f".filter(F.col('_line') > {headers}).drop('_line')"
        )
    return Step(
        code,
        {"splits": replace(source, var=ctx.var()), "original": source, "*": replace(source, var=ctx.var())},
        notes=["SplitText: one row per line"],
    )


def hash_content(ctx: Context) -> Step:
    """HashContent: the content's digest as an attribute column."""
    source = ctx.require_input()
    algorithm = (ctx.prop("Hash Algorithm", "SHA-256") or "SHA-256").upper()
    attribute = ctx.prop("Hash Attribute Name", "hash.value") or "hash.value"
    content = "F.col('value')" if source.shape == "text" else "F.to_json(F.struct('*'))"
    functions = {
        "MD5": f"F.md5({content})",
        "SHA-1": f"F.sha1({content})",
        "SHA-256": f"F.sha2({content}, 256)",
        "SHA-512": f"F.sha2({content}, 512)",
    }
    if algorithm not in functions:
        raise ExpressionError(f"HashContent algorithm {algorithm} has no Spark function")
    code = f"{ctx.var()} = {source.var}.withColumn({attribute!r}, {functions[algorithm]})"
    return Step(code, {"*": replace(source, var=ctx.var()).with_attributes(attribute)})


FAMILY = "text"
ENTRIES = {
    "ReplaceText": Entry(FAMILY, "`regexp_replace` / `replace` / `concat` on `value`", replace_text),
    "ExtractText": Entry(FAMILY, "`regexp_extract` per pattern; matched/unmatched filters", extract_text),
    "SplitText": Entry(FAMILY, "one row per line (`split` + `explode` for whole-text content)", split_text),
    "HashContent": Entry(FAMILY, "`md5`/`sha1`/`sha2` of the content", hash_content),
}
