"""JSON processors: EvaluateJsonPath, SplitJson, JoltTransformJSON (shift/remove/default), FlattenJson, AttributesToJSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.errors import ExpressionError
from lakerun.convert.steps import Context, Step

_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\['([^']+)'\]|\[(\d+)\]")
_EVALUATE_STATIC = {
    "Destination",
    "Return Type",
    "Path Not Found Behavior",
    "Null Value Representation",
    "Max String Length",
}


def json_path_column(path: str) -> str:
    """Column code for a definite JSONPath (`$.a.b`, `$['a'][0]`) over parsed records."""
    if not path.startswith("$"):
        raise ExpressionError(f"JSONPath {path!r} does not start with $")
    code, index = "", 1
    while index < len(path):
        match = _STEP.match(path, index)
        if not match:
            raise ExpressionError(
                f"JSONPath {path!r} uses filters or wildcards, which need a hand translation"
            )
        name, quoted, number = match.groups()
        if number is not None:
            code = f"{code}.getItem({number})"
        else:
            field = name or quoted
            code = f"F.col({field!r})" if not code else f"{code}.getField({field!r})"
        index = match.end()
    if not code:
        raise ExpressionError(f"JSONPath {path!r} selects the whole document")
    return code


def _path_code(ctx: Context, path: str) -> str:
    source = ctx.require_input()
    if source.shape == "text":
        return f"F.get_json_object(F.col('value'), {path!r})"
    return json_path_column(path)


def evaluate_json_path(ctx: Context) -> Step:
    """EvaluateJsonPath: each path becomes an attribute column (or the new content)."""
    source = ctx.require_input()
    paths = ctx.dynamic_properties(_EVALUATE_STATIC)
    if ctx.prop("Destination", "flowfile-content") == "flowfile-attribute":
        lines = [f"{ctx.var()} = {source.var}"]
        lines += [
            f"{ctx.var()} = {ctx.var()}.withColumn({name!r}, {_path_code(ctx, path)})"
            for name, path in paths.items()
        ]
        stream = replace(source, var=ctx.var()).with_attributes(*paths)
    else:
        if len(paths) != 1:
            raise ExpressionError("EvaluateJsonPath to flowfile-content needs exactly one path")
        ((name, path),) = paths.items()
        lines = [
            f"{ctx.var()} = {source.var}.select({_path_code(ctx, path)}.alias({name!r}), *{list(source.attributes)!r})"
        ]
        stream = replace(source, var=ctx.var())
    return Step(
        "\n".join(lines),
        {"matched": stream, "unmatched": replace(stream, var=f"{ctx.var()}.limit(0)"), "*": stream},
    )


def split_json(ctx: Context) -> Step:
    """SplitJson: explode the array at the path into one row per element."""
    source = ctx.require_input()
    if source.shape == "text":
        raise ExpressionError(
            "SplitJson over unparsed JSON text: give the content a schema (from_json) first"
        )
    array = json_path_column(ctx.prop("JsonPath Expression", "$") or "$")
    attributes = list(source.attributes)
    code = (
        f"{ctx.var()} = (\n    {source.var}.select(F.explode({array}).alias('_element'), *{attributes!r})\n"
        f"    .select('_element.*', *{attributes!r})\n)"
    )
    note = "elements must be objects (structs); arrays of scalars keep `_element` instead"
    return Step(
        code,
        {"split": replace(source, var=ctx.var()), "original": source, "*": replace(source, var=ctx.var())},
        notes=[note],
    )


def _shift(spec: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """(input path, output path) pairs of a shift spec without wildcards."""
    pairs: list[tuple[str, str]] = []
    for key, target in spec.items():
        if any(char in key for char in "*&@$#|"):
            raise ExpressionError(f"Jolt shift key {key!r} uses wildcards or references")
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(target, dict):
            pairs += _shift(target, path)
        elif isinstance(target, str) and not any(char in target for char in "*&@$#[]"):
            pairs.append((path, target))
        else:
            raise ExpressionError(f"Jolt shift target {target!r} is not a plain output path")
    return pairs


def _struct_code(tree: dict[str, Any]) -> list[str]:
    columns = []
    for name, value in tree.items():
        inner = (
            f"F.struct({', '.join(_struct_code(value))})" if isinstance(value, dict) else f"F.col({value!r})"
        )
        columns.append(f"{inner}.alias({name!r})")
    return columns


def jolt(ctx: Context) -> Step:
    """JoltTransformJSON: shift, remove and default specs (chained or alone) as select/drop/fillna."""
    source = ctx.require_input()
    dsl = ctx.prop("Jolt Transformation DSL", "jolt-transform-chain") or "jolt-transform-chain"
    spec = json.loads(ctx.prop("Jolt Specification", "[]") or "[]")
    operations = (
        spec
        if dsl == "jolt-transform-chain"
        else [{"operation": dsl.removeprefix("jolt-transform-"), "spec": spec}]
    )
    lines = [f"{ctx.var()} = {source.var}"]
    for operation in operations:
        kind, body = operation.get("operation"), operation.get("spec") or {}
        if kind == "shift":
            tree: dict[str, Any] = {}
            for input_path, output_path in _shift(body):
                *parents, leaf = output_path.split(".")
                node = tree
                for parent in parents:
                    node = node.setdefault(parent, {})
                node[leaf] = input_path
            lines.append(
                f"{ctx.var()} = {ctx.var()}.select({', '.join(_struct_code(tree))}, *{list(source.attributes)!r})"
            )
        elif kind == "remove":
            lines.append(f"{ctx.var()} = {ctx.var()}.drop(*{list(body)!r})")
        elif kind == "default":
            for name, value in body.items():
                if isinstance(value, dict | list):
                    raise ExpressionError(
                        f"Jolt default for {name!r} is nested; only top-level defaults translate"
                    )
                lines.append(
                    f"{ctx.var()} = {ctx.var()}.withColumn({name!r}, F.coalesce(F.col({name!r}), F.lit({value!r})))"
                )
        else:
            raise ExpressionError(f"Jolt operation {kind!r} has no translation (shift, remove, default do)")
    return Step("\n".join(lines), {"*": replace(source, var=ctx.var())})


def flatten_json(ctx: Context) -> Step:
    """FlattenJson: nested structs become top-level columns joined by the separator."""
    source = ctx.require_input()
    separator = ctx.prop("Separator", ".") or "."
    code = f"{ctx.var()} = {source.var}.select(*lakerun_flatten({source.var}.schema, {separator!r}))"
    return Step(code, {"*": replace(source, var=ctx.var())})


def attributes_to_json(ctx: Context) -> Step:
    """AttributesToJSON: the attribute columns serialized as JSON, into the content or an attribute."""
    source = ctx.require_input()
    listed = [name.strip() for name in (ctx.prop("Attributes List", "") or "").split(",") if name.strip()]
    names = listed or list(source.attributes)
    if not names:
        raise ExpressionError(
            "AttributesToJSON: no attributes are known here; list them in 'Attributes List'"
        )
    json_code = f"F.to_json(F.struct(*{names!r}))"
    if ctx.prop("Destination", "flowfile-attribute") == "flowfile-content":
        code = f"{ctx.var()} = {source.var}.select({json_code}.alias('value'), *{list(source.attributes)!r})"
        return Step(code, {"*": replace(source, var=ctx.var(), shape="text", fmt="text", options=())})
    code = f"{ctx.var()} = {source.var}.withColumn('JSONAttributes', {json_code})"
    return Step(code, {"*": replace(source, var=ctx.var()).with_attributes("JSONAttributes")})


FAMILY = "JSON"
ENTRIES = {
    "EvaluateJsonPath": Entry(
        FAMILY, "`withColumn` per path (`get_json_object` on text)", evaluate_json_path
    ),
    "SplitJson": Entry(FAMILY, "`explode` of the array, element fields selected", split_json),
    "JoltTransformJSON": Entry(
        FAMILY, "shift → `select`/`struct`, remove → `drop`, default → `coalesce`", jolt
    ),
    "FlattenJson": Entry(FAMILY, "`select` of every leaf field, names joined by the separator", flatten_json),
    "AttributesToJSON": Entry(FAMILY, "`to_json(struct(...))`", attributes_to_json),
}
