"""Streaming DBFS uploads (`create` → `add-block` → `close`): open handles and their partial files.

Like Databricks, a handle expires after ten minutes without a call; the file appears at its path
only when the handle is closed, so readers never see half an upload.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lakerun.local.errors import DatabricksError, does_not_exist

IDLE_TIMEOUT_SECONDS = 600
MAX_BLOCK_BYTES = 1024 * 1024


def block_too_large(size: int) -> DatabricksError:
    """400 MAX_BLOCK_SIZE_EXCEEDED: one block or `put` body is over 1 MB."""
    return DatabricksError(
        400,
        "MAX_BLOCK_SIZE_EXCEEDED",
        f"The block of {size} bytes exceeds the maximum of {MAX_BLOCK_BYTES} bytes.",
    )


@dataclass
class _Stream:
    target: Path
    partial: Path
    last_used: float


class UploadStreams:
    """Open upload handles of one workspace."""

    def __init__(self, scratch: Path) -> None:
        self._scratch = scratch
        self._streams: dict[int, _Stream] = {}
        self._ids = itertools.count(secrets.randbelow(10**6) + 1)
        self._lock = threading.Lock()

    def open(self, target: Path) -> int:
        """A new handle that will write `target` when closed."""
        self._scratch.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._expire()
            handle = next(self._ids)
            partial = self._scratch / f"upload-{os.getpid()}-{handle}"
            partial.write_bytes(b"")
            self._streams[handle] = _Stream(target, partial, time.monotonic())
        return handle

    def append(self, handle: int, block: bytes) -> None:
        """Adds one block (at most 1 MB) to an open upload."""
        if len(block) > MAX_BLOCK_BYTES:
            raise block_too_large(len(block))
        stream = self._get(handle)
        with stream.partial.open("ab") as out:
            out.write(block)

    def close(self, handle: int) -> Path:
        """Finishes an upload: the file moves into place and the handle is gone."""
        stream = self._get(handle)
        with self._lock:
            self._streams.pop(handle, None)
        stream.target.parent.mkdir(parents=True, exist_ok=True)
        stream.partial.replace(stream.target)
        return stream.target

    def close_all(self) -> None:
        """Drops every open upload (server shutdown)."""
        with self._lock:
            for stream in self._streams.values():
                stream.partial.unlink(missing_ok=True)
            self._streams.clear()

    def _get(self, handle: int) -> _Stream:
        with self._lock:
            self._expire()
            stream = self._streams.get(handle)
            if stream is None:
                raise does_not_exist(f"No file upload handle {handle} is open (it may have expired).")
            stream.last_used = time.monotonic()
            return stream

    def _expire(self) -> None:
        now = time.monotonic()
        for handle, stream in list(self._streams.items()):
            if now - stream.last_used > IDLE_TIMEOUT_SECONDS:
                stream.partial.unlink(missing_ok=True)
                del self._streams[handle]
