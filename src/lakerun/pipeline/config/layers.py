"""The pipeline: a graph of tables, or the single-chain form of up to four layers (converted to tables)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from lakerun.pipeline.config.base import LAYER_ORDER, LayerName, StrictModel
from lakerun.pipeline.config.expectations import Expectation, expectation_label
from lakerun.pipeline.config.sinks import DeltaSink
from lakerun.pipeline.config.sources import LayerOutputSource, LayerSource
from lakerun.pipeline.config.tables import Input, TableConfig
from lakerun.pipeline.config.transforms import INPUT_VIEW, Transform
from lakerun.pipeline.graph import TableGraph, build_graph

SqlDialect = Literal["duckdb", "spark", "databricks"]
EngineName = Literal["duckdb", "spark"]


class LayerConfig(StrictModel):
    """One layer of the single-chain form: read a source, transform it, check expectations, write a table."""

    layer: LayerName | None = None
    """The layer's name; in a pipeline file it must match the key it is listed under."""
    description: str = ""
    """What this layer is for."""
    source: LayerSource | None = None
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
    """A pipeline: tables, each in a layer, each reading sources or other tables; run in graph order."""

    name: str
    """Pipeline name (letters, digits, `_` and `-`); used for job and bundle names."""
    description: str = ""
    """What the pipeline produces."""
    vars: dict[str, str] = Field(default_factory=dict)
    """Default template variables, overridden by `--vars k=v`."""
    warehouse: str = "warehouse"
    """Root under which three-level table names are stored locally (relative to the config file)."""
    catalog: str = "main"
    """The catalog of tables without an explicit sink (`<catalog>.<layer>.<table>`)."""
    sql_dialect: SqlDialect = "duckdb"
    """The dialect the config's SQL is written in; it is transpiled to the engine's dialect."""
    engine: EngineName = "duckdb"
    """The default engine evaluating the plan (`--engine` overrides)."""
    tables: dict[str, TableConfig] = Field(default_factory=dict)
    """The tables by name; their inputs make the dependency graph."""
    layers: dict[LayerName, LayerConfig] | None = None
    """Single-chain form: layers raw, bronze, silver, gold by name, each reading the previous one.

    Each layer becomes a table named after it; use `tables:` for joins, several tables per layer and graphs."""
    _graph: TableGraph | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _name_is_identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", value):
            raise ValueError("use letters, digits, `_` and `-`, starting with a letter")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> PipelineConfig:
        if self.layers and self.tables:
            raise ValueError("declare `tables:` or the single-chain `layers:`, not both")
        if not self.layers and not self.tables:
            raise ValueError("a pipeline needs `tables:` (or the single-chain `layers:`)")
        tables = _tables_of_layers(self.layers) if self.layers else dict(self.tables)
        tables = {name: self._with_sink(name, table) for name, table in tables.items()}
        for name in tables:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"table name `{name}`: use letters, digits and `_`")
        object.__setattr__(self, "tables", tables)
        by_sink = {t.sink.table: n for n, t in tables.items() if t.sink is not None and t.sink.table}
        upstream = {
            n: [*t.upstream_tables(), *[by_sink[s.table] for s in t.table_sources() if s.table in by_sink]]
            for n, t in tables.items()
        }
        graph = build_graph(upstream, {n: t.layer for n, t in tables.items()})
        self._graph = graph
        return self

    def _with_sink(self, name: str, table: TableConfig) -> TableConfig:
        if table.sink is not None:
            return table
        return table.model_copy(update={"sink": DeltaSink(table=f"{self.catalog}.{table.layer}.{name}")})

    @property
    def graph(self) -> TableGraph:
        """The tables' dependency graph."""
        if self._graph is None:
            raise AssertionError("the pipeline config was not validated")
        return self._graph

    def sink_of(self, table: str) -> DeltaSink:
        """The sink of a table (always set after validation)."""
        sink = self.tables[table].sink
        assert sink is not None
        return sink

    def table_writing(self, name: str) -> str | None:
        """The pipeline table whose sink is the Unity Catalog table `name`, if any."""
        return next((n for n, t in self.tables.items() if t.sink is not None and t.sink.table == name), None)

    def ordered_layers(self) -> list[str]:
        """The layers in the order their first table runs."""
        return self.graph.layer_order()

    def ordered_tables(self) -> list[str]:
        """The table names in run order."""
        return list(self.graph.order)


def _tables_of_layers(layers: dict[LayerName, LayerConfig]) -> dict[str, TableConfig]:
    """Each layer of the single-chain form as a table named after it, reading the previous layer."""
    names = [name for name in LAYER_ORDER if name in layers]
    tables: dict[str, TableConfig] = {}
    for index, name in enumerate(names):
        layer = layers[name]
        if layer.layer is not None and layer.layer != name:
            raise ValueError(f"layer listed as `{name}` declares `layer: {layer.layer}`")
        source = layer.source
        if isinstance(source, LayerOutputSource) and source.layer not in layers:
            raise ValueError(f"layer `{name}` reads layer `{source.layer}`, which this pipeline lacks")
        if source is None and index == 0:
            raise ValueError(f"the first layer (`{name}`) needs a `source`")
        read: Input
        if source is None:
            read = names[index - 1]
        elif isinstance(source, LayerOutputSource):
            read = source.layer
        else:
            read = source
        tables[name] = TableConfig(
            layer=name,
            description=layer.description,
            inputs={INPUT_VIEW: read},
            transform=layer.transform,
            expectations=layer.expectations,
            sink=layer.sink,
            quarantine_table=layer.quarantine_table,
        )
    return tables
