"""Object-store credentials from the environment, shaped for fsspec (s3fs, adlfs) and for delta-rs.

The values are read, never logged: callers pass the dicts straight to the libraries.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lakerun.engines.locations import AZURE_SCHEMES, S3_SCHEMES


def split_azure_url(url: str) -> tuple[str, str | None, str]:
    """(container, account or None, path) of an Azure URL in any of its spellings."""
    rest = url.split("://", 1)[1]
    authority, _, path = rest.partition("/")
    if "@" in authority:
        container, host = authority.split("@", 1)
        return container, host.split(".", 1)[0], path
    return authority, None, path


def parse_connection_string(value: str) -> dict[str, str]:
    """The `Key=Value;...` pairs of an Azure storage connection string."""
    pairs = (part.split("=", 1) for part in value.split(";") if "=" in part)
    return {key.strip(): val.strip() for key, val in pairs}


def fsspec_options(protocol: str, url: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for the fsspec filesystem of `protocol`, built from the environment."""
    env = os.environ if env is None else env
    if protocol in S3_SCHEMES:
        return _s3_fsspec(env)
    if protocol in AZURE_SCHEMES:
        return _azure_fsspec(url, env)
    return {}


def _s3_fsspec(env: Mapping[str, str]) -> dict[str, Any]:
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    options: dict[str, Any] = {}
    if endpoint:
        options["client_kwargs"] = {"endpoint_url": endpoint}
    return options


def _azure_fsspec(url: str, env: Mapping[str, str]) -> dict[str, Any]:
    connection = env.get("AZURE_STORAGE_CONNECTION_STRING")
    if connection:
        return {"connection_string": connection}
    _container, account, _path = split_azure_url(url) if "://" in url else ("", None, "")
    options: dict[str, Any] = {"account_name": account or env.get("AZURE_STORAGE_ACCOUNT_NAME")}
    for option, variable in (
        ("account_key", "AZURE_STORAGE_ACCOUNT_KEY"),
        ("sas_token", "AZURE_STORAGE_SAS_TOKEN"),
    ):
        if env.get(variable):
            options[option] = env[variable]
    if not options.get("account_key") and not options.get("sas_token"):
        options["anon"] = False
    return options


def delta_storage_options(url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """delta-rs (object_store) options for a table URL, built from the same environment."""
    env = os.environ if env is None else env
    protocol = url.split("://", 1)[0] if "://" in url else "file"
    if protocol in S3_SCHEMES:
        return _s3_delta(env)
    if protocol in AZURE_SCHEMES:
        return _azure_delta(url, env)
    return {}


def _s3_delta(env: Mapping[str, str]) -> dict[str, str]:
    options = {"AWS_S3_ALLOW_UNSAFE_RENAME": "true"}
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def _azure_delta(url: str, env: Mapping[str, str]) -> dict[str, str]:
    connection = parse_connection_string(env.get("AZURE_STORAGE_CONNECTION_STRING", ""))
    _container, account, _path = split_azure_url(url)
    options = {
        "account_name": account or connection.get("AccountName") or env.get("AZURE_STORAGE_ACCOUNT_NAME", "")
    }
    key = connection.get("AccountKey") or env.get("AZURE_STORAGE_ACCOUNT_KEY")
    if key:
        options["account_key"] = key
    endpoint = connection.get("BlobEndpoint")
    if endpoint:
        options["endpoint"] = endpoint
        if endpoint.startswith("http://"):
            options["allow_http"] = "true"
    return options
