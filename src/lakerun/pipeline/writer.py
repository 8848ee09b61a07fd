"""Writing a table's batch to Delta with delta-rs: the sink write, range replacement for backfills, and the
small reads (version, columns, commit metadata) that make reruns idempotent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from lakerun.engines import delta_io
from lakerun.engines.io_errors import TableIOError
from lakerun.engines.locations import localize
from lakerun.pipeline import secrets
from lakerun.pipeline.plan import SinkPlan

PREDICATE_DIALECT = "postgres"
"""delta-rs predicates are DataFusion SQL, which reads the postgres rendering of sqlglot expressions."""


class TableWriter(Protocol):
    """Writes a table's rows to its sink and answers what the sink already holds."""

    def write(
        self, sink: SinkPlan, data: Any, metadata: Mapping[str, str], replace_where: str | None = None
    ) -> int:
        """Write `data` according to the sink's mode (or replace the rows matching `replace_where`)."""

    def delete_where(self, sink: SinkPlan, predicate: str) -> None:
        """Delete the sink's rows matching `predicate` (nothing when the table does not exist)."""

    def current_version(self, sink: SinkPlan) -> int | None:
        """The table's latest version, or None when it does not exist."""

    def columns(self, sink: SinkPlan) -> list[str] | None:
        """The table's columns, or None when it does not exist."""

    def last_metadata(self, sink: SinkPlan, key: str) -> str | None:
        """`key` in the latest commit that recorded it, or None."""

    def latest_metadata(self, sink: SinkPlan, key: str) -> str | None:
        """`key` in the latest commit only (None when that commit lacks it)."""


class DeltaRsWriter:
    """Writes Delta tables with delta-rs (local disk, DBFS/Volumes mounts, S3, ADLS)."""

    def __init__(self, secret_getter: secrets.SecretGetter = secrets.default_getter) -> None:
        self.secret_getter = secret_getter

    def _options(self, sink: SinkPlan) -> dict[str, str]:
        return secrets.resolve_options(sink.options, self.secret_getter)

    def write(
        self, sink: SinkPlan, data: Any, metadata: Mapping[str, str], replace_where: str | None = None
    ) -> int:
        """Overwrite, append or merge `data` into the sink table, or replace a range of it."""
        if replace_where is not None and self.current_version(sink) is not None:
            return self._replace_where(sink, data, metadata, replace_where)
        result = delta_io.write_table(
            sink.uri,
            data,
            mode=sink.mode,  # type: ignore[arg-type]
            keys=sink.keys,
            partition_by=sink.partition_by,
            options=self._options(sink),
            metadata=metadata,
        )
        return result.version

    def _replace_where(self, sink: SinkPlan, data: Any, metadata: Mapping[str, str], predicate: str) -> int:
        from deltalake import CommitProperties, write_deltalake
        from deltalake.exceptions import DeltaError

        options = self._options(sink)
        try:
            write_deltalake(
                localize(sink.uri),
                data,
                mode="overwrite",
                predicate=predicate,
                storage_options=delta_io.storage_options(sink.uri, options),
                commit_properties=CommitProperties(custom_metadata=dict(metadata)) if metadata else None,
            )
        except (DeltaError, OSError, ValueError) as exc:
            raise TableIOError(f"replacing rows of Delta table {sink.uri} failed: {exc}") from exc
        version = self.current_version(sink)
        assert version is not None
        return version

    def delete_where(self, sink: SinkPlan, predicate: str) -> None:
        """Delete matching rows in one commit (none when nothing matches)."""
        table = delta_io.open_table(sink.uri, self._options(sink))
        if table is not None:
            table.delete(predicate)

    def current_version(self, sink: SinkPlan) -> int | None:
        """The latest version of the sink table."""
        table = delta_io.open_table(sink.uri, self._options(sink))
        return None if table is None else table.version()

    def columns(self, sink: SinkPlan) -> list[str] | None:
        """The sink table's columns."""
        return delta_io.table_columns(sink.uri, self._options(sink))

    def last_metadata(self, sink: SinkPlan, key: str) -> str | None:
        """`key` in the latest commit that recorded it."""
        return delta_io.commit_metadata_value(sink.uri, key, self._options(sink))

    def latest_metadata(self, sink: SinkPlan, key: str) -> str | None:
        """`key` in the latest commit only."""
        table = delta_io.open_table(sink.uri, self._options(sink))
        if table is None:
            return None
        history = table.history(1)
        return str(history[0][key]) if history and key in history[0] else None
