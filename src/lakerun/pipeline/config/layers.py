"""A layer (source, transform, expectations, sink) and the pipeline that chains up to four of them."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from lakerun.pipeline.config.base import LAYER_ORDER, LayerName, StrictModel
from lakerun.pipeline.config.expectations import Expectation, expectation_label
from lakerun.pipeline.config.sinks import DeltaSink
from lakerun.pipeline.config.sources import LayerOutputSource, Source
from lakerun.pipeline.config.transforms import Transform

SqlDialect = Literal["duckdb", "spark", "databricks"]
EngineName = Literal["duckdb", "spark"]


class LayerConfig(StrictModel):
    """One layer: read a source, transform it, check expectations, write a Delta table."""

    layer: LayerName | None = None
    """The layer's name; in a pipeline file it must match the key it is listed under."""
    description: str = ""
    """What this layer is for."""
    source: Source | None = None
    """Where rows come from; defaults to the previous layer's sink (required for the first layer)."""
    transform: Transform = Field(default_factory=Transform)
    """SQL and declarative steps applied to the source rows."""
    expectations: list[Expectation] = Field(default_factory=list)
    """Checks on the transformed rows, each with its action."""
    sink: DeltaSink
    """The Delta table written."""
    quarantine_table: str | None = None
    """Where `quarantine` rows go; defaults to the sink's name (or path) with a `_quarantine` suffix."""

    @model_validator(mode="after")
    def _labels_unique(self) -> LayerConfig:
        labels = [expectation_label(e) for e in self.expectations]
        duplicated = sorted({label for label in labels if labels.count(label) > 1})
        if duplicated:
            raise ValueError(f"expectations need distinct names; give `name` to: {', '.join(duplicated)}")
        return self


class PipelineConfig(StrictModel):
    """A medallion pipeline: named layers run in the order raw, bronze, silver, gold."""

    name: str
    """Pipeline name (letters, digits, `_` and `-`); used for job and bundle names."""
    description: str = ""
    """What the pipeline produces."""
    vars: dict[str, str] = Field(default_factory=dict)
    """Default template variables, overridden by `--vars k=v`."""
    warehouse: str = "warehouse"
    """Root under which three-level table names are stored locally (relative to the config file)."""
    sql_dialect: SqlDialect = "duckdb"
    """The dialect the config's SQL is written in; it is transpiled to the engine's dialect."""
    engine: EngineName = "duckdb"
    """The default engine evaluating the plan (`--engine` overrides)."""
    layers: dict[LayerName, LayerConfig] = Field(min_length=1)
    """The layers by name: an inline mapping, or (in the file) a path to a layer file."""

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value):
            raise ValueError("use letters, digits, `_` and `-`, starting with a letter")
        return value

    @model_validator(mode="after")
    def _layers_coherent(self) -> PipelineConfig:
        for name, layer in self.layers.items():
            if layer.layer is not None and layer.layer != name:
                raise ValueError(f"layer listed as `{name}` declares `layer: {layer.layer}`")
            source = layer.source
            if isinstance(source, LayerOutputSource) and source.layer not in self.layers:
                raise ValueError(f"layer `{name}` reads layer `{source.layer}`, which this pipeline lacks")
        first = self.ordered_layers()[0]
        if self.layers[first].source is None:
            raise ValueError(f"the first layer (`{first}`) needs a `source`")
        return self

    def ordered_layers(self) -> list[LayerName]:
        """The configured layer names in run order."""
        return [name for name in LAYER_ORDER if name in self.layers]

    def upstream_of(self, layer: LayerName) -> LayerName | None:
        """The layer run just before `layer`, or None for the first."""
        names = self.ordered_layers()
        index = names.index(layer)
        return names[index - 1] if index else None
