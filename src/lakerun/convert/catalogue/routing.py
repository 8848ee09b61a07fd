"""Routing and attributes: RouteOnAttribute, RouteOnContent, UpdateAttribute → `filter` and `withColumn`."""

from __future__ import annotations

from dataclasses import replace

from lakerun.convert.catalogue.entry import Entry
from lakerun.convert.catalogue.text import text_input
from lakerun.convert.steps import Context, Step

_ROUTE_STATIC = {"Routing Strategy"}
_UPDATE_STATIC = {
    "Delete Attributes Expression",
    "Store State",
    "Stateful Variables Initial Value",
    "canonical-value-lookup-cache-size",
}
_CONTENT_STATIC = {"Match Requirement", "Character Set", "Content Buffer Size"}


def _routes(ctx: Context, conditions: dict[str, str]) -> Step:
    source = ctx.require_input()
    strategy = ctx.prop("Routing Strategy", "Route to Property name")
    lines: list[str] = []
    outputs = {}
    names = list(conditions)
    for name in names:
        lines.append(f"_cond_{ctx.slug}_{names.index(name)} = {conditions[name]}")
    conds = [f"_cond_{ctx.slug}_{i}" for i in range(len(names))]
    if strategy in ("Route to 'matched' if all match", "Route to 'match' if all match"):
        combined = " & ".join(conds)
    elif strategy in ("Route to 'matched' if any matches", "Route to 'match' if any matches"):
        combined = " | ".join(conds)
    else:
        combined = ""
        for name, cond in zip(names, conds, strict=True):
            var = ctx.var(name)
            lines.append(f"{var} = {source.var}.filter({cond})")
            outputs[name] = replace(source, var=var)
    if combined:
        lines.append(f"{ctx.var('matched')} = {source.var}.filter({combined})")
        for name in ("matched", "match"):
            outputs[name] = replace(source, var=ctx.var("matched"))
    any_cond = " | ".join(f"F.coalesce({c}, F.lit(False))" for c in conds) or "F.lit(False)"
    lines.append(f"{ctx.var('unmatched')} = {source.var}.filter(~({any_cond}))")
    outputs["unmatched"] = outputs["no match"] = replace(source, var=ctx.var("unmatched"))
    return Step("\n".join(lines), outputs)


def route_on_attribute(ctx: Context) -> Step:
    """RouteOnAttribute: each route's expression is a filter; `unmatched` keeps the rest."""
    routes = ctx.dynamic_properties(_ROUTE_STATIC)
    return _routes(ctx, {name: ctx.el(value) for name, value in routes.items()})


def route_on_content(ctx: Context) -> Step:
    """RouteOnContent: each route's regex must match the whole content, or be found in it."""
    text_input(ctx)
    whole = ctx.prop("Match Requirement", "content must match exactly") == "content must match exactly"
    routes = ctx.dynamic_properties(_CONTENT_STATIC)
    conditions = {
        name: f"F.col('value').rlike({('^(?:' + regex + ')$') if whole else regex!r})"
        for name, regex in routes.items()
    }
    return _routes(ctx, conditions)


def update_attribute(ctx: Context) -> Step:
    """UpdateAttribute: each property sets an attribute column from its expression."""
    source = ctx.require_input()
    updates = ctx.dynamic_properties(_UPDATE_STATIC)
    lines = [f"{ctx.var()} = {source.var}"]
    for name, value in updates.items():
        lines.append(f"{ctx.var()} = {ctx.var()}.withColumn({name!r}, {ctx.el(value)})")
    deleted = ctx.prop("Delete Attributes Expression")
    notes = (
        [f"attributes matching {deleted!r} are not deleted: drop their columns if they matter"]
        if deleted
        else []
    )
    stream = replace(source, var=ctx.var()).with_attributes(*updates)
    return Step("\n".join(lines), {"*": stream}, notes=notes)


FAMILY = "routing and attributes"
ENTRIES = {
    "RouteOnAttribute": Entry(FAMILY, "`filter` per route, `unmatched` = none matched", route_on_attribute),
    "RouteOnContent": Entry(FAMILY, "`rlike` filter per route on `value`", route_on_content),
    "UpdateAttribute": Entry(
        FAMILY, "`withColumn` per attribute (Expression Language translated)", update_attribute
    ),
}
