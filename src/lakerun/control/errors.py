"""Workspace and network errors sorted into "try again later" and "give up", and turned into lakerun's own
errors at the edge where the SDK raises them."""

from __future__ import annotations

import httpx
import requests
from databricks.sdk import errors

from lakerun.errors import LakerunError, UnavailableError, UpstreamError

TRANSIENT_SDK_ERRORS: tuple[type[BaseException], ...] = (
    errors.TooManyRequests,
    errors.InternalError,
    errors.TemporarilyUnavailable,
    errors.DeadlineExceeded,
)
"""The workspace's answers that a later call may not get: 429, 500, 503, 504 (and their subclasses)."""

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    requests.ConnectionError,
    requests.Timeout,
    httpx.TransportError,
)
"""No answer at all: refused or reset connections and timeouts, from the standard library, the SDK's
`requests` transport and `httpx`."""


def is_transient(exc: BaseException) -> bool:
    """True only for what is known to pass: a transient lakerun error, the workspace's throttling or
    server errors, and network failures. Everything else — the workspace's refusals, errors in the
    attempt's own spec, bugs — fails the same way when retried."""
    if isinstance(exc, LakerunError):
        return exc.transient
    if isinstance(exc, TRANSIENT_SDK_ERRORS + NETWORK_ERRORS):
        return True
    # A bare DatabricksError is an answer whose status the SDK has no class for: a gateway's 502 above all.
    return type(exc) is errors.DatabricksError


def as_lakerun_error(exc: BaseException) -> LakerunError | None:
    """The lakerun error a workspace or network failure stands for (None for anything else): unreachable
    or throttled is `UnavailableError` (503), any other refusal of the workspace `UpstreamError` (502)."""
    if isinstance(exc, LakerunError):
        return exc
    if isinstance(exc, NETWORK_ERRORS):
        return UnavailableError(describe(exc))
    if isinstance(exc, errors.DatabricksError):
        translated = UpstreamError(f"the workspace refused the call: {describe(exc)}")
        translated.transient = is_transient(exc)
        return translated
    return None


def describe(exc: BaseException) -> str:
    """A short, secret-free description of a workspace error for attempts and logs."""
    return f"{type(exc).__name__}: {exc}"[:2000]
