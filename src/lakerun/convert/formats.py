"""Record readers and writers (controller services) → Spark data source formats and options."""

from __future__ import annotations

from lakerun.convert.model import ControllerService

_READERS = {
    "CSVReader": "csv",
    "JsonTreeReader": "json",
    "JsonPathReader": "json",
    "AvroReader": "avro",
    "ParquetReader": "parquet",
    "XMLReader": "xml",
}
_WRITERS = {
    "CSVRecordSetWriter": "csv",
    "JsonRecordSetWriter": "json",
    "AvroRecordSetWriter": "avro",
    "ParquetRecordSetWriter": "parquet",
    "XMLRecordSetWriter": "xml",
}
JSON_PROCESSORS = frozenset({"EvaluateJsonPath", "SplitJson", "JoltTransformJSON", "FlattenJson"})
TEXT_PROCESSORS = frozenset({"ReplaceText", "ExtractText", "SplitText", "RouteOnContent", "HashContent"})


def reader_format(service: ControllerService | None) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The Spark format and options that parse what a NiFi record reader parses; None if unknown."""
    if service is None or service.kind not in _READERS:
        return None
    fmt = _READERS[service.kind]
    props = service.properties
    if fmt == "csv":
        header = props.get("Treat First Line as Header", "false") == "true" or props.get(
            "schema-access-strategy", "infer-schema"
        ) in ("infer-schema", "csv-header-derived")
        return fmt, (
            ("header", str(header).lower()),
            ("sep", _unescape(props.get("Value Separator", ","))),
            ("quote", props.get("Quote Character", '"')),
            ("inferSchema", "true"),
        )
    if fmt == "json":
        return fmt, (("multiLine", "true"),)
    if fmt == "xml":
        return fmt, (("rowTag", "record"),)
    return fmt, ()


def writer_format(service: ControllerService | None) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The Spark format and options that write what a NiFi record writer writes; None if unknown."""
    if service is None or service.kind not in _WRITERS:
        return None
    fmt = _WRITERS[service.kind]
    props = service.properties
    if fmt == "csv":
        return fmt, (
            ("header", props.get("Include Header Line", "true")),
            ("sep", _unescape(props.get("Value Separator", ","))),
        )
    return fmt, ()


def is_reader(service: ControllerService | None) -> bool:
    """Whether a service is a record reader the catalogue knows."""
    return service is not None and service.kind in _READERS


def _unescape(value: str) -> str:
    return {"\\t": "\t", "\\n": "\n"}.get(value, value)
