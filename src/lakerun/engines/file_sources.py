"""File sources as Arrow datasets for the pipeline: csv, tsv, json, jsonl, parquet and delta, local or remote.

A thin front of the one file-source layer (`lakerun.engines.datasets`): the same listing, format
vocabulary, typed reader and NULL rule as the executor and the profiler, so one file reads the same
everywhere. A dataset is lazy where the format allows (parquet, csv, delta are scanned in batches with
projection pushdown); CSV lands as text unless types are inferred, which keeps dirty raw values intact.
"""

from __future__ import annotations

from typing import Any

__all__ = ["delta_dataset", "list_files", "open_dataset"]

import pyarrow as pa
import pyarrow.dataset as ds

from lakerun.engines import csv_fast
from lakerun.engines.datasets import arrow_dataset, arrow_filesystem, csv_format, delta_dataset, read_arrow
from lakerun.engines.files import FileSource, SourceError
from lakerun.engines.formats import Dataset, Format, is_hidden
from lakerun.engines.io_errors import SourceMissingError
from lakerun.engines.readers import DatasetReader, ReadError


def _source(uri: str, options: dict[str, Any]) -> FileSource:
    try:
        return FileSource.open_url(uri, options)
    except SourceError as exc:
        raise SourceMissingError(str(exc)) from None


def list_files(uri: str, options: dict[str, Any] | None = None) -> list[str]:
    """The data files a file source names (a file, a directory's files, or a glob's matches)."""
    source = _source(uri, options or {})
    fs, path = source.fs, source.root
    if any(ch in path for ch in "*?["):
        matches = sorted(fs.glob(path))
    elif fs.isdir(path):
        matches = sorted(p for p in fs.find(path) if not is_hidden(p.rsplit("/", 1)[-1]))
    else:
        matches = [path] if fs.exists(path) else []
    if not matches:
        raise SourceMissingError(f"source not found: {uri}")
    return matches


def _dataset(source: FileSource, uri: str, fmt: Format, files: list[str]) -> Dataset:
    entries = [source.entry(path) for path in files]
    return Dataset(
        name=uri, path=source.root, format=fmt, kind="folder", files=entries, partitions=[{}] * len(entries)
    )


def _header(source: FileSource, dataset: Dataset, fmt: Format) -> list[str] | None:
    """The first file's column names read from its first block; None when that block cannot be parsed
    alone (the full reader then decides)."""
    entry = dataset.files[0]
    if entry.size == 0:
        raise SourceMissingError(f"{entry.path}: file is empty")
    try:
        return csv_fast.column_names(source.fs, entry.path, fmt)
    except csv_fast.NotUtf8Error as exc:
        raise SourceMissingError(f"{entry.path}: {exc}") from None
    except (csv_fast.TypeConflictError, ValueError, pa.ArrowInvalid):
        return None


def _csv_schema(source: FileSource, dataset: Dataset, delimiter: str, infer_types: bool) -> pa.Schema:
    """The reader's inferred types (strings when not inferring); other delimiters: pyarrow's first block."""
    standard = {",": Format.CSV, "\t": Format.TSV}.get(delimiter)
    if standard is not None and not infer_types:
        names = _header(source, dataset, standard)
        if names is not None:
            return pa.schema([pa.field(name, pa.string()) for name in names])
    if standard is not None:
        reader = DatasetReader(source)
        try:
            schema = reader.file_schema_and_count(dataset.files[0], standard)[0]
        except ReadError as exc:
            raise SourceMissingError(f"{dataset.files[0].path}: {exc}") from None
        finally:
            reader.close()
    else:
        import pyarrow.csv as pacsv

        with source.fs.open(dataset.files[0].path, "rb") as handle:
            schema = pacsv.open_csv(
                handle,
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
                convert_options=pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True),
            ).schema
    return schema if infer_types else pa.schema([pa.field(f.name, pa.string()) for f in schema])


def open_dataset(
    uri: str,
    file_format: str,
    options: dict[str, Any] | None = None,
    *,
    infer_types: bool = False,
    delimiter: str = ",",
) -> ds.Dataset:
    """The rows of a file source as an Arrow dataset (lazy for parquet, csv and delta).

    `delta_dataset` (re-exported here) opens a Delta table, optionally at a past version."""
    opts = options or {}
    if file_format == "delta":
        return delta_dataset(uri, opts)
    source = _source(uri, opts)
    fmt = Format(file_format)
    dataset = _dataset(source, uri, fmt, list_files(uri, opts))
    if fmt in (Format.CSV, Format.TSV):
        schema = _csv_schema(source, dataset, "\t" if fmt is Format.TSV else delimiter, infer_types)
        paths = [e.path for e in dataset.files]
        return ds.dataset(
            paths, format=csv_format(schema, fmt, delimiter), filesystem=arrow_filesystem(source)
        )
    if fmt in (Format.JSON, Format.JSONL, Format.XLSX):
        try:
            return ds.dataset(read_arrow(source, dataset).read_all())
        except ReadError as exc:
            raise SourceMissingError(f"{uri}: {exc}") from None
    return arrow_dataset(source, dataset)
