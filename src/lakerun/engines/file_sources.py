"""File sources as Arrow datasets: csv, json, jsonl, parquet and delta, local or in an object store.

A dataset is lazy: engines scan it in batches with projection pushdown, so a large source is never
loaded whole. CSV lands as text unless types are inferred, which keeps dirty raw values intact.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from lakerun.engines.cloud_options import delta_storage_options
from lakerun.engines.files import FileSource, SourceError
from lakerun.engines.io_errors import SourceMissingError
from lakerun.engines.locations import localize

if TYPE_CHECKING:
    import fsspec


def _arrow_filesystem(
    uri: str, options: dict[str, Any]
) -> tuple[pafs.FileSystem, fsspec.AbstractFileSystem, str]:
    try:
        source = FileSource.open_url(uri, options)
    except SourceError as exc:
        raise SourceMissingError(str(exc)) from None
    local = source.protocol == "file"
    arrow_fs = pafs.LocalFileSystem() if local else pafs.PyFileSystem(pafs.FSSpecHandler(source.fs))
    return arrow_fs, source.fs, source.root


def list_files(uri: str, options: dict[str, Any] | None = None) -> list[str]:
    """The data files a file source names (a file, a directory's files, or a glob's matches)."""
    _, fs, path = _arrow_filesystem(uri, options or {})
    if any(ch in path for ch in "*?["):
        matches = sorted(fs.glob(path))
    elif fs.isdir(path):
        matches = sorted(p for p in fs.find(path) if not p.rsplit("/", 1)[-1].startswith(("_", ".")))
    else:
        matches = [path] if fs.exists(path) else []
    if not matches:
        raise SourceMissingError(f"source not found: {uri}")
    return matches


def _csv_header(arrow_fs: pafs.FileSystem, path: str, delimiter: str) -> list[str]:
    with arrow_fs.open_input_stream(path) as stream:
        reader = pacsv.open_csv(stream, parse_options=pacsv.ParseOptions(delimiter=delimiter))
        return list(reader.schema.names)


def _csv_dataset(uri: str, options: dict[str, Any], infer_types: bool, delimiter: str) -> ds.Dataset:
    arrow_fs, _, _ = _arrow_filesystem(uri, options)
    files = list_files(uri, options)
    column_types = (
        {} if infer_types else dict.fromkeys(_csv_header(arrow_fs, files[0], delimiter), pa.string())
    )
    file_format = ds.CsvFileFormat(
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types=column_types, strings_can_be_null=True),
    )
    return ds.dataset(files, format=file_format, filesystem=arrow_fs)


def _json_array_dataset(uri: str, options: dict[str, Any]) -> ds.Dataset:
    _, fs, _ = _arrow_filesystem(uri, options)
    rows: list[dict[str, Any]] = []
    for path in list_files(uri, options):
        with fs.open(path, "r", encoding="utf-8") as handle:
            document = json.load(handle)
        rows.extend(document if isinstance(document, list) else [document])
    return ds.dataset(pa.Table.from_pylist(rows))


def delta_dataset(uri: str, options: dict[str, Any] | None = None, version: int | None = None) -> ds.Dataset:
    """A Delta table (optionally at a past version) as an Arrow dataset."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        storage = {**delta_storage_options(uri), **(options or {})}
        table = DeltaTable(localize(uri), version=version, storage_options=storage or None)
    except TableNotFoundError:
        raise SourceMissingError(f"table not found: {uri}") from None
    return table.to_pyarrow_dataset()


def open_dataset(
    uri: str,
    file_format: str,
    options: dict[str, Any] | None = None,
    *,
    infer_types: bool = False,
    delimiter: str = ",",
) -> ds.Dataset:
    """The rows of a file source as a lazy Arrow dataset."""
    opts = options or {}
    if file_format == "delta":
        return delta_dataset(uri, opts)
    if file_format == "csv":
        return _csv_dataset(uri, opts, infer_types, delimiter)
    if file_format == "json":
        return _json_array_dataset(uri, opts)
    arrow_fs, _, _ = _arrow_filesystem(uri, opts)
    arrow_format = "json" if file_format == "jsonl" else file_format
    return ds.dataset(list_files(uri, opts), format=arrow_format, filesystem=arrow_fs)
