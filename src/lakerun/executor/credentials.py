"""Credentials for sources and the platform: from the environment, else from a Databricks secret scope.

Values are handed to the libraries that need them and are never logged, printed or stored. The scope is
read through `lakerun.runtime.secrets` (the task's `dbutils`, or the SDK's runtime one elsewhere).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from lakerun.engines.cloud_options import fsspec_options
from lakerun.engines.locations import AZURE_SCHEMES, S3_SCHEMES
from lakerun.runtime.secrets import SecretReferenceError, scope_secret

if TYPE_CHECKING:
    from lakerun.executor.context import RunContext

SOURCE_SECRET_KEYS = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"),
    "azure": ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN"),
}


def secret(name: str, scope: str | None) -> str | None:
    """The value of variable `name`, or of the key with that name (lower case, dashes) in `scope`, or None
    when the scope lacks it (credentials are optional: a missing one leaves the library's default)."""
    value = os.environ.get(name)
    if value or not scope:
        return value
    try:
        return scope_secret(scope, name.lower().replace("_", "-"))
    except SecretReferenceError:
        return None


def storage_options_for(ctx: RunContext, url: str) -> dict[str, Any]:
    """fsspec options for a source URL, with secrets from the run's scope filling gaps in the environment."""
    protocol = url.split("://", 1)[0] if "://" in url else "file"
    family = "s3" if protocol in S3_SCHEMES else "azure" if protocol in AZURE_SCHEMES else None
    if family is None or not ctx.settings.secret_scope:
        return {}
    env = dict(os.environ)
    for name in SOURCE_SECRET_KEYS[family]:
        value = secret(name, ctx.settings.secret_scope)
        if value:
            env[name] = value
    options = fsspec_options(protocol, url, env)
    if family == "s3" and env.get("AWS_ACCESS_KEY_ID"):
        options.update(key=env["AWS_ACCESS_KEY_ID"], secret=env.get("AWS_SECRET_ACCESS_KEY"))
    return options
