"""Workspace errors sorted into "try again later" and "give up", at the edge where the SDK raises them."""

from __future__ import annotations

from databricks.sdk import errors

_PERMANENT = (
    errors.BadRequest,
    errors.NotFound,
    errors.PermissionDenied,
    errors.Unauthenticated,
    errors.ResourceConflict,
    errors.NotImplemented,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,
)
"""Besides the workspace's refusals, errors in the attempt's own spec: retrying the same spec fails the same way."""


def is_transient(exc: BaseException) -> bool:
    """True for throttling, server errors, timeouts and connection failures: retrying may succeed."""
    return not isinstance(exc, _PERMANENT)


def describe(exc: BaseException) -> str:
    """A short, secret-free description of a workspace error for attempts and logs."""
    return f"{type(exc).__name__}: {exc}"[:2000]
