"""Walking a run's data source: datasets with their metadata, and every per-file problem logged.

Metadata extraction, data reading and quality assessment all start here, so a file that cannot be
read is reported the same way by each of them, and the walk goes on with the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lakerun.engines.files import FileSource, Filters, SourceError
from lakerun.engines.formats import Dataset, Discovery, Skipped, formats_for
from lakerun.engines.readers import DatasetInfo, DatasetReader, ReadError
from lakerun.errors import LakerunError
from lakerun.executor.context import RunContext
from lakerun.executor.credentials import storage_options_for
from lakerun.executor.ids import stable_id

MAX_LISTED = 100
"""Per-dataset and per-error entries kept in a result (counts are always complete)."""


class NothingProcessedError(LakerunError):
    """Not a single dataset of the source could be read: the job fails."""


@dataclass
class ScanTally:
    """Counts and the first few entries of what a walk found, for the job's JSON result."""

    files_found: int = 0
    datasets_ok: int = 0
    datasets_failed: int = 0
    total_size_bytes: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    error_count: int = 0
    skipped_count: int = 0
    truncated: bool = False

    def error(self, path: str, message: str) -> None:
        """Count a per-file error and keep the first `MAX_LISTED` of them."""
        self.error_count += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append({"path": path, "error": message})

    def as_result(self) -> dict[str, Any]:
        """The counting part of a job result."""
        return {
            "files_found": self.files_found,
            "datasets_found": self.datasets_ok + self.datasets_failed,
            "datasets_failed": self.datasets_failed,
            "total_size_bytes": self.total_size_bytes,
            "files_skipped": self.skipped_count,
            "error_count": self.error_count,
            "errors": self.errors,
            "listing_truncated": self.truncated,
        }


def open_source(ctx: RunContext) -> FileSource:
    """The run's data source, checked to exist (a `SourceError` fails the job with a clear message)."""
    path = ctx.settings.source_path
    if not path:
        raise SourceError("no data_source_path given")
    source = FileSource.open_url(path, storage_options_for(ctx, path))
    source.check_exists()
    return source


def table_id(ctx: RunContext, dataset: Dataset) -> str:
    """Stable id of a dataset within the run's source."""
    return stable_id(ctx.source_id or "", dataset.name)


@dataclass
class ScanCache:
    """What the steps of one run share: the opened source, its reader, and each dataset's metadata."""

    source: FileSource
    reader: DatasetReader
    infos: dict[str, tuple[DatasetInfo | None, str | None]] = field(default_factory=dict)
    reported: set[str] = field(default_factory=set)
    """Paths whose problems are already in the run's logs (each is logged once per run)."""

    def close(self) -> None:
        """Release the reader."""
        self.reader.close()


def _cache(ctx: RunContext) -> ScanCache:
    if not isinstance(ctx.scan_cache, ScanCache):
        source = open_source(ctx)
        ctx.scan_cache = ScanCache(source, DatasetReader(source))
    return ctx.scan_cache


class SourceScan:
    """Walks the run's source; yields readable datasets with their metadata (inspected once per run)."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.cache = _cache(ctx)
        self.source = self.cache.source
        self.reader = self.cache.reader
        settings = ctx.settings
        self.discovery = Discovery(
            self.source,
            Filters(include=settings.include, exclude=settings.exclude, max_files=settings.max_files),
            wanted=formats_for(settings.source_type),
        )
        self.tally = ScanTally()

    def close(self) -> None:
        """Nothing to release: the run closes its shared reader when it ends."""

    def __iter__(self) -> Iterator[tuple[Dataset, DatasetInfo | None, str | None]]:
        """(dataset, info, None) for readable datasets, (dataset, None, error) for unreadable ones."""
        for item in self.discovery:
            if isinstance(item, Skipped):
                self._skipped(item)
                continue
            yield self._inspect(item)
        self.tally.files_found = self.discovery.files_seen
        self.tally.truncated = self.discovery.truncated
        if self.discovery.truncated:
            self.ctx.log("WARNING", f"listing stopped after --max-files={self.ctx.settings.max_files} files")

    def _log_once(self, level: str, message: str, path: str) -> None:
        if path not in self.cache.reported:
            self.cache.reported.add(path)
            self.ctx.log(level, message, path)

    def _skipped(self, item: Skipped) -> None:
        if item.is_error:
            self.tally.error(item.path, item.reason)
            self._log_once("ERROR", item.reason, item.path)
        else:
            self.tally.skipped_count += 1
            self._log_once("INFO", f"skipped: {item.reason}", item.path)

    def _inspect(self, dataset: Dataset) -> tuple[Dataset, DatasetInfo | None, str | None]:
        if dataset.path not in self.cache.infos:
            try:
                self.cache.infos[dataset.path] = (self.reader.inspect(dataset), None)
            except ReadError as exc:
                self.cache.infos[dataset.path] = (None, str(exc))
        info, error = self.cache.infos[dataset.path]
        if info is None:
            self.tally.datasets_failed += 1
            self.tally.error(dataset.path, str(error))
            self._log_once("ERROR", f"{dataset.name}: {error}", dataset.path)
            return dataset, None, error
        for problem in info.problems:
            self.tally.error(problem.path, problem.message)
            self._log_once("ERROR", f"{dataset.name}: {problem.message}", problem.path)
        self.tally.datasets_ok += 1
        self.tally.total_size_bytes += info.size_bytes
        return dataset, info, None

    @property
    def walked_everything(self) -> bool:
        """True when the walk saw the whole source (no globs, no file cap reached)."""
        settings = self.ctx.settings
        return not (settings.include or settings.exclude or self.tally.truncated)

    def require_something_read(self) -> None:
        """Fail the job when the walk read nothing at all."""
        if self.tally.datasets_ok == 0:
            detail = (
                f"{self.tally.error_count} file(s) failed"
                if self.tally.error_count
                else "no data files found"
            )
            raise NothingProcessedError(
                f"nothing could be processed under {self.ctx.settings.source_path}: {detail}"
            )
