"""Delta tables through delta-rs: overwrite, append and merge writes, commit metadata and time travel.

Delta is the local table format (no Spark needed); the commit metadata of each write carries small
facts about it, such as an incremental watermark, atomically with the data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lakerun.engines.cloud_options import delta_storage_options
from lakerun.engines.io_errors import TableIOError
from lakerun.engines.locations import localize

if TYPE_CHECKING:
    import pyarrow as pa
    from deltalake import DeltaTable

WriteMode = Literal["overwrite", "append", "merge"]
SOURCE_ALIAS = "source"
TARGET_ALIAS = "target"


@dataclass(frozen=True)
class WriteResult:
    """What a write produced: the table version it committed."""

    version: int


def open_table(
    uri: str, options: Mapping[str, str] | None = None, version: int | None = None
) -> DeltaTable | None:
    """The Delta table at `uri`, or None when there is none yet."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        return DeltaTable(localize(uri), version=version, storage_options=storage_options(uri, options))
    except TableNotFoundError:
        return None


def storage_options(uri: str, options: Mapping[str, str] | None) -> dict[str, str] | None:
    """delta-rs options for `uri`: credentials from the environment, overridden by the config's options."""
    merged = {**delta_storage_options(uri), **dict(options or {})}
    return merged or None


def table_columns(uri: str, options: Mapping[str, str] | None = None) -> list[str] | None:
    """The column names of the table at `uri`, or None when it does not exist."""
    table = open_table(uri, options)
    if table is None:
        return None
    return [field.name for field in table.schema().fields]


def commit_metadata_value(uri: str, key: str, options: Mapping[str, str] | None = None) -> str | None:
    """The value of `key` in the most recent commit that recorded it, or None."""
    table = open_table(uri, options)
    if table is None:
        return None
    for commit in table.history():
        if key in commit:
            return str(commit[key])
    return None


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def merge_predicate(keys: Sequence[str]) -> str:
    """The merge join condition: every key equal between target and source."""
    return " AND ".join(f"{TARGET_ALIAS}.{_quoted(k)} = {SOURCE_ALIAS}.{_quoted(k)}" for k in keys)


def _commit(metadata: Mapping[str, str] | None) -> Any:
    from deltalake import CommitProperties

    return CommitProperties(custom_metadata=dict(metadata)) if metadata else None


def _merge(table: DeltaTable, data: Any, keys: Sequence[str], metadata: Mapping[str, str] | None) -> None:
    merger = table.merge(
        data,
        predicate=merge_predicate(keys),
        source_alias=SOURCE_ALIAS,
        target_alias=TARGET_ALIAS,
        merge_schema=True,
        commit_properties=_commit(metadata),
    )
    merger.when_matched_update_all().when_not_matched_insert_all().execute()


def write_table(
    uri: str,
    data: pa.Table | pa.RecordBatchReader,
    *,
    mode: WriteMode,
    keys: Sequence[str] = (),
    partition_by: Sequence[str] = (),
    options: Mapping[str, str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> WriteResult:
    """Write rows to the Delta table at `uri` (created on first write) and return the new version."""
    from deltalake import write_deltalake
    from deltalake.exceptions import DeltaError

    storage = storage_options(uri, options)
    try:
        table = open_table(uri, options)
        if mode == "merge" and table is not None:
            _merge(table, data, keys, metadata)
        else:
            write_deltalake(
                localize(uri),
                data,
                mode="overwrite" if mode == "overwrite" else "append",
                partition_by=list(partition_by) or None,
                schema_mode="overwrite" if mode == "overwrite" else "merge",
                storage_options=storage,
                commit_properties=_commit(metadata),
            )
    except (DeltaError, OSError, ValueError) as exc:
        raise TableIOError(f"writing Delta table {uri} failed: {exc}") from exc
    return WriteResult(version=_version(uri, options))


def _version(uri: str, options: Mapping[str, str] | None) -> int:
    table = open_table(uri, options)
    if table is None:
        raise TableIOError(f"Delta table {uri} vanished after a write")
    return table.version()
