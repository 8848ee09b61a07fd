"""A table of the pipeline: its layer, its inputs (sources or other tables), transform, checks and sink."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from lakerun.pipeline.config.base import IDENTIFIER, StrictModel
from lakerun.pipeline.config.expectations import Expectation, expectation_label
from lakerun.pipeline.config.sinks import DeltaSink
from lakerun.pipeline.config.sources import Source, TableSource
from lakerun.pipeline.config.transforms import INPUT_VIEW, Transform
from lakerun.pipeline.tables import check_table_name

Input = str | Source
"""Another table of this pipeline by name, or an external source (files, a Delta table)."""


def _check_identifier(value: str, what: str) -> str:
    if not IDENTIFIER.match(value):
        raise ValueError(f"{what} `{value}`: use letters, digits and `_`, not starting with a digit")
    return value


class TableConfig(StrictModel):
    """One table: read its inputs, transform them, check expectations, write a Delta table."""

    layer: str
    """The layer the table belongs to (`bronze`, `silver`, `gold` or any name); groups tasks and pages."""
    description: str = ""
    """What this table holds."""
    inputs: dict[str, Input] = Field(min_length=1)
    """Input name to a table of this pipeline (by name) or a source; a list of table names is accepted.

    The transform's SQL reads each input by its name; a table with one input can also call it `input_data`."""
    transform: Transform = Field(default_factory=Transform)
    """SQL over the inputs, then declarative steps."""
    expectations: list[Expectation] = Field(default_factory=list)
    """Checks on the transformed rows, each with its action."""
    sink: DeltaSink | None = None
    """The Delta table written; default `<catalog>.<layer>.<table name>`, overwritten."""
    quarantine_table: str | None = None
    """Where `quarantine` rows go; defaults to the sink's name (or path) with a `_quarantine` suffix."""

    @field_validator("inputs", mode="before")
    @classmethod
    def _inputs_as_mapping(cls, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return {item: item for item in value}
        return value

    @field_validator("layer")
    @classmethod
    def _layer_name(cls, value: str) -> str:
        return _check_identifier(value, "layer")

    @field_validator("quarantine_table")
    @classmethod
    def _quarantine_name(cls, value: str | None) -> str | None:
        return None if value is None else check_table_name(value)

    @model_validator(mode="after")
    def _coherent(self) -> TableConfig:
        for name in self.inputs:
            _check_identifier(name, "input name")
        if INPUT_VIEW in self.inputs and len(self.inputs) > 1:
            raise ValueError(f"`{INPUT_VIEW}` names the only input; with several inputs name each one")
        if len(self.inputs) > 1 and not self.transform.sql:
            raise ValueError("a table with several inputs needs `transform.sql` naming them (joins, unions)")
        labels = [expectation_label(e) for e in self.expectations]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise ValueError(f"expectations need distinct names; give `name` to: {', '.join(duplicated)}")
        return self

    def table_sources(self) -> list[TableSource]:
        """The inputs read as Delta tables by name or path."""
        return [value for value in self.inputs.values() if isinstance(value, TableSource)]

    def upstream_tables(self) -> list[str]:
        """The tables of the pipeline this one reads."""
        return [value for value in self.inputs.values() if isinstance(value, str)]
