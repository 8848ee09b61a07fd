"""Table and file I/O errors, each saying whether a retry could help."""

from __future__ import annotations

from lakerun.errors import LakerunError


class TableIOError(LakerunError):
    """Reading or writing a table or files failed; `transient` says whether retrying may help."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class SourceMissingError(TableIOError):
    """The files or table named as a source do not exist."""
