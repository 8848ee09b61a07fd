"""Where a layer reads its rows from: files, an existing table, or the previous layer's output."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lakerun.pipeline.config.base import LayerName, StrictModel

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


class LayerOutputSource(StrictModel):
    """The table another layer of the same pipeline writes (the default for every layer after raw)."""

    type: Literal["layer"]
    """Discriminator: read another layer's sink."""
    layer: LayerName
    """The layer whose sink table is read."""


Source = Annotated[FileSource | TableSource | LayerOutputSource, Field(discriminator="type")]
"""One of the source kinds, chosen by `type`."""
