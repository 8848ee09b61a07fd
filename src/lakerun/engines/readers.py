"""Typed readers for discovered datasets: exact schema, exact row count and streamed typed batches.

Parquet and Delta answer from metadata (footers, the Delta log) without reading data; CSV, TSV,
JSON and XLSX are inferred with real types and counted by a streaming pass. A folder of part files
is read file by file: a file that cannot be read, or whose schema differs from the folder's, becomes
a `FileProblem` and the rest of the folder is still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from lakerun.engines.delta_io import open_table
from lakerun.engines.files import FileEntry, FileSource
from lakerun.engines.formats import Dataset, Format
from lakerun.engines.text_scan import ScanError, TextScanner
from lakerun.errors import LakerunError

BATCH_ROWS = 65_536


class ReadError(LakerunError):
    """One file (or table) could not be read; the message says what is wrong with it."""


@dataclass(frozen=True)
class FileProblem:
    """A file left out of its dataset, and why."""

    path: str
    message: str


@dataclass
class DatasetInfo:
    """What metadata extraction learns about one dataset."""

    schema: pa.Schema
    row_count: int
    row_count_method: str
    """`metadata` (Parquet footers, Delta log) or `scan` (a streaming count)."""
    size_bytes: int
    file_count: int
    modified: datetime | None
    partition_columns: list[str]
    problems: list[FileProblem] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    """The files that were read (problem files left out)."""


class DatasetReader:
    """Reads the datasets of one source; holds the DuckDB scanner shared by its text files."""

    def __init__(self, source: FileSource) -> None:
        self.source = source
        self._text: TextScanner | None = None

    def close(self) -> None:
        """Release the scanner's connection."""
        if self._text is not None:
            self._text.close()

    @property
    def text(self) -> TextScanner:
        """The DuckDB scanner for CSV/TSV/JSON files, created on first use."""
        if self._text is None:
            self._text = TextScanner(self.source)
        return self._text

    def inspect(self, dataset: Dataset) -> DatasetInfo:
        """Schema, exact row count, size, modification time and partitions of a dataset."""
        if dataset.format is Format.DELTA:
            return _delta_info(self.source, dataset)
        infos: list[tuple[FileEntry, pa.Schema, int]] = []
        problems: list[FileProblem] = []
        for entry in dataset.files:
            try:
                schema, rows = self.file_schema_and_count(entry, dataset.format)
            except ReadError as exc:
                problems.append(FileProblem(entry.path, str(exc)))
                continue
            infos.append((entry, schema, rows))
        return _combine(dataset, infos, problems)

    def file_schema_and_count(self, entry: FileEntry, fmt: Format) -> tuple[pa.Schema, int]:
        """Schema and exact row count of one file, or `ReadError` naming what is wrong."""
        if entry.size == 0:
            raise ReadError("file is empty")
        try:
            if fmt is Format.PARQUET:
                return self._parquet_meta(entry.path)
            if fmt is Format.XLSX:
                return self._xlsx_meta(entry.path)
            return self.text.count_and_schema(entry.path, fmt)
        except ScanError as exc:
            raise ReadError(str(exc)) from exc
        except PermissionError as exc:
            raise ReadError(f"no permission to read the file: {exc}") from exc
        except FileNotFoundError as exc:
            raise ReadError(f"file disappeared while reading: {exc}") from exc
        except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
            raise ReadError(_describe(fmt, exc)) from exc

    def _parquet_meta(self, path: str) -> tuple[pa.Schema, int]:
        import pyarrow.parquet as pq

        with self.source.fs.open(path, "rb") as handle:
            parquet = pq.ParquetFile(handle)
            return parquet.schema_arrow, int(parquet.metadata.num_rows)

    def _xlsx_meta(self, path: str) -> tuple[pa.Schema, int]:
        from lakerun.engines.xlsx import Worksheet

        with self.source.fs.open(path, "rb") as handle:
            sheet = Worksheet(handle)
            try:
                return sheet.count_and_schema()
            finally:
                sheet.close()

    def iter_batches(
        self, dataset: Dataset, info: DatasetInfo, limit: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Typed batches of the whole dataset (partition columns included), at most `limit` rows.

        A file that fails part-way raises `ReadError` naming it, like `inspect` does.
        """
        if dataset.format is Format.DELTA:
            yield from _limited(_delta_batches(self.source, dataset), limit)
            return
        partitions = dict(zip((e.path for e in dataset.files), dataset.partitions, strict=True))
        remaining = limit
        for entry in info.files:
            for raw in self._checked_batches(entry, dataset.format, info.schema, remaining):
                batch = _with_partitions(raw, partitions.get(entry.path, {}), info)
                yield batch
                if remaining is not None:
                    remaining -= batch.num_rows
                    if remaining <= 0:
                        return

    def _checked_batches(
        self, entry: FileEntry, fmt: Format, schema: pa.Schema, limit: int | None
    ) -> Iterator[pa.RecordBatch]:
        try:
            yield from self._file_batches(entry, fmt, schema, limit)
        except ScanError as exc:
            raise ReadError(f"{entry.path}: {exc}") from exc
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ReadError(f"{entry.path}: {_describe(fmt, exc)}") from exc

    def preview(self, dataset: Dataset, info: DatasetInfo, rows: int) -> pa.Table:
        """The first `rows` typed rows of a dataset."""
        batches = list(self.iter_batches(dataset, info, limit=rows))
        if not batches:
            return info.schema.empty_table()
        return pa.Table.from_batches(batches).slice(0, rows)

    def _file_batches(
        self, entry: FileEntry, fmt: Format, schema: pa.Schema, limit: int | None
    ) -> Iterator[pa.RecordBatch]:
        file_schema = _without(schema, _partition_names(schema))
        if fmt is Format.PARQUET:
            yield from _limited(self._parquet_batches(entry.path), limit)
        elif fmt is Format.XLSX:
            yield from self._xlsx_batches(entry.path, file_schema, limit)
        else:
            for batch in self.text.iter_batches(entry.path, fmt, limit):
                yield batch.cast(file_schema) if batch.schema != file_schema else batch

    def _parquet_batches(self, path: str) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        with self.source.fs.open(path, "rb") as handle:
            yield from pq.ParquetFile(handle).iter_batches(batch_size=BATCH_ROWS)

    def _xlsx_batches(self, path: str, schema: pa.Schema, limit: int | None) -> Iterator[pa.RecordBatch]:
        from lakerun.engines.xlsx import Worksheet

        with self.source.fs.open(path, "rb") as handle:
            sheet = Worksheet(handle)
            try:
                yield from sheet.iter_batches(schema, limit)
            finally:
                sheet.close()


def _describe(fmt: Format, exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if fmt is Format.PARQUET:
        return f"corrupt or truncated parquet file: {text}"
    if fmt is Format.XLSX:
        return f"unreadable xlsx workbook: {text}"
    return f"unreadable {fmt} file: {text}"


def _combine(
    dataset: Dataset, infos: list[tuple[FileEntry, pa.Schema, int]], problems: list[FileProblem]
) -> DatasetInfo:
    if not infos:
        reason = problems[0].message if problems else "no readable files"
        raise ReadError(reason)
    reference = infos[0][1]
    kept: list[tuple[FileEntry, int]] = []
    for entry, schema, rows in infos:
        if schema.equals(reference):
            kept.append((entry, rows))
        else:
            problems.append(
                FileProblem(
                    entry.path, f"schema differs from {infos[0][0].path}: {_schema_diff(reference, schema)}"
                )
            )
    schema = _add_partition_fields(reference, dataset)
    modified = [entry.modified for entry, _rows in kept if entry.modified is not None]
    method = "metadata" if dataset.format is Format.PARQUET else "scan"
    return DatasetInfo(
        schema=schema,
        row_count=sum(rows for _entry, rows in kept),
        row_count_method=method,
        size_bytes=sum(entry.size for entry, _rows in kept),
        file_count=len(kept),
        modified=max(modified) if modified else None,
        partition_columns=list(dataset.partition_columns),
        problems=problems,
        files=[entry for entry, _rows in kept],
    )


def _schema_diff(expected: pa.Schema, actual: pa.Schema) -> str:
    want = {f.name: str(f.type) for f in expected}
    have = {f.name: str(f.type) for f in actual}
    parts = [f"missing {n}" for n in want if n not in have] + [f"extra {n}" for n in have if n not in want]
    parts += [f"{n} is {have[n]} not {t}" for n, t in want.items() if n in have and have[n] != t]
    return ", ".join(parts) or "column order differs"


def _partition_type(values: list[str]) -> pa.DataType:
    return pa.int64() if values and all(v.lstrip("-").isdigit() for v in values) else pa.string()


def _add_partition_fields(schema: pa.Schema, dataset: Dataset) -> pa.Schema:
    for column in dataset.partition_columns:
        if column in schema.names:
            continue
        values = [p[column] for p in dataset.partitions if column in p]
        schema = schema.append(
            pa.field(column, _partition_type(values)).with_metadata({b"partition": b"hive"})
        )
    return schema


def _partition_names(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if f.metadata and f.metadata.get(b"partition") == b"hive"]


def _without(schema: pa.Schema, names: list[str]) -> pa.Schema:
    return pa.schema([f for f in schema if f.name not in names])


def _with_partitions(batch: pa.RecordBatch, values: dict[str, str], info: DatasetInfo) -> pa.RecordBatch:
    for name in _partition_names(info.schema):
        field_type = info.schema.field(name).type
        raw = values.get(name)
        value = int(raw) if raw is not None and pa.types.is_integer(field_type) else raw
        batch = batch.append_column(name, pa.array([value] * batch.num_rows, type=field_type))
    return batch


def _limited(batches: Iterator[pa.RecordBatch], limit: int | None) -> Iterator[pa.RecordBatch]:
    remaining = limit
    for batch in batches:
        if remaining is None:
            yield batch
            continue
        if remaining <= 0:
            return
        yield batch.slice(0, remaining)
        remaining -= min(remaining, batch.num_rows)


def _delta_table(source: FileSource, dataset: Dataset) -> Any:
    from deltalake.exceptions import DeltaError

    uri = source.uri(dataset.path)
    try:
        table = open_table(uri)
    except (DeltaError, OSError) as exc:
        raise ReadError(f"unreadable delta table: {str(exc).splitlines()[0]}") from exc
    if table is None:
        raise ReadError("unreadable delta table: no table at its _delta_log")
    return table


def _delta_info(source: FileSource, dataset: Dataset) -> DatasetInfo:
    table = _delta_table(source, dataset)
    schema = pa.schema(table.schema().to_arrow())
    actions = pa.table(table.get_add_actions(flatten=True))
    counts = actions.column("num_records").to_pylist() if "num_records" in actions.schema.names else []
    if counts and all(c is not None for c in counts):
        rows, method = int(sum(counts)), "metadata"
    else:
        rows, method = int(table.to_pyarrow_dataset().count_rows()), "scan"
    times = actions.column("modification_time").to_pylist() if actions.num_rows else []
    modified = max(_as_datetime(t) for t in times) if times else None
    return DatasetInfo(
        schema=schema,
        row_count=rows,
        row_count_method=method,
        size_bytes=int(sum(actions.column("size_bytes").to_pylist())) if actions.num_rows else 0,
        file_count=actions.num_rows,
        modified=modified,
        partition_columns=list(table.metadata().partition_columns),
    )


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value) / 1000.0, tz=UTC)  # type: ignore[arg-type]


def _delta_batches(source: FileSource, dataset: Dataset) -> Iterator[pa.RecordBatch]:
    table = _delta_table(source, dataset)
    yield from table.to_pyarrow_dataset().to_batches(batch_size=BATCH_ROWS)
