"""Transform steps as sqlglot expressions, each a SELECT over the previous one, tracking the columns.

Building is pure: given the input columns it returns the query and the output columns, and it checks
that every column a step names exists (the dry-run's "missing column" error comes from here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError
from sqlglot.optimizer.qualify import qualify

from lakerun.pipeline import sql_lint
from lakerun.pipeline.config.transforms import (
    INPUT_VIEW,
    CastStep,
    DedupeStep,
    DeriveStep,
    FilterStep,
    RenameStep,
    SelectStep,
    SqlStep,
    Step,
)
from lakerun.pipeline.errors import PlanError

Schema = Mapping[str, Mapping[str, str]]

ROW_NUMBER_COLUMN = "__lakerun_row_number"


@dataclass(frozen=True)
class Relation:
    """A query and the names of the columns it returns."""

    query: exp.Query
    columns: tuple[str, ...]
    bare: bool = False
    """True for an untouched input view (no step applied yet)."""
    view: str = INPUT_VIEW
    """The view a bare relation reads."""


def parse_expression(text: str, dialect: str, where: str) -> exp.Expr:
    """A SQL scalar expression from config text; syntax, functions and regexes checked, errors name the path."""
    try:
        parsed = sqlglot.parse_one(text, read=dialect)
    except ParseError as exc:
        raise PlanError(f"{where}: cannot parse `{text}`: {exc}") from None
    sql_lint.check_expression(text, parsed, where)
    return parsed


def check_columns(expression: exp.Expr, columns: Sequence[str], where: str) -> None:
    """Every column referenced in `expression` exists among `columns` (case-insensitively)."""
    known = {name.lower() for name in columns}
    for column in expression.find_all(exp.Column):
        if column.name.lower() not in known:
            raise PlanError(f"{where}: column `{column.name}` not found; input has: {', '.join(columns)}")


def _require(names: Sequence[str], columns: Sequence[str], where: str) -> None:
    for name in names:
        check_columns(exp.column(name), columns, where)


def _over(previous: Relation, alias: str) -> exp.Expr:
    """The previous step's rows as an aliased FROM item (the view itself when no step ran yet)."""
    name = exp.TableAlias(this=exp.to_identifier(alias))
    if previous.bare:
        return exp.Table(this=exp.to_identifier(previous.view), alias=name)
    return exp.Subquery(this=previous.query, alias=name)


def start(columns: Sequence[str], view: str = INPUT_VIEW) -> Relation:
    """The rows of one input view, before any step."""
    query = exp.select(*[exp.column(name, quoted=True) for name in columns]).from_(view)
    return Relation(query=query, columns=tuple(columns), bare=True, view=view)


def _project(previous: Relation, alias: str, projections: list[exp.Expr], names: list[str]) -> Relation:
    return Relation(query=exp.select(*projections).from_(_over(previous, alias)), columns=tuple(names))


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _select(step: SelectStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    _require(step.columns, rel.columns, where)
    return _project(rel, alias, [_col(name) for name in step.columns], list(step.columns))


def _rename(step: RenameStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    _require(list(step.columns), rel.columns, where)
    names = [step.columns.get(name, name) for name in rel.columns]
    projections = [_col(old).as_(new, quoted=True) for old, new in zip(rel.columns, names, strict=True)]
    return _project(rel, alias, list(projections), names)


def _data_type(text: str, dialect: str, where: str) -> exp.DataType:
    try:
        return exp.DataType.build(text, dialect=dialect)
    except (ParseError, ValueError) as exc:
        raise PlanError(f"{where}: unknown SQL type `{text}`: {exc}") from None


def _cast(step: CastStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    _require(list(step.columns), rel.columns, where)
    kind = exp.TryCast if step.safe else exp.Cast
    projections: list[exp.Expr] = []
    for name in rel.columns:
        if name in step.columns:
            to = _data_type(step.columns[name], dialect, where)
            projections.append(kind(this=_col(name), to=to, safe=step.safe or None).as_(name, quoted=True))
        else:
            projections.append(_col(name))
    return _project(rel, alias, projections, list(rel.columns))


def _filter(step: FilterStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    condition = parse_expression(step.condition, dialect, where)
    check_columns(condition, rel.columns, where)
    query = exp.select(*[_col(name) for name in rel.columns]).from_(_over(rel, alias)).where(condition)
    return Relation(query=query, columns=rel.columns)


def _derive(step: DeriveStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    derived = {
        name: parse_expression(text, dialect, f"{where}.{name}") for name, text in step.columns.items()
    }
    for name, expression in derived.items():
        check_columns(expression, rel.columns, f"{where}.{name}")
    projections = [derived[n].as_(n, quoted=True) if n in derived else _col(n) for n in rel.columns]
    added = [name for name in derived if name not in rel.columns]
    projections += [derived[name].as_(name, quoted=True) for name in added]
    return _project(rel, alias, projections, [*rel.columns, *added])


def _ordering(term: str, dialect: str, where: str) -> exp.Ordered:
    try:
        ordered = exp.maybe_parse(term, into=exp.Ordered, dialect=dialect)
    except ParseError as exc:
        raise PlanError(f"{where}: cannot parse ordering `{term}`: {exc}") from None
    return ordered if isinstance(ordered, exp.Ordered) else exp.Ordered(this=ordered)


def _dedupe(step: DedupeStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    _require(step.keys, rel.columns, where)
    order = [_ordering(term, dialect, where) for term in step.order_by]
    for term in order:
        check_columns(term, rel.columns, where)
    window = exp.Window(
        this=exp.RowNumber(), partition_by=[_col(k) for k in step.keys], order=exp.Order(expressions=order)
    )
    numbered = exp.select(*[_col(n) for n in rel.columns], window.as_(ROW_NUMBER_COLUMN)).from_(
        _over(rel, alias)
    )
    ranked = exp.Subquery(this=numbered, alias=exp.TableAlias(this=exp.to_identifier(f"{alias}_ranked")))
    query = (
        exp.select(*[_col(n) for n in rel.columns])
        .from_(ranked)
        .where(exp.EQ(this=exp.column(ROW_NUMBER_COLUMN), expression=exp.Literal.number(1)))
    )
    return Relation(query=query, columns=rel.columns)


def parse_query(text: str, dialect: str, where: str) -> exp.Query:
    """One SELECT query from config text, linted; errors name the config path."""
    try:
        parsed = sqlglot.parse_one(text, read=dialect)
    except ParseError as exc:
        raise PlanError(f"{where}: cannot parse the SQL: {exc}") from None
    if not isinstance(parsed, exp.Query):
        raise PlanError(f"{where}: the SQL must be one SELECT query over the table's inputs")
    sql_lint.check_expression(text, parsed, where)
    return parsed


def query_over(
    text: str, inputs: Mapping[str, Relation], schema: Schema, dialect: str, where: str
) -> Relation:
    """A SQL query reading `inputs` by name (a lone input also as `input_data`), columns checked."""
    parsed = parse_query(text, dialect, where)
    names = [*inputs, INPUT_VIEW] if len(inputs) == 1 else list(inputs)
    sql_lint.check_tables(parsed, names, where)
    only = next(iter(inputs)) if len(inputs) == 1 else None

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and node.name == INPUT_VIEW and only and not node.db:
            alias = node.alias_or_name
            return exp.Table(
                this=exp.to_identifier(only), alias=exp.TableAlias(this=exp.to_identifier(alias))
            )
        return node

    renamed = parsed.transform(rename)
    qualify_schema: dict[str, object] = {
        name: dict(schema.get(name) or dict.fromkeys(rel.columns, "UNKNOWN")) for name, rel in inputs.items()
    }
    try:
        qualified = qualify(renamed, schema=qualify_schema, dialect=dialect, quote_identifiers=True)
    except OptimizeError as exc:
        described = "; ".join(f"{n} has: {', '.join(r.columns)}" for n, r in inputs.items())
        raise PlanError(f"{where}: {exc}; {described}") from None
    if not isinstance(qualified, exp.Query):
        raise PlanError(f"{where}: the SQL must be one SELECT query over the table's inputs")
    query = _read_inputs(qualified, inputs)
    return Relation(query=query, columns=tuple(qualified.named_selects))


def _sql(step: SqlStep, rel: Relation, alias: str, where: str, dialect: str) -> Relation:
    return query_over(step.query, {rel.view if rel.bare else INPUT_VIEW: rel}, {}, dialect, where)


def _read_inputs(query: exp.Query, inputs: Mapping[str, Relation]) -> exp.Query:
    """The query with each input that is not a bare view replaced by its rows (a subquery)."""

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and not node.db and node.name in inputs:
            previous = inputs[node.name]
            if previous.bare:
                return node
            alias = exp.TableAlias(this=exp.to_identifier(node.alias_or_name))
            return exp.Subquery(this=previous.query.copy(), alias=alias)
        return node

    swapped = query.transform(swap)
    assert isinstance(swapped, exp.Query)
    return swapped


BUILDERS = {
    "sql": _sql,
    "select": _select,
    "rename": _rename,
    "cast": _cast,
    "filter": _filter,
    "derive": _derive,
    "dedupe": _dedupe,
}


def build_steps(steps: Sequence[Step], base: Relation, dialect: str, where: str) -> Relation:
    """The query applying `steps` in order to `base`; errors name the offending step's config path."""
    relation = base
    for index, step in enumerate(steps):
        relation = apply_step(step, relation, dialect, f"{where}[{index}] ({step.op})", f"s{index}")
    return relation


def apply_step(step: Step, relation: Relation, dialect: str, where: str, alias: str) -> Relation:
    """One step over `relation`, its subquery aliased `alias`; errors name `where`."""
    builder = BUILDERS[step.op]
    return builder(step, relation, alias, where, dialect)  # type: ignore[operator]
