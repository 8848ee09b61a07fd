"""Data expectations in the spirit of Delta Live Tables: a check per row and what to do when it fails."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from lakerun.pipeline.config.base import StrictModel

Action = Literal["warn", "drop", "quarantine", "fail"]
"""`warn` counts, `drop` removes the rows, `quarantine` moves them to the quarantine table, `fail` stops the layer."""


class _Expectation(StrictModel):
    name: str | None = None
    """A label for reports and quarantine reasons; defaults to `<type>_<column>`."""
    action: Action = "warn"
    """What happens to rows that fail the check."""


class NotNull(_Expectation):
    """The column has a value."""

    type: Literal["not_null"]
    """Discriminator."""
    column: str
    """Column checked."""


class Unique(_Expectation):
    """No two rows share these column values (every row of a duplicated key fails)."""

    type: Literal["unique"]
    """Discriminator."""
    columns: list[str] = Field(min_length=1)
    """The key columns."""


class Range(_Expectation):
    """The value lies within [min, max]; NULL passes (use not_null for presence)."""

    type: Literal["range"]
    """Discriminator."""
    column: str
    """Column checked."""
    min: float | None = None
    """Lowest allowed value (inclusive)."""
    max: float | None = None
    """Highest allowed value (inclusive)."""

    @model_validator(mode="after")
    def _has_a_bound(self) -> Range:
        if self.min is None and self.max is None:
            raise ValueError("range needs `min`, `max` or both")
        return self


class ValidValues(_Expectation):
    """The value is one of a fixed list; NULL passes."""

    type: Literal["valid_values"]
    """Discriminator."""
    column: str
    """Column checked."""
    values: list[str | int | float | bool] = Field(min_length=1)
    """The allowed values."""


class Regex(_Expectation):
    """The text value matches a regular expression (search semantics; anchor with ^ and $); NULL passes."""

    type: Literal["regex"]
    """Discriminator."""
    column: str
    """Column checked."""
    pattern: str = Field(min_length=1)
    """The regular expression."""


class ExpressionCheck(_Expectation):
    """A SQL boolean expression that must hold; a NULL result passes."""

    type: Literal["expression"]
    """Discriminator."""
    expression: str = Field(min_length=1)
    """A SQL boolean expression over the layer's output columns."""


Expectation = Annotated[
    NotNull | Unique | Range | ValidValues | Regex | ExpressionCheck, Field(discriminator="type")
]
"""One expectation, chosen by `type`."""


def expectation_label(expectation: Expectation) -> str:
    """The name used in reports: the configured one, else `<type>_<column(s)>`."""
    if expectation.name:
        return expectation.name
    if isinstance(expectation, Unique):
        return "unique_" + "_".join(expectation.columns)
    if isinstance(expectation, ExpressionCheck):
        return "expression"
    return f"{expectation.type}_{expectation.column}"
