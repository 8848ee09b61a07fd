"""Target workspaces: registered by name, reached only through the official SDK client."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

from lakerun.errors import InvalidInputError, NotFoundError, UnavailableError
from lakerun.runtime.secrets import resolve as resolve_secret
from lakerun.store.models import WorkspaceRow

REMOVED = "removed"
"""The auth type of a registration withdrawn while attempts still refer to it: kept for history, never used."""


class WorkspaceNotFoundError(NotFoundError):
    """No workspace is registered under the requested name."""


class WorkspaceUnreachableError(UnavailableError):
    """The workspace did not answer while the SDK discovered its OAuth endpoints: worth retrying later."""


def host_problem(host: str) -> str | None:
    """What makes `host` more than `scheme://name[:port]` (None when it is just that).

    A path, query, fragment or user part could end the way an allowed host pattern ends while the
    requests, and the credential they carry, go to the name in front of it.
    """
    if any(ord(char) <= 32 or ord(char) == 127 for char in host):
        return "holds spaces or control characters"
    if "?" in host or "#" in host:
        return "must not hold a query or fragment"
    parts = urlsplit(host)
    try:
        _ = parts.port
    except ValueError:
        return "has a port that is not a number"
    if not parts.hostname:
        return "names no host"
    if "@" in parts.netloc:
        return "must not hold a user or password"
    if parts.path not in ("", "/"):
        return "must be scheme://name[:port] with no path"
    return None


@dataclass(frozen=True)
class WorkspaceSpec:
    """How to reach a workspace: PAT or OAuth M2M, secrets given as `env:`/`file:` references."""

    name: str
    host: str
    auth_type: Literal["pat", "oauth-m2m", "sdk"] = "pat"
    token_ref: str | None = None
    client_id: str | None = None
    client_secret_ref: str | None = None
    default_cluster_id: str | None = None

    def validate(self) -> None:
        """Raises InvalidInputError naming what is missing or malformed."""
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise InvalidInputError(f"workspace name {self.name!r} must be letters, digits, '-' or '_'")
        if not self.host.startswith(("http://", "https://")):
            raise InvalidInputError(f"workspace host {self.host!r} must start with http:// or https://")
        problem = host_problem(self.host)
        if problem is not None:
            raise InvalidInputError(f"workspace host {self.host!r} {problem}")
        if self.auth_type == "pat" and not self.token_ref:
            raise InvalidInputError("a PAT workspace needs token_ref (env:NAME or file:/path)")
        if self.auth_type == "oauth-m2m" and not (self.client_id and self.client_secret_ref):
            raise InvalidInputError("an OAuth M2M workspace needs client_id and client_secret_ref")
        if self.auth_type == "sdk" and self.token_ref and not self.token_ref.startswith("profile:"):
            raise InvalidInputError("an SDK-auth workspace takes only a `profile:NAME` reference")
        refs = (
            (self.client_secret_ref,) if self.auth_type == "sdk" else (self.token_ref, self.client_secret_ref)
        )
        for ref in refs:
            if ref and not ref.startswith(("env:", "file:")):
                raise InvalidInputError(f"secret reference {ref!r} must look like env:NAME or file:/path")

    def to_row(self) -> WorkspaceRow:
        """The database row (references only, never secrets)."""
        return WorkspaceRow(
            name=self.name,
            host=self.host.rstrip("/"),
            auth_type=self.auth_type,
            token_ref=self.token_ref,
            client_id=self.client_id,
            client_secret_ref=self.client_secret_ref,
            default_cluster_id=self.default_cluster_id,
        )


METADATA_PROBE_SECONDS = 5
"""Budget for the SDK's host-metadata probe while a token `Config` is built: the probe is best effort (a
token needs nothing from it), yet it runs under the config's own retry budget, so a workspace slow to
answer it held a launch for minutes. The config keeps the caller's budgets for every later call."""


def sdk_config(row: WorkspaceRow, retry_timeout_seconds: int = 120, http_timeout_seconds: int = 60) -> Config:
    """The SDK configuration for a registered workspace, secrets read from their references now."""
    if row.auth_type == REMOVED:
        raise WorkspaceNotFoundError(f"workspace {row.name!r} was removed from the configuration")
    if row.auth_type == "oauth-m2m":
        return _oauth_config(row, retry_timeout_seconds)
    if row.auth_type == "sdk":
        profile = (row.token_ref or "").removeprefix("profile:") or None
        return _discovering(row, profile=profile, retry_timeout_seconds=retry_timeout_seconds)
    config = Config(
        host=row.host,
        token=resolve_secret(row.token_ref or ""),
        auth_type="pat",
        retry_timeout_seconds=min(retry_timeout_seconds, METADATA_PROBE_SECONDS),
        http_timeout_seconds=min(http_timeout_seconds, METADATA_PROBE_SECONDS),
    )
    config.retry_timeout_seconds = retry_timeout_seconds
    config.http_timeout_seconds = http_timeout_seconds
    return config


def _oauth_config(row: WorkspaceRow, retry_timeout_seconds: int) -> Config:
    """OAuth M2M settings, the secret read from its reference now."""
    secret = resolve_secret(row.client_secret_ref or "")
    return _discovering(row, client_id=row.client_id, client_secret=secret, auth_type="oauth-m2m",
                        retry_timeout_seconds=retry_timeout_seconds)  # fmt: skip


def _discovering(row: WorkspaceRow, **options: object) -> Config:
    """A `Config` whose building may discover OIDC endpoints; an outage then is transient, not a bad configuration.

    The SDK discovers the OIDC endpoints while building `Config` and, when the host does not answer,
    fails with a `ValueError` ("Invalid URL 'None'") that would otherwise fail the attempt for good.
    """
    try:
        return Config(host=row.host, **options)  # type: ignore[arg-type]
    except ValueError as exc:
        if unreachable(row.host) is None:
            raise
        raise WorkspaceUnreachableError(
            f"workspace {row.host} did not answer, so its OAuth endpoints could not be discovered"
        ) from exc


def unreachable(host: str, timeout: float = 5.0) -> str | None:
    """Why the workspace does not answer now (a 5xx counts), or None when it serves its host metadata."""
    try:
        status = httpx.get(f"{host.rstrip('/')}/.well-known/databricks-config", timeout=timeout).status_code
    except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return f"{type(exc).__name__}: {exc}"
    return f"it answered HTTP {status}" if status >= 500 else None


class ClientCache:
    """One `WorkspaceClient` per workspace, rebuilt when its registration changes."""

    def __init__(self, retry_timeout_seconds: int = 60, http_timeout_seconds: int = 60) -> None:
        self.retry_timeout_seconds = retry_timeout_seconds
        self.http_timeout_seconds = http_timeout_seconds
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[tuple[str | None, ...], WorkspaceClient]] = {}

    def client(self, row: WorkspaceRow) -> WorkspaceClient:
        """The SDK client for `row`."""
        identity = (row.host, row.auth_type, row.token_ref, row.client_id, row.client_secret_ref)
        with self._lock:
            cached = self._clients.get(row.name)
            if cached and cached[0] == identity:
                return cached[1]
        client = WorkspaceClient(
            config=sdk_config(row, self.retry_timeout_seconds, self.http_timeout_seconds)
        )
        with self._lock:
            self._clients[row.name] = (identity, client)
        return client


PROBE_SECONDS = 5
"""Budget of a reachability probe: a host that accepts connections and never answers is down after it."""


def probe_health(row: WorkspaceRow) -> dict[str, object]:
    """Reachability of a workspace: one cheap jobs/list call with a short retry budget and HTTP timeout."""
    started = time.monotonic()
    try:
        config = sdk_config(row, retry_timeout_seconds=PROBE_SECONDS, http_timeout_seconds=PROBE_SECONDS)
        client = WorkspaceClient(config=config)
        next(iter(client.jobs.list(limit=1)), None)
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
    return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1)}
