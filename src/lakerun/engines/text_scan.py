"""CSV, TSV and JSON files read with real inferred types: pyarrow's CSV reader first, DuckDB otherwise.

CSV and TSV take the fast pyarrow path (`csv_fast`) unless its first-block types do not hold for the
whole file; JSON, and CSV whose types conflict, go through DuckDB's streaming scanners. DuckDB sniffs types (integers, doubles, dates, timestamps, booleans) from a sample and streams the
rest; when a later row contradicts the sample, the scan is redone with the whole file sniffed.
DuckDB's JSON sniffer takes `2013-01-01T06:00:00Z` as a timestamp but leaves fractional seconds
(`...00.000Z`, what JavaScript and pandas write) and offsets (`+02:00`) as text, while the CSV reader
types them: a JSON text column whose every value is such an ISO-8601 timestamp is read as a UTC
timestamp, so the same rows get the same types (and scores) as JSON, CSV or parquet.
Remote files are read through the source's fsspec filesystem, registered with DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from sqlglot import exp

from lakerun.engines import csv_fast
from lakerun.engines.formats import Format
from lakerun.errors import LakerunError

if TYPE_CHECKING:
    import pyarrow as pa

    from lakerun.engines.files import FileSource

T = TypeVar("T")

_SCANNERS = {
    Format.CSV: ("read_csv", ""),
    Format.TSV: ("read_csv", ", delim = '\t'"),
    Format.JSON: ("read_json", ", format = 'auto'"),
    Format.JSONL: ("read_json", ", format = 'newline_delimited'"),
}


ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?"
"""An ISO-8601 date and time, with optional seconds, fraction and zone (`Z` or an offset)."""


class ScanError(LakerunError):
    """DuckDB could not read the file; the message is short and names the problem."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def short_message(exc: BaseException) -> str:
    """The first meaningful lines of a DuckDB error, without its long 'possible solutions' list."""
    lines = [
        line for line in str(exc).splitlines() if line.strip() and not line.startswith("Possible Solution")
    ]
    return " ".join(lines[:3])[:400]


class TextScanner:
    """One DuckDB connection that scans text files of one source (count, schema, batches)."""

    def __init__(self, source: FileSource) -> None:
        import duckdb

        self._duckdb = duckdb
        self.source = source
        self.connection = duckdb.connect()
        self.connection.execute("SET threads = 2")
        self.connection.execute("SET TimeZone = 'UTC'")
        self._full_sniff: set[str] = set()
        self._timestamps: dict[str, list[str]] = {}
        self._fast_schemas: dict[str, pa.Schema] = {}
        if source.protocol != "file":
            self.connection.register_filesystem(source.fs)

    def close(self) -> None:
        """Release the DuckDB connection."""
        self.connection.close()

    def _raw_scan_sql(self, path: str, fmt: Format, full_sniff: bool) -> str:
        function, extra = _SCANNERS[fmt]
        sample = ", sample_size = -1" if full_sniff else ""
        if fmt in (Format.JSON, Format.JSONL) and full_sniff:
            sample = ", sample_size = -1, maximum_sample_files = 1"
        return f"{function}({_quote(self.source.uri(path))}{extra}{sample})"

    def _scan_sql(self, path: str, fmt: Format, full_sniff: bool) -> str:
        """The scan, with the JSON text columns found to hold timestamps read as UTC timestamps."""
        scan = self._raw_scan_sql(path, fmt, full_sniff)
        columns = self._timestamps.get(path)
        if not columns:
            return scan
        replaced = ", ".join(f"{_as_utc_timestamp(name)} AS {_identifier(name)}" for name in columns)
        return f"(SELECT * REPLACE ({replaced}) FROM {scan})"

    def _find_timestamps(self, scan: str, schema: pa.Schema) -> list[str]:
        """The text columns of a JSON scan whose every non-null value is an ISO-8601 timestamp."""
        import pyarrow as pa

        text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        if not text:
            return []
        checks = []
        for name in text:
            value = exp.column(name, quoted=True)
            is_timestamp = exp.and_(
                exp.RegexpLike(this=value, expression=exp.Literal.string(f"^{ISO_TIMESTAMP}$")),
                exp.TryCast(this=value, to=exp.DataType.build("TIMESTAMPTZ")).is_(exp.null()).not_(),
            )
            checks.append(exp.Count(this=value))
            checks.append(exp.Count(this=exp.If(this=is_timestamp, true=exp.Literal.number(1))))
        query = exp.select(*checks).sql("duckdb") + f" FROM {scan}"
        row = self.connection.cursor().execute(query).fetchone() or ()
        pairs = zip(row[0::2], row[1::2], strict=True)
        return [
            name for name, (values, stamps) in zip(text, pairs, strict=True) if values and values == stamps
        ]

    def _with_retry(self, path: str, fmt: Format, action: Callable[[str], T]) -> T:
        try:
            return action(self._scan_sql(path, fmt, full_sniff=False))
        except self._duckdb.Error as first:
            if "convert" not in str(first).lower() and "cast" not in str(first).lower():
                raise ScanError(short_message(first)) from first
        try:
            result = action(self._scan_sql(path, fmt, full_sniff=True))
        except self._duckdb.Error as second:
            raise ScanError(short_message(second)) from second
        self._full_sniff.add(path)
        return result

    def count_and_schema(self, path: str, fmt: Format) -> tuple[pa.Schema, int]:
        """Exact row count and inferred Arrow schema; every column is converted, so types hold for all rows."""
        if fmt in (Format.CSV, Format.TSV):
            try:
                schema, rows = csv_fast.count_and_schema(self.source.fs, path, fmt)
            except csv_fast.NotUtf8Error as exc:
                raise ScanError(str(exc)) from exc
            except (csv_fast.TypeConflictError, ValueError):
                pass
            else:
                self._fast_schemas[path] = schema
                return schema, rows
        return self._duckdb_count_and_schema(path, fmt)

    def _duckdb_count_and_schema(self, path: str, fmt: Format) -> tuple[pa.Schema, int]:

        def run(scan: str) -> tuple[pa.Schema, int]:
            cursor = self.connection.cursor()
            schema = cursor.execute(f"SELECT * FROM {scan} LIMIT 0").fetch_arrow_table().schema
            row = cursor.execute(f"SELECT count(*), count(COLUMNS(*)) FROM {scan}").fetchone()
            cursor.close()
            return schema, int(row[0]) if row else 0

        schema, rows = self._with_retry(path, fmt, run)
        if fmt in (Format.JSON, Format.JSONL) and rows:
            scan = self._raw_scan_sql(path, fmt, full_sniff=path in self._full_sniff)
            self._timestamps[path] = self._find_timestamps(scan, schema)
            if self._timestamps[path]:
                typed = self._scan_sql(path, fmt, full_sniff=path in self._full_sniff)
                schema = (
                    self.connection.cursor()
                    .execute(f"SELECT * FROM {typed} LIMIT 0")
                    .fetch_arrow_table()
                    .schema
                )
        return schema, rows

    def iter_batches(self, path: str, fmt: Format, limit: int | None = None) -> Iterator[pa.RecordBatch]:
        """Typed record batches (at most `limit` rows), from the same reader that inferred the schema."""
        if path in self._fast_schemas:
            yield from csv_fast.iter_batches(self.source.fs, path, fmt, self._fast_schemas[path], limit)
            return
        clause = f" LIMIT {int(limit)}" if limit is not None else ""
        cursor = self.connection.cursor()
        try:
            scan = self._scan_sql(path, fmt, full_sniff=path in self._full_sniff)
            yield from cursor.execute(f"SELECT * FROM {scan}{clause}").fetch_record_batch(65536)
        except self._duckdb.Error as exc:
            raise ScanError(short_message(exc)) from exc
        finally:
            cursor.close()


def _identifier(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("duckdb")


def _as_utc_timestamp(name: str) -> str:
    """`name` read as TIMESTAMPTZ (a value without a zone is UTC) and kept as a plain UTC timestamp."""
    zoned = exp.cast(exp.column(name, quoted=True), exp.DataType.build("TIMESTAMPTZ"))
    utc = exp.func("timezone", exp.Literal.string("UTC"), zoned)
    return exp.cast(utc, exp.DataType.build("TIMESTAMP")).sql("duckdb")
