"""The one file-source layer: find the datasets a path names, and hand them to DuckDB, Spark or Arrow.

Listing (`FileSource`, any of local, `dbfs:/`, `/Volumes`, s3, abfss), recognition (`Discovery` and its
one `Format` vocabulary: a file, a folder of part files with hive partitions, a Delta table at any
depth) and typed reading (`DatasetReader`) live in `files`, `formats` and `readers`; this module is
what the executor, the profiler and the pipeline call to turn a user's path into registered tables.
Every text format is typed once, by the same reader, so one CSV has the same types through every door;
text such as `NA`, `N/A`, `null` or `nan` stays text (only an empty field is NULL) and is judged by
the profiler's placeholder rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from lakerun.engines.delta_io import open_table
from lakerun.engines.files import FileSource, Filters, SourceError
from lakerun.engines.formats import Dataset, Discovery, Format, Skipped
from lakerun.engines.io_errors import SourceMissingError
from lakerun.engines.readers import DatasetReader, ReadError
from lakerun.errors import InvalidInputError

if TYPE_CHECKING:
    import pyarrow.dataset as ds

    from lakerun.engines.duckdb_engine import DuckDBEngine
    from lakerun.engines.spark_tables import SparkTableEngine

NULL_TEXT = ("",)
"""The only text read as NULL: an empty field (DuckDB's and Spark's CSV default)."""


class LocationError(InvalidInputError):
    """A path that names no dataset, several where one was expected, or one that cannot be read."""


@dataclass
class Located:
    """The datasets under one path, what was passed over, and the source they live in."""

    source: FileSource
    datasets: list[Dataset] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def single(self, each_hint: str = "") -> Dataset:
        """The one dataset this path names; several are refused by name, none is an error."""
        if len(self.datasets) == 1:
            return self.datasets[0]
        if not self.datasets:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in self.skipped[:3])
            raise LocationError(
                f"{self.source.url}: no dataset found{' (' + reasons + ')' if reasons else ''}"
            )
        names = ", ".join(d.name for d in self.datasets[:10])
        more = f" and {len(self.datasets) - 10} more" if len(self.datasets) > 10 else ""
        raise LocationError(
            f"{self.source.url} holds {len(self.datasets)} datasets ({names}{more}); name one of them{each_hint}"
        )


def locate(target: str, options: dict[str, Any] | None = None, filters: Filters | None = None) -> Located:
    """Every dataset under `target` (a file, a folder, a Delta table, a prefix in an object store)."""
    try:
        source = FileSource.open_url(target, options)
        source.check_exists()
        located = Located(source)
        for item in Discovery(source, filters or Filters()):
            if isinstance(item, Dataset):
                located.datasets.append(item)
            else:
                located.skipped.append(item)
    except SourceError as exc:
        raise LocationError(str(exc)) from exc
    return located


def is_empty(dataset: Dataset) -> bool:
    """A dataset made only of zero-byte files: no header, no rows (Delta tables never are)."""
    return dataset.kind != "delta" and bool(dataset.files) and all(f.size == 0 for f in dataset.files)


def table_name(dataset: Dataset) -> str:
    """A table name for a dataset: its relative path without format extensions, e.g. `sales/orders`."""
    name = dataset.name.rstrip("/")
    if dataset.kind != "file":
        return name
    for suffix in (".gz", ".bz2", ".zst"):
        name = name.removesuffix(suffix)
    folder, _, base = name.rpartition("/")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{folder}/{stem}" if folder else stem


def read_arrow(source: FileSource, dataset: Dataset, limit: int | None = None) -> pa.RecordBatchReader:
    """The dataset's rows as typed Arrow batches (at most `limit`): the reader every door shares."""
    reader = DatasetReader(source)
    info = reader.inspect(dataset)
    if info.problems:
        first = info.problems[0]
        reader.close()
        raise ReadError(f"{len(info.problems)} file(s) cannot be read, e.g. {first.path}: {first.message}")

    def batches() -> Any:
        try:
            yield from reader.iter_batches(dataset, info, limit)
        finally:
            reader.close()

    return pa.RecordBatchReader.from_batches(info.schema, batches())


def arrow_dataset(source: FileSource, dataset: Dataset, *, infer_types: bool = True) -> ds.Dataset:
    """A lazy Arrow dataset: parquet and Delta scanned in place, CSV/TSV with the reader's types (or all
    text when `infer_types` is off), JSON and Excel read once by the reader."""
    import pyarrow.dataset as ds

    if dataset.format is Format.DELTA:
        return delta_dataset(source.uri(dataset.path))
    arrow_fs = arrow_filesystem(source)
    paths = [entry.path for entry in dataset.files]
    if dataset.format is Format.PARQUET:
        return ds.dataset(paths, format="parquet", filesystem=arrow_fs)
    if dataset.format in (Format.CSV, Format.TSV):
        schema = _csv_schema(source, dataset, infer_types)
        return ds.dataset(paths, format=csv_format(schema, dataset.format), filesystem=arrow_fs)
    return ds.dataset(read_arrow(source, dataset).read_all())


def csv_format(schema: pa.Schema, fmt: Format = Format.CSV, delimiter: str = ",") -> ds.CsvFileFormat:
    """pyarrow's CSV format with fixed column types and only the empty field read as NULL."""
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    return ds.CsvFileFormat(
        parse_options=pacsv.ParseOptions(delimiter="\t" if fmt is Format.TSV else delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types={f.name: f.type for f in schema},
            null_values=list(NULL_TEXT),
            strings_can_be_null=True,
        ),
    )


def _csv_schema(source: FileSource, dataset: Dataset, infer_types: bool) -> pa.Schema:
    reader = DatasetReader(source)
    try:
        schema = reader.file_schema_and_count(dataset.files[0], dataset.format)[0]
    finally:
        reader.close()
    return schema if infer_types else pa.schema([pa.field(f.name, pa.string()) for f in schema])


def arrow_filesystem(source: FileSource) -> Any:
    """The pyarrow filesystem reading a source's paths (local, or its fsspec filesystem wrapped)."""
    import pyarrow.fs as pafs

    if source.protocol == "file":
        return pafs.LocalFileSystem()
    return pafs.PyFileSystem(pafs.FSSpecHandler(source.fs))


def delta_dataset(uri: str, options: dict[str, Any] | None = None, version: int | None = None) -> ds.Dataset:
    """A Delta table (optionally at a past version) as an Arrow dataset, opened by `delta_io.open_table`."""
    table = open_table(uri, options, version)
    if table is None:
        raise SourceMissingError(f"table not found: {uri}")
    return table.to_pyarrow_dataset()


def register_duckdb(engine: DuckDBEngine, name: str, source: FileSource, dataset: Dataset) -> None:
    """Expose a dataset in DuckDB as `name`: local parquet through DuckDB's own scanner (it streams and
    pushes projections down), Delta as an Arrow dataset, everything else typed by the reader once."""
    quoted = exp.to_identifier(name, quoted=True).sql("duckdb")
    if dataset.format is Format.PARQUET and source.protocol == "file":
        listed = exp.Array(expressions=[exp.Literal.string(e.path) for e in dataset.files]).sql("duckdb")
        hive = ", hive_partitioning = true" if dataset.partition_columns else ""
        engine.query(f"CREATE OR REPLACE VIEW {quoted} AS SELECT * FROM read_parquet({listed}{hive})")
        return
    if dataset.format is Format.DELTA:
        hidden = f"__lakerun_delta_{abs(hash(name))}"
        engine.register(hidden, arrow_dataset(source, dataset))
        engine.query(f'CREATE OR REPLACE VIEW {quoted} AS SELECT * FROM "{hidden}"')
        return
    engine.copy_in(name, read_arrow(source, dataset))


def register_spark(engine: SparkTableEngine, name: str, source: FileSource, dataset: Dataset) -> None:
    """Expose a dataset in Spark as the view `name`, with the reader's column types for text formats."""
    uri = source.uri(dataset.path)
    if dataset.format in (Format.CSV, Format.TSV):
        schema = _csv_schema(source, dataset, infer_types=True)
        delimiter = "\t" if dataset.format is Format.TSV else ","
        engine.register_files(name, uri, "csv", arrow_schema=schema, delimiter=delimiter)
    elif dataset.format in (Format.DELTA, Format.PARQUET, Format.JSON, Format.JSONL):
        engine.register_files(name, uri, str(dataset.format))
    else:
        engine.session.createDataFrame(
            read_arrow(source, dataset).read_all().to_pandas()
        ).createOrReplaceTempView(name)
