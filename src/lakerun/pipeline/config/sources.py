"""Where a table reads its rows from: files, an existing Delta table, a database, or (single-chain form)
another layer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

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


class DatabaseSource(StrictModel):
    """A table or query of a database (PostgreSQL), read through its DB-API driver (psycopg)."""

    type: Literal["database"]
    """Discriminator: read a database."""
    url: str = Field(min_length=1)
    """Connection URL, e.g. `postgresql://reader:{{secrets/crm/password}}@db.internal:5432/crm`; put the
    password (or the whole URL) in a secret reference, never in the file."""
    table: str | None = None
    """The table to read (`schema.table` or `table`); give `table` or `query`."""
    query: str | None = None
    """A SELECT in the database's own SQL; give `table` or `query`."""
    watermark: str | None = None
    """A column that grows with new rows (an id or an update time): each run reads only the rows above the
    highest value the last run read, and the table must append or merge them."""

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0].lower() if "://" in value else ""
        if scheme not in ("postgresql", "postgres"):
            raise ValueError("use a `postgresql://user:password@host:port/database` URL")
        return value

    @model_validator(mode="after")
    def _table_or_query(self) -> DatabaseSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of `table` and `query`")
        return self


class LayerOutputSource(StrictModel):
    """The table another layer of the same pipeline writes (single-chain `layers:` form only)."""

    type: Literal["layer"]
    """Discriminator: read another layer's sink."""
    layer: LayerName
    """The layer whose sink table is read."""


Source = Annotated[FileSource | TableSource | DatabaseSource, Field(discriminator="type")]
"""An external source of a table: files, a Delta table or a database, chosen by `type`."""

LayerSource = Annotated[
    FileSource | TableSource | DatabaseSource | LayerOutputSource, Field(discriminator="type")
]
"""A source in the single-chain `layers:` form, which may also name another layer."""
