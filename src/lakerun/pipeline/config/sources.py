"""Where a table reads its rows from: files, an existing Delta table, or (single-chain form) another layer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from lakerun.pipeline.config.base import LayerName, StrictModel
from lakerun.pipeline.tables import check_table_name

FileFormat = Literal["csv", "json", "jsonl", "parquet", "delta"]


class FileSource(StrictModel):
    """Files read through fsspec: a file, a directory or a glob, local or in an object store."""

    type: Literal["files"]
    """Discriminator: read files."""
    path: str
    """Local path, `dbfs:/...`, `/Volumes/...`, `s3://...` or `abfss://...` (a file, directory or glob)."""
    format: FileFormat
    """File format; `jsonl` is one JSON object per line, `json` a JSON array or object per file."""
    infer_types: bool = False
    """For csv/json: infer column types; when false every column lands as text (lossless raw landing)."""
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    """CSV field delimiter."""
    options: dict[str, str] = Field(default_factory=dict)
    """fsspec / object-store options (e.g. `key`, `secret`, `endpoint_url`); values may be secret references."""


class TableSource(StrictModel):
    """An existing Delta table, by Unity Catalog name (`catalog.schema.table`) or by path."""

    type: Literal["table"]
    """Discriminator: read a Delta table."""
    table: str
    """Three-level name `catalog.schema.table` (stored under the warehouse locally) or a table path/URI."""
    version: int | None = Field(default=None, ge=0)
    """Time travel: read this table version instead of the latest."""
    options: dict[str, str] = Field(default_factory=dict)
    """Object-store options for the table's location; values may be secret references."""

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str) -> str:
        return check_table_name(value)


class LayerOutputSource(StrictModel):
    """The table another layer of the same pipeline writes (single-chain `layers:` form only)."""

    type: Literal["layer"]
    """Discriminator: read another layer's sink."""
    layer: LayerName
    """The layer whose sink table is read."""


Source = Annotated[FileSource | TableSource, Field(discriminator="type")]
"""An external source of a table: files or a Delta table, chosen by `type`."""

LayerSource = Annotated[FileSource | TableSource | LayerOutputSource, Field(discriminator="type")]
"""A source in the single-chain `layers:` form, which may also name another layer."""
