"""Which `env:`/`file:` secret references API callers may name, and which hosts may receive credentials.

A policy on top of `lakerun.runtime.secrets`, the one syntax and resolver: that module parses and reads
references, this one decides which of them an API caller may use.

A reference given through the API is read by the server and sent to a workspace host as a bearer
credential, so an unchecked one would let any caller ship the server's own key, another workspace's
token or any readable file to a host of their choosing. The operator lists what may be referenced
(`secret_refs_allowed`) and, optionally, which hosts may be registered (`workspace_hosts_allowed`);
the server's own key, token and database are refused whatever the patterns say.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from lakerun.control.settings import ControlSettings
from lakerun.errors import InvalidInputError
from lakerun.runtime.secrets import SecretReference, SecretReferenceError, parse

SERVER_OWN_ENV = frozenset(
    {"LAKERUN_SERVER_KEY", "LAKERUN_ADMIN_TOKEN", "LAKERUN_API_TOKEN", "LAKERUN_DATABASE_URL"}
)
SERVER_OWN_FILES = ("server.key", "api-token", "control.db")


class SecretRefNotAllowedError(InvalidInputError):
    """A secret reference (or a host) the operator's settings do not allow API callers to use."""


def check_secret_ref(ref: str, settings: ControlSettings, field: str) -> None:
    """Raises `SecretRefNotAllowedError` naming `field` unless the operator allows `ref`."""
    try:
        reference: SecretReference | None = parse(ref)
    except SecretReferenceError:
        reference = None
    if reference is None or reference.kind not in {"env", "file"}:
        raise SecretRefNotAllowedError(
            f"{field}: secret reference {ref!r} must look like env:NAME or file:/path"
        )
    kind, where = reference.kind, reference.where
    normalised = f"env:{where}" if kind == "env" else f"file:{_resolved(where)}"
    if _is_server_own(kind, where, settings):
        raise SecretRefNotAllowedError(
            f"{field}: {ref!r} names the control plane's own secret; it is never sent"
        )
    if not any(fnmatch.fnmatchcase(normalised, pattern) for pattern in settings.secret_refs_allowed):
        allowed = ", ".join(settings.secret_refs_allowed) or "nothing"
        raise SecretRefNotAllowedError(
            f"{field}: secret reference {ref!r} is not allowed; the operator's secret_refs_allowed permits {allowed}"
        )


def check_host(host: str, settings: ControlSettings) -> None:
    """Raises `SecretRefNotAllowedError` when the operator restricts workspace hosts and `host` is not listed."""
    patterns = settings.workspace_hosts_allowed
    if patterns and not any(fnmatch.fnmatchcase(host.rstrip("/"), p.rstrip("/")) for p in patterns):
        raise SecretRefNotAllowedError(
            f"host {host!r} is not allowed; the operator's workspace_hosts_allowed permits {', '.join(patterns)}"
        )


def _resolved(path: str) -> str:
    """The real path (`..` and symlinks resolved), so a pattern cannot be escaped."""
    return str(Path(path).expanduser().resolve())


def _is_server_own(kind: str, where: str, settings: ControlSettings) -> bool:
    if kind == "env":
        return where in SERVER_OWN_ENV
    real = Path(_resolved(where))
    home = Path(_resolved(str(settings.home)))
    own = {home / name for name in SERVER_OWN_FILES}
    key_ref = os.environ.get("LAKERUN_SERVER_KEY", "")
    if key_ref.startswith("file:"):
        own.add(Path(_resolved(key_ref.removeprefix("file:"))))
    return real in own or real.name in SERVER_OWN_FILES
