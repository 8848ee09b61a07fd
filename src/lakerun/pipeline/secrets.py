"""Resolution of `{{secrets/<scope>/<key>}}` references at the moment a source or sink is opened.

Inside a Databricks (or local workspace) task the value comes from `dbutils.secrets.get`; elsewhere
from the environment variable `LAKERUN_SECRET_<SCOPE>_<KEY>` (upper-cased, non-alphanumerics as `_`).
Resolved values are passed straight to the storage client and never stored or printed.
"""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Callable, Mapping

from lakerun.pipeline.errors import ConfigError
from lakerun.pipeline.templating import PLACEHOLDER, SECRET_REFERENCE

SecretGetter = Callable[[str, str], str]


def env_name(scope: str, key: str) -> str:
    """The environment variable that stands in for a secret outside Databricks."""
    return "LAKERUN_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", f"{scope}_{key}").upper()


def _dbutils_getter() -> SecretGetter | None:
    """`dbutils.secrets.get`: the task's global `dbutils` (local workspace, notebooks) or the SDK's runtime one."""
    dbutils = getattr(builtins, "dbutils", None)
    if dbutils is None and "DATABRICKS_RUNTIME_VERSION" in os.environ:
        try:
            from databricks.sdk.runtime import dbutils
        except Exception:
            return None
    secrets = getattr(dbutils, "secrets", None)
    return None if secrets is None else secrets.get


def default_getter(scope: str, key: str) -> str:
    """`dbutils.secrets.get` when running as a task, else the `LAKERUN_SECRET_*` environment variable."""
    name = env_name(scope, key)
    if name in os.environ:
        return os.environ[name]
    getter = _dbutils_getter()
    if getter is not None:
        try:
            return getter(scope, key)
        except Exception as exc:
            raise ConfigError(f"secret {scope}/{key} could not be read: {type(exc).__name__}") from None
    raise ConfigError(f"secret {scope}/{key} is not available: set {name} or run inside a workspace task")


def resolve(text: str, getter: SecretGetter = default_getter) -> str:
    """`text` with each secret reference replaced by its value."""

    def substitute(match: re.Match[str]) -> str:
        found = SECRET_REFERENCE.match(match.group(1))
        return getter(found.group(1), found.group(2)) if found else match.group(0)

    return PLACEHOLDER.sub(substitute, text)


def resolve_options(options: Mapping[str, str], getter: SecretGetter = default_getter) -> dict[str, str]:
    """Storage options with their secret references resolved (the result must never be logged)."""
    return {key: resolve(value, getter) for key, value in options.items()}
