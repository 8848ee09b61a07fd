"""Format detection and dataset discovery: which files form one dataset, and in what format.

A dataset is a single file, a folder of part files (hive-style `key=value` partitions recognised),
or a Delta table directory (it has a `_delta_log`). Discovery walks the source top-down and yields
datasets as it goes, so a tree of 10,000 files never needs more than its own listing in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lakerun.engines.files import FileEntry, FileSource, Filters
from lakerun.errors import InvalidInputError


class Format(StrEnum):
    """The file formats lakerun reads."""

    CSV = "csv"
    TSV = "tsv"
    PARQUET = "parquet"
    JSON = "json"
    JSONL = "jsonl"
    XLSX = "xlsx"
    DELTA = "delta"


_EXTENSIONS = {
    ".csv": Format.CSV,
    ".tsv": Format.TSV,
    ".tab": Format.TSV,
    ".parquet": Format.PARQUET,
    ".pq": Format.PARQUET,
    ".parq": Format.PARQUET,
    ".json": Format.JSON,
    ".jsonl": Format.JSONL,
    ".ndjson": Format.JSONL,
    ".xlsx": Format.XLSX,
    ".xlsm": Format.XLSX,
}
_COMPRESSIONS = (".gz", ".bz2", ".zst")
_PARTITION_DIR = re.compile(r"^([^=/]+)=([^/]*)$")

SOURCE_TYPES: dict[str, frozenset[Format] | None] = {
    "auto": None,
    "csv": frozenset({Format.CSV, Format.TSV}),
    "tsv": frozenset({Format.TSV}),
    "parquet": frozenset({Format.PARQUET}),
    "json": frozenset({Format.JSON, Format.JSONL}),
    "jsonl": frozenset({Format.JSONL}),
    "excel": frozenset({Format.XLSX}),
    "xlsx": frozenset({Format.XLSX}),
    "delta": frozenset({Format.DELTA}),
    "azure_blob": None,
    "aws_s3": None,
    "dbfs": None,
    "volumes": None,
    "local": None,
}
"""Seed 000's `source_type` values: a format narrows discovery to it; a location type means `auto`."""


def formats_for(source_type: str | None) -> frozenset[Format] | None:
    """The formats a `source_type` argument asks for (None = all); unknown names are rejected."""
    key = (source_type or "auto").strip().lower()
    if key not in SOURCE_TYPES:
        raise InvalidInputError(
            f"unknown source_type {source_type!r}; expected one of {', '.join(SOURCE_TYPES)}"
        )
    return SOURCE_TYPES[key]


def format_of(name: str) -> Format | None:
    """Format from a file name's extension (compressed text formats included), or None."""
    lower = name.lower()
    for suffix in _COMPRESSIONS:
        if lower.endswith(suffix):
            lower = lower[: -len(suffix)]
            break
    dot = lower.rfind(".")
    return _EXTENSIONS.get(lower[dot:]) if dot >= 0 else None


def sniff(head: bytes) -> Format | None:
    """Format from a file's first bytes, for files without a known extension."""
    if head.startswith(b"PAR1"):
        return Format.PARQUET
    if head.startswith(b"PK\x03\x04"):
        return Format.XLSX
    stripped = head.lstrip()
    if stripped.startswith((b"{", b"[")):
        return Format.JSON
    return None


def is_hidden(name: str) -> bool:
    """Spark/Hadoop bookkeeping files (`_SUCCESS`, `.crc`, `_committed_*`) are not data."""
    return name.startswith(("_", ".")) or name.endswith(".crc")


@dataclass
class Dataset:
    """Files that together form one table, with their format and hive partition values."""

    name: str
    """Path relative to the source root (the file name for a single file at the root)."""
    path: str
    format: Format
    kind: str
    """`file`, `folder` (part files) or `delta`."""
    files: list[FileEntry] = field(default_factory=list)
    partitions: list[dict[str, str]] = field(default_factory=list)
    """Per file, its `key=value` partition values (same order as `files`)."""
    partition_columns: list[str] = field(default_factory=list)

    @property
    def size_bytes(self) -> int:
        """Total size of the dataset's files."""
        return sum(entry.size for entry in self.files)


@dataclass(frozen=True)
class Skipped:
    """A file discovery passed over, and why (unknown format, not the requested format, mixed folder)."""

    path: str
    reason: str
    is_error: bool = False


@dataclass
class Discovery:
    """Walks one source and yields datasets and skipped files; counts what it saw."""

    source: FileSource
    filters: Filters = field(default_factory=Filters)
    wanted: frozenset[Format] | None = None
    files_seen: int = 0
    truncated: bool = False

    def __iter__(self) -> Iterator[Dataset | Skipped]:
        if self.source.is_file():
            self.files_seen += 1
            yield from self._single(self.source.root, self.source.entry(self.source.root))
            return
        for dirpath, dirs, files in self.source.walk():
            if self.truncated:
                return
            if "_delta_log" in dirs:
                dirs.clear()
                yield from self._delta(dirpath)
            elif _is_part_folder(dirs, files):
                dirs.clear()
                yield from self._folder(dirpath)
            else:
                yield from self._files(files)

    def _files(self, files: dict[str, Any]) -> Iterator[Dataset | Skipped]:
        for name in sorted(files):
            info = files[name]
            if is_hidden(name) or not self._admit(info["name"]):
                continue
            yield from self._single(info["name"], self.source.entry(info["name"], info))

    def _admit(self, path: str) -> bool:
        if not self.filters.keeps(self.source.relative(path)):
            return False
        if self.filters.max_files is not None and self.files_seen >= self.filters.max_files:
            self.truncated = True
            return False
        self.files_seen += 1
        return True

    def _single(self, path: str, entry: FileEntry) -> Iterator[Dataset | Skipped]:
        fmt = format_of(path) or self._sniff(path, entry)
        if fmt is None:
            yield Skipped(path, "unrecognised file format")
        elif self.wanted is not None and fmt not in self.wanted:
            yield Skipped(path, f"{fmt} is not the requested source type")
        else:
            name = self.source.relative(path) or path.rsplit("/", 1)[-1]
            yield Dataset(name=name, path=path, format=fmt, kind="file", files=[entry], partitions=[{}])

    def _sniff(self, path: str, entry: FileEntry) -> Format | None:
        if entry.size == 0 or "." in path.rsplit("/", 1)[-1]:
            return None
        with self.source.fs.open(path, "rb") as handle:
            return sniff(handle.read(64))

    def _delta(self, dirpath: str) -> Iterator[Dataset | Skipped]:
        if not self.filters.keeps(self.source.relative(dirpath) or dirpath.rsplit("/", 1)[-1]):
            return
        if self.wanted is not None and Format.DELTA not in self.wanted:
            yield Skipped(dirpath, "delta is not the requested source type")
            return
        self.files_seen += 1
        name = self.source.relative(dirpath) or dirpath.rsplit("/", 1)[-1]
        yield Dataset(name=name, path=dirpath, format=Format.DELTA, kind="delta")

    def _folder(self, dirpath: str) -> Iterator[Dataset | Skipped]:
        name = self.source.relative(dirpath) or dirpath.rsplit("/", 1)[-1]
        members: list[tuple[str, FileEntry, dict[str, str]]] = []
        for sub, _dirs, files in self.source.fs.walk(dirpath, detail=True):
            values = partition_values(sub[len(dirpath) :])
            for fname in sorted(files):
                info = files[fname]
                if not is_hidden(fname) and self._admit(info["name"]):
                    members.append((fname, self.source.entry(info["name"], info), values))
        yield from self._group(name, dirpath, members)

    def _group(
        self, name: str, dirpath: str, members: list[tuple[str, FileEntry, dict[str, str]]]
    ) -> Iterator[Dataset | Skipped]:
        formats = [format_of(fname) for fname, _entry, _values in members]
        known = [fmt for fmt in formats if fmt is not None]
        if not known:
            return
        main = max(set(known), key=known.count)
        if self.wanted is not None and main not in self.wanted:
            yield Skipped(dirpath, f"{main} is not the requested source type")
            return
        dataset = Dataset(name=name, path=dirpath, format=main, kind="folder")
        for (_fname, entry, values), fmt in zip(members, formats, strict=True):
            if fmt != main:
                yield Skipped(
                    entry.path, f"mixed formats in {name}: {fmt or 'unknown'} among {main} files", True
                )
                continue
            dataset.files.append(entry)
            dataset.partitions.append(values)
        dataset.partition_columns = list(
            dict.fromkeys(key for values in dataset.partitions for key in values)
        )
        yield dataset


def partition_values(relative_dir: str) -> dict[str, str]:
    """`{key: value}` of the hive-style `key=value` segments of a relative folder path."""
    values: dict[str, str] = {}
    for segment in relative_dir.strip("/").split("/"):
        match = _PARTITION_DIR.match(segment)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _is_part_folder(dirs: dict[str, Any], files: dict[str, Any]) -> bool:
    if any(_PARTITION_DIR.match(name) for name in dirs):
        return True
    return any(name.startswith("part-") for name in files)
