"""Which personal access tokens a served workspace accepts: `--token`, else the environment, else the default.

Tokens given in `LAKERUN_WORKSPACE_TOKENS` (comma-separated) or `LAKERUN_WORKSPACE_TOKEN` stay out
of the process list, as secrets should.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

TOKENS_VARIABLE = "LAKERUN_WORKSPACE_TOKENS"
TOKEN_VARIABLE = "LAKERUN_WORKSPACE_TOKEN"
DEFAULT_TOKEN = "dapi-local"


def accepted_tokens(given: Sequence[str], environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Tokens from the command line if any, else from the two variables, else the default token.

    Raises ValueError (naming the variable, never its value) when a variable is set but holds no token.
    """
    if given:
        return tuple(given)
    environ = os.environ if environ is None else environ
    tokens: list[str] = []
    for name in (TOKENS_VARIABLE, TOKEN_VARIABLE):
        if name not in environ:
            continue
        found = [item.strip() for item in environ[name].split(",") if item.strip()]
        if not found:
            raise ValueError(f"{name} is set but holds no token")
        tokens += [token for token in found if token not in tokens]
    return tuple(tokens) or (DEFAULT_TOKEN,)
