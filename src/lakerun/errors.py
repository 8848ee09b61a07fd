"""lakerun's one error model: every domain error says whether retrying may help and, where it crosses the
API, the HTTP status and stable code it answers with.

This module imports nothing of lakerun, so every package (the workload side included) may build on it.
The categories that stand for bad input or a missing thing also derive from `ValueError` and `LookupError`:
pydantic turns a `ValueError` raised in a validator into a field error, and code that already caught those
built-ins keeps working. The server answers only these errors with their status; any other exception is
a bug, answered 500 with a correlation id.
"""

from __future__ import annotations


class LakerunError(Exception):
    """Base of every lakerun error; by default a permanent failure of lakerun itself (500)."""

    transient: bool = False
    """True when the same call may succeed later (a busy or unreachable service), False when it never will."""
    http_status: int = 500
    """The status the API answers with when this error reaches it."""
    code: str = "internal_error"
    """A stable, machine-readable name of the error's kind, returned beside the message."""


class InvalidInputError(LakerunError, ValueError):
    """The caller's input is malformed or out of range; the message names the field (422)."""

    http_status = 422
    code = "invalid_input"


class NotFoundError(LakerunError, LookupError):
    """The named thing (attempt, subject, workspace, table group, ...) does not exist (404)."""

    http_status = 404
    code = "not_found"


class ConflictError(LakerunError):
    """The request does not fit the current state, e.g. an action on a finished attempt (409)."""

    http_status = 409
    code = "conflict"


class RejectedError(LakerunError):
    """A request refused as a whole (bad signature, too large, unreadable body) with its own status."""

    code = "rejected"

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.http_status = status_code


class UnavailableError(LakerunError):
    """A service lakerun depends on is busy or unreachable: worth retrying later (503)."""

    transient = True
    http_status = 503
    code = "unavailable"


class UpstreamError(LakerunError):
    """A workspace or other service answered with a refusal lakerun cannot turn into a client error (502)."""

    http_status = 502
    code = "upstream_error"


class ConfigurationError(LakerunError, ValueError):
    """lakerun's own configuration (settings, config files, job parameters) is wrong: fix it, then rerun."""

    code = "configuration_error"


EXIT_FAILED = 1
"""A workload command's exit code when the work failed (or ended on an error nobody foresaw)."""
EXIT_USAGE = 2
"""A workload command's exit code when its arguments or configuration are wrong: fix them, then rerun."""


def exit_code(exc: BaseException) -> int:
    """The exit code a workload command ends with on `exc`: usage for bad input or configuration, else failed."""
    return EXIT_USAGE if isinstance(exc, InvalidInputError | ConfigurationError) else EXIT_FAILED


def unexpected(exc: BaseException) -> str:
    """The one-line message of an error that is not a lakerun error, i.e. a bug: named as such, with its type."""
    return f"unexpected error ({type(exc).__name__}): {exc}"
