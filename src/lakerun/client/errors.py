"""The client's errors: one small hierarchy, by what the caller can do about them, inside lakerun's own
(`except LakerunError` catches every one of them)."""

from __future__ import annotations

from lakerun import errors
from lakerun.errors import LakerunError

__all__ = ["LakerunError"]


class ApiError(LakerunError):
    """Any failure talking to the control plane; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = message


class UnauthorizedError(ApiError):
    """The API token is missing, wrong or revoked (401/403): fix the configuration, retrying will not help."""


class NotFoundError(ApiError, errors.NotFoundError):
    """No such attempt, subject or workspace (404)."""


class ConflictError(ApiError, errors.ConflictError):
    """The action does not fit the attempt's state, e.g. repairing a run that succeeded (409)."""


class ValidationError(ApiError, errors.InvalidInputError):
    """The request was refused as malformed; the message names the field (400/422)."""


class ServerError(ApiError):
    """The control plane failed (5xx): worth retrying later."""

    transient = True


class UnreachableError(ApiError):
    """The control plane could not be reached or did not answer in time: worth retrying later."""

    transient = True


class WaitTimeoutError(ApiError):
    """`wait()` gave up before the attempt ended; the attempt itself goes on."""


def error_for(status: int, detail: str) -> ApiError:
    """The typed error for an HTTP error status."""
    kind: type[ApiError]
    if status in (401, 403):
        kind = UnauthorizedError
    elif status == 404:
        kind = NotFoundError
    elif status == 409:
        kind = ConflictError
    elif status in (400, 422):
        kind = ValidationError
    elif status >= 500:
        kind = ServerError
    else:
        kind = ApiError
    return kind(f"{status}: {detail}", status)
