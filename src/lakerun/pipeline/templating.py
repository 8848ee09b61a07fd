"""One templating syntax for configs: `{{ name }}` (variables), `{{ env.NAME }}` and `{{secrets/scope/key}}`.

Variables and environment references are rendered when the config loads; secret references are left
in place and resolved only when a source or sink is opened, so they never reach plans or logs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from lakerun.pipeline.errors import ConfigError
from lakerun.runtime.secrets import PLACEHOLDER as SECRET_PLACEHOLDER

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def render_value(text: str, variables: Mapping[str, str], where: str) -> str:
    """`text` with its variable and environment placeholders replaced; secret references kept."""

    def substitute(match: re.Match[str]) -> str:
        reference = match.group(1)
        if SECRET_PLACEHOLDER.fullmatch(match.group(0)):
            return match.group(0)
        if reference.startswith("env."):
            name = reference[len("env.") :]
            if name not in os.environ:
                raise ConfigError(f"{where}: environment variable `{name}` is not set")
            return os.environ[name]
        if reference not in variables:
            raise ConfigError(
                f"{where}: unknown variable `{reference}` (pass --vars {reference}=... or set it under `vars:`)"
            )
        return variables[reference]

    return PLACEHOLDER.sub(substitute, text)


def render_tree(node: Any, variables: Mapping[str, str], where: str = "") -> Any:
    """A copy of a parsed YAML tree with every string rendered; `where` names the path for errors."""
    if isinstance(node, str):
        return render_value(node, variables, where or "<root>")
    if isinstance(node, dict):
        return {key: render_tree(value, variables, _join(where, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [render_tree(value, variables, _join(where, index)) for index, value in enumerate(node)]
    return node


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def parse_vars(pairs: list[str] | None) -> dict[str, str]:
    """`--vars k=v` pairs as a dict; a pair without `=` is an error naming it."""
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--vars expects key=value, got `{pair}`")
        result[key.strip()] = value
    return result
