"""File sources over fsspec: one place that turns a user's path into a filesystem and a listing.

Local paths, `dbfs:/`, `/dbfs/` and `/Volumes/` (mapped by `lakerun.engines.locations`, into the
local workspace's folders when `LAKERUN_DBFS_ROOT` / `LAKERUN_VOLUMES_ROOT` are set), `s3://` (s3fs) and `abfss://`, `az://`, `wasbs://` (adlfs) are
all listed the same way: a generator of small `FileEntry` records, so 10,000 files cost a few MB.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import fsspec

from lakerun.engines.cloud_options import fsspec_options, split_azure_url
from lakerun.engines.locations import AZURE_SCHEMES, READABLE_SCHEMES, localize, unreadable_scheme
from lakerun.errors import LakerunError


class SourceError(LakerunError):
    """The source as a whole cannot be reached (bad URL, missing path, no credentials)."""


@dataclass(frozen=True)
class FileEntry:
    """One file found under a source: where it is and what the listing says about it."""

    path: str
    """Path as the filesystem knows it (no protocol), e.g. `bucket/raw/a.csv`."""
    size: int
    modified: datetime | None


@dataclass(frozen=True)
class Filters:
    """Which files a walk keeps: include/exclude globs on the relative path, and a file cap."""

    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    max_files: int | None = None

    def keeps(self, relative: str) -> bool:
        """True when `relative` passes the include globs (if any) and no exclude glob."""
        name = relative.rsplit("/", 1)[-1]
        if self.include and not any(_matches(relative, name, p) for p in self.include):
            return False
        return not any(_matches(relative, name, p) for p in self.exclude)


def _matches(relative: str, name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern)


@dataclass
class FileSource:
    """A filesystem and a root path inside it, built from one user-facing URL."""

    url: str
    fs: Any
    root: str
    protocol: str
    options: dict[str, Any] = field(default_factory=dict, repr=False)
    azure_account: str | None = None
    """Storage account named in an `abfss://c@account...` URL, kept for the URLs handed to delta-rs."""

    @classmethod
    def open_url(cls, url: str, options: dict[str, Any] | None = None) -> FileSource:
        """Resolve `url` (any supported scheme) into a source; credentials come from the environment."""
        if not url or not url.strip():
            raise SourceError("data source path is empty")
        local = localize(url.strip())
        scheme = unreadable_scheme(local)
        if scheme:
            raise SourceError(
                f"cannot open {url!r}: {scheme}:// is not read here (readable: {', '.join(READABLE_SCHEMES)}, "
                "local paths, dbfs:/ and /Volumes)"
            )
        target = _normalise_azure(local)
        protocol = target.split("://", 1)[0] if "://" in target else "file"
        merged = {**fsspec_options(protocol, local), **(options or {})}
        try:
            fs, root = fsspec.core.url_to_fs(target, **merged)
        except (ImportError, ValueError) as exc:
            raise SourceError(f"cannot open {url!r}: {exc}") from exc
        account = split_azure_url(local)[1] if protocol in AZURE_SCHEMES else None
        root = str(root).rstrip("/") or "/"
        return cls(url=url, fs=fs, root=root, protocol=protocol, options=merged, azure_account=account)

    def uri(self, path: str) -> str:
        """Full URL of a path inside this source (what delta-rs and users see)."""
        if self.protocol == "file":
            return path
        if self.azure_account:
            container, _, rest = path.partition("/")
            return f"abfss://{container}@{self.azure_account}.dfs.core.windows.net/{rest}"
        return f"{self.protocol}://{path}"

    def relative(self, path: str) -> str:
        """Path of `path` relative to the source root ('' for the root itself)."""
        if path == self.root:
            return ""
        return path[len(self.root) :].lstrip("/")

    def check_exists(self) -> None:
        """Raise a clear `SourceError` when the root does not exist or cannot be read."""
        try:
            exists = self.fs.exists(self.root)
        except PermissionError as exc:
            raise SourceError(f"no permission to read {self.url}: {exc}") from exc
        except OSError as exc:
            raise SourceError(f"cannot reach {self.url}: {exc}") from exc
        if not exists:
            raise SourceError(f"path does not exist: {self.url}")

    def is_file(self) -> bool:
        """True when the root is a single file rather than a folder/prefix."""
        return bool(self.fs.isfile(self.root))

    def entry(self, path: str, info: dict[str, Any] | None = None) -> FileEntry:
        """A `FileEntry` for `path`, from a listing's info dict or a fresh `info()` call."""
        info = info if info is not None else self.fs.info(path)
        return FileEntry(path=path, size=int(info.get("size") or 0), modified=modified_time(info))

    def walk(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """`fs.walk` with details, top-down, so callers may prune `dirs` in place."""
        errors: list[OSError] = []
        yield from self.fs.walk(self.root, detail=True, on_error=errors.append)
        for error in errors:
            if isinstance(error, PermissionError):
                raise SourceError(f"no permission to list part of {self.url}: {error}")


def modified_time(info: dict[str, Any]) -> datetime | None:
    """Modification time from an fsspec info dict, whatever the backend calls it."""
    for key in ("mtime", "LastModified", "last_modified", "modification_time", "updated"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), tz=UTC)
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def _normalise_azure(url: str) -> str:
    """`wasbs://c@acct.blob...`, `wasbs://c/path` and `abfss://c@acct.dfs...` become adlfs's `abfs://c/path`."""
    spelled_with_account = url.startswith(("abfss://", "abfs://")) and "@" in url.split("/", 3)[2]
    if spelled_with_account or url.startswith(("wasbs://", "wasb://")):
        container, _account, path = split_azure_url(url)
        return f"abfs://{container}/{path}".rstrip("/")
    return url
