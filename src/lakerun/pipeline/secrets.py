"""`{{secrets/<scope>/<key>}}` in a pipeline config, resolved when a source or sink is opened.

The syntax and the lookup (the task's `dbutils.secrets`, else `LAKERUN_SECRET_<SCOPE>_<KEY>`) are
`lakerun.runtime.secrets`'; here an unreadable secret becomes a `ConfigError`, reported like any other
fault of the config. Resolved values go straight to the storage client and are never stored or printed.
"""

from __future__ import annotations

from collections.abc import Mapping

from lakerun.pipeline.errors import ConfigError
from lakerun.runtime import secrets as runtime_secrets

SecretGetter = runtime_secrets.SecretGetter


def default_getter(scope: str, key: str) -> str:
    """The scope's key through the shared resolver; a `ConfigError` naming it when it cannot be read."""
    try:
        return runtime_secrets.scope_secret(scope, key)
    except runtime_secrets.SecretReferenceError as exc:
        raise ConfigError(str(exc)) from None


def resolve(text: str, getter: SecretGetter = default_getter) -> str:
    """`text` with each secret reference replaced by its value."""
    return runtime_secrets.resolve_placeholders(text, getter)


def resolve_options(options: Mapping[str, str], getter: SecretGetter = default_getter) -> dict[str, str]:
    """Storage options with their secret references resolved (the result must never be logged)."""
    return runtime_secrets.resolve_options(options, getter)
