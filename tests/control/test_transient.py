"""`is_transient` retries only what is known to pass: lakerun's transient errors, the workspace's throttling
and server errors, and network failures; everything else (refusals, spec errors, bugs) is permanent."""

from __future__ import annotations

import socket

import httpx
import pytest
import requests
from databricks.sdk import errors as sdk

from lakerun import errors
from lakerun.control.errors import as_lakerun_error, is_transient
from lakerun.control.isolation import WorkspaceBusyError
from lakerun.control.workspaces import WorkspaceNotFoundError, WorkspaceUnreachableError
from lakerun.engines.io_errors import TableIOError

TRANSIENT = [
    sdk.TooManyRequests("rate limited"),
    sdk.ResourceExhausted("quota"),
    sdk.RequestLimitExceeded("too many requests"),
    sdk.InternalError("oops"),
    sdk.Unknown("unknown"),
    sdk.TemporarilyUnavailable("maintenance"),
    sdk.DeadlineExceeded("gateway timeout"),
    sdk.DatabricksError("unable to parse response (a gateway's 502)"),
    ConnectionRefusedError("refused"),
    ConnectionResetError("reset"),
    TimeoutError("timed out"),
    requests.ConnectionError("connection aborted"),
    requests.ReadTimeout("read timed out"),
    httpx.ConnectError("refused"),
    httpx.ReadTimeout("slow"),
    errors.UnavailableError("busy"),
    WorkspaceBusyError("8 calls in flight"),
    WorkspaceUnreachableError("no answer"),
    TableIOError("object store hiccup", transient=True),
]
PERMANENT = [
    sdk.BadRequest("bad field"),
    sdk.InvalidParameterValue("bad value"),
    sdk.Unauthenticated("no token"),
    sdk.PermissionDenied("not yours"),
    sdk.NotFound("no job"),
    sdk.ResourceDoesNotExist("no run"),
    sdk.ResourceConflict("conflict"),
    sdk.AlreadyExists("exists"),
    sdk.NotImplemented("not here"),
    ValueError("bad spec"),
    TypeError("unhashable"),
    KeyError("task_key"),
    IndexError("list index out of range"),
    AttributeError("'str' object has no attribute 'get'"),
    ZeroDivisionError("division by zero"),
    RuntimeError("the workspace returned no run_id"),
    OSError("disk full"),
    errors.LakerunError("a bug of lakerun"),
    errors.InvalidInputError("tasks[0] needs a task_key"),
    WorkspaceNotFoundError("no workspace 'x'"),
    TableIOError("corrupt table"),
]


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__)
def test_known_transient_failures_are_retried(exc: BaseException) -> None:
    assert is_transient(exc)


@pytest.mark.parametrize("exc", PERMANENT, ids=lambda e: type(e).__name__)
def test_everything_else_is_permanent(exc: BaseException) -> None:
    assert not is_transient(exc)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_real_connection_failures_are_transient() -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/2.2/jobs/list"
    with pytest.raises(requests.ConnectionError) as by_requests:
        requests.get(url, timeout=5)
    with pytest.raises(httpx.ConnectError) as by_httpx:
        httpx.get(url, timeout=5)
    assert is_transient(by_requests.value) and is_transient(by_httpx.value)


def test_vendor_errors_become_lakerun_errors_keeping_transience() -> None:
    throttled = as_lakerun_error(sdk.TooManyRequests("slow down"))
    refused = as_lakerun_error(sdk.PermissionDenied("not yours"))
    unreachable = as_lakerun_error(ConnectionRefusedError("refused"))
    assert isinstance(throttled, errors.UpstreamError) and throttled.transient
    assert isinstance(refused, errors.UpstreamError) and not refused.transient
    assert isinstance(unreachable, errors.UnavailableError) and unreachable.transient
    assert "not yours" in str(refused)
    assert as_lakerun_error(ValueError("a bug")) is None
