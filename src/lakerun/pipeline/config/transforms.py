"""Declarative transform steps; each becomes a sqlglot expression over the previous step's rows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lakerun.pipeline.config.base import StrictModel

INPUT_VIEW = "input_data"
"""The view name a layer's SQL reads from: the layer's source rows (or the previous step's output)."""


class SqlStep(StrictModel):
    """A SQL query over `input_data` (the rows so far), written in the pipeline's `sql_dialect`."""

    op: Literal["sql"]
    """Discriminator."""
    query: str = Field(min_length=1)
    """One SELECT statement; `input_data` names the rows this step receives."""


class SelectStep(StrictModel):
    """Keep only these columns, in this order."""

    op: Literal["select"]
    """Discriminator."""
    columns: list[str] = Field(min_length=1)
    """Columns to keep."""


class RenameStep(StrictModel):
    """Rename columns, keeping their position."""

    op: Literal["rename"]
    """Discriminator."""
    columns: dict[str, str] = Field(min_length=1)
    """Old name to new name."""


class CastStep(StrictModel):
    """Cast columns to SQL types; with `safe` a value that does not convert becomes NULL instead of failing."""

    op: Literal["cast"]
    """Discriminator."""
    columns: dict[str, str] = Field(min_length=1)
    """Column to SQL type (`int`, `bigint`, `double`, `decimal(12,2)`, `date`, `timestamp`, `string`, ...)."""
    safe: bool = True
    """Use TRY_CAST, so dirty values become NULL (and can be caught by a not_null expectation)."""


class FilterStep(StrictModel):
    """Keep the rows for which a SQL boolean expression is true."""

    op: Literal["filter"]
    """Discriminator."""
    condition: str = Field(min_length=1)
    """A SQL boolean expression over the current columns."""


class DeriveStep(StrictModel):
    """Add (or replace) columns computed by SQL expressions."""

    op: Literal["derive"]
    """Discriminator."""
    columns: dict[str, str] = Field(min_length=1)
    """New column name to SQL expression; an existing name is replaced in place."""


class DedupeStep(StrictModel):
    """Keep one row per key: the first by `order_by` (e.g. the latest update)."""

    op: Literal["dedupe"]
    """Discriminator."""
    keys: list[str] = Field(min_length=1)
    """Columns that identify a row."""
    order_by: list[str] = Field(min_length=1)
    """Ordering terms such as `updated_at DESC`; the first row per key is kept."""


Step = Annotated[
    SqlStep | SelectStep | RenameStep | CastStep | FilterStep | DeriveStep | DedupeStep,
    Field(discriminator="op"),
]
"""One transform step, chosen by `op`."""


class Transform(StrictModel):
    """A layer's transform: an optional SQL query first, then declarative steps in order."""

    sql: str | None = None
    """A SELECT over `input_data` (the source rows); runs before `steps`."""
    steps: list[Step] = Field(default_factory=list)
    """Declarative steps applied in order to the rows so far."""
