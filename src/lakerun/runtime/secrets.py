"""One secret-reference syntax for the whole product, and its one resolver.

A reference names where a secret lives, so settings, job parameters and configs never hold the value:

- `env:NAME`: the environment variable `NAME`;
- `file:/path`: the file's content, surrounding whitespace stripped (mounted secrets, Docker secrets);
- `secret:scope/key`, or `{{secrets/scope/key}}` as in Databricks configs: the key of a Databricks secret
  scope, read through `dbutils.secrets`; outside a workspace task the environment variable
  `LAKERUN_SECRET_<SCOPE>_<KEY>` stands in for it (upper case, other characters as `_`).

Errors name the reference and what is missing, never a value. What a caller may reference is a policy of
its own (the control plane's `secret_refs_allowed`), layered on top of this resolver.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lakerun.errors import ConfigurationError
from lakerun.runtime.dbutils import find_dbutils

SecretGetter = Callable[[str, str], str]
"""Reads the key of a secret scope: `getter(scope, key) -> value`."""

PLACEHOLDER = re.compile(r"\{\{\s*secrets/([^/\s{}]+)/([^/\s{}]+)\s*\}\}")
"""`{{secrets/scope/key}}` anywhere in a text."""
KINDS = ("env", "file", "secret")
SYNTAX = "env:NAME, file:/path, secret:scope/key or {{secrets/scope/key}}"


class SecretReferenceError(ConfigurationError):
    """A secret reference that is malformed or whose value cannot be read; names the reference, not a value."""


@dataclass(frozen=True)
class SecretReference:
    """A parsed reference: its kind (`env`, `file`, `secret`) and where it points (name, path or scope/key)."""

    kind: str
    where: str

    @property
    def scope_key(self) -> tuple[str, str]:
        """Scope and key of a `secret` reference."""
        scope, _, key = self.where.partition("/")
        return scope, key


def parse(ref: str) -> SecretReference:
    """The reference `ref` spells; a malformed one raises `SecretReferenceError` showing the syntax."""
    whole = PLACEHOLDER.fullmatch(ref.strip())
    if whole:
        return SecretReference("secret", f"{whole.group(1)}/{whole.group(2)}")
    kind, sep, where = ref.partition(":")
    if sep and kind in KINDS and where:
        reference = SecretReference(kind, where)
        scope, key = reference.scope_key
        if kind != "secret" or (scope and key and "/" not in key):
            return reference
    raise SecretReferenceError(f"secret reference {ref!r} must look like {SYNTAX}")


def is_reference(value: str) -> bool:
    """Whether a field that takes a value or a reference holds a reference (a `file://` URL is a value)."""
    if value.startswith("file://"):
        return False
    try:
        parse(value)
    except SecretReferenceError:
        return False
    return True


def env_name(scope: str, key: str) -> str:
    """The environment variable that stands in for a secret scope's key outside a workspace task."""
    return "LAKERUN_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", f"{scope}_{key}").upper()


def scope_secret(scope: str, key: str) -> str:
    """The key of a secret scope: its `LAKERUN_SECRET_*` stand-in when set, else `dbutils.secrets`."""
    name = env_name(scope, key)
    if os.environ.get(name):
        return os.environ[name]
    dbutils = find_dbutils()
    if dbutils is None:
        raise SecretReferenceError(
            f"secret {scope}/{key} is not available: set {name} or run inside a workspace task"
        )
    try:
        return str(dbutils.secrets.get(scope=scope, key=key))
    except Exception as exc:
        raise SecretReferenceError(
            f"secret {scope}/{key} could not be read through dbutils.secrets ({type(exc).__name__})"
        ) from None


def resolve(ref: str, getter: SecretGetter = scope_secret) -> str:
    """The value behind a reference; `SecretReferenceError` naming it when it is malformed, unset or unreadable."""
    reference = parse(ref)
    if reference.kind == "env":
        value = os.environ.get(reference.where)
        if not value:
            raise SecretReferenceError(
                f"secret reference {ref!r}: environment variable {reference.where} is not set"
            )
        return value
    if reference.kind == "file":
        try:
            return Path(reference.where).read_text().strip()
        except OSError as exc:
            raise SecretReferenceError(
                f"secret reference {ref!r}: cannot read the file ({exc.strerror})"
            ) from None
    return getter(*reference.scope_key)


def resolve_value(value: str, getter: SecretGetter = scope_secret) -> str:
    """A field that takes a plain value or a reference: the reference resolved, a plain value as it is."""
    return resolve(value, getter) if is_reference(value) else value


def resolve_placeholders(text: str, getter: SecretGetter = scope_secret) -> str:
    """`text` with every `{{secrets/scope/key}}` replaced by the key's value (the result must never be logged)."""
    return PLACEHOLDER.sub(lambda match: getter(match.group(1), match.group(2)), text)


def resolve_options(options: Mapping[str, str], getter: SecretGetter = scope_secret) -> dict[str, str]:
    """Storage options with their `{{secrets/scope/key}}` placeholders resolved (never to be logged)."""
    return {key: resolve_placeholders(value, getter) for key, value in options.items()}
