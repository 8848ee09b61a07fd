"""Where a layer writes: a Delta table, how (overwrite, append, merge) and its incremental watermark."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from lakerun.pipeline.config.base import StrictModel
from lakerun.pipeline.tables import check_table_name

WriteMode = Literal["overwrite", "append", "merge"]


class Watermark(StrictModel):
    """Incremental reads: only source rows with `column` above the last stored watermark are processed.

    The watermark is stored in the target table's own commit metadata (same atomic commit as the data),
    so it survives ephemeral clusters and moves with the table.
    """

    column: str
    """An output column that only grows (an ingestion time, an update time, a sequence number).

    It is compared after the transform, on its typed value (a date compares as a date, not as text)."""


class DeltaSink(StrictModel):
    """A Delta table written by the layer."""

    table: str | None = None
    """Unity Catalog name `catalog.schema.table` (stored as `<warehouse>/catalog/schema/table` locally)."""
    path: str | None = None
    """Or an explicit table location (local path, `dbfs:/`, `/Volumes`, `s3://`, `abfss://`)."""
    mode: WriteMode = "overwrite"
    """`overwrite` replaces the table, `append` adds rows, `merge` upserts by `keys`."""
    keys: list[str] = Field(default_factory=list)
    """Merge keys: rows matching on all of them are updated, the others inserted."""
    partition_by: list[str] = Field(default_factory=list)
    """Partition columns of the table."""
    watermark: Watermark | None = None
    """Process only new source rows (needs mode append or merge)."""
    options: dict[str, str] = Field(default_factory=dict)
    """Object-store options for the table's location; values may be secret references."""

    @field_validator("table")
    @classmethod
    def _table_name(cls, value: str | None) -> str | None:
        return None if value is None else check_table_name(value)

    @model_validator(mode="after")
    def _coherent(self) -> DeltaSink:
        if (self.table is None) == (self.path is None):
            raise ValueError("a sink needs exactly one of `table` or `path`")
        if self.mode == "merge" and not self.keys:
            raise ValueError("mode `merge` needs `keys`")
        if self.keys and self.mode != "merge":
            raise ValueError("`keys` only apply to mode `merge`")
        if self.watermark is not None and self.mode == "overwrite":
            raise ValueError("a `watermark` needs mode `append` or `merge` (overwrite would drop older rows)")
        return self
