"""The `lakerun serve` configuration: control settings, server options and the workspaces to register."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lakerun.control.settings import ControlSettings
from lakerun.control.workspaces import WorkspaceSpec
from lakerun.errors import ConfigurationError

ENV_PREFIX = "LAKERUN_"


class ConfigError(ConfigurationError):
    """The configuration file or environment is unusable; the message names the key at fault."""


class ServerOptions(BaseModel):
    """How the HTTP server listens and logs."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    host: str = "127.0.0.1"
    """Interface to bind (`0.0.0.0` in a container or a Databricks App)."""
    port: int = Field(default=8800, ge=1, le=65535)
    """TCP port (`DATABRICKS_APP_PORT` when set, inside a Databricks App)."""
    workers: int = Field(default=1, ge=1, le=64)
    """Server processes; more than one needs PostgreSQL (one of them leads the reconciler)."""
    log_format: Literal["text", "json"] = "text"
    """`json` writes one JSON object per log line, with attempt and run ids when the line has them."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level logged."""


class WorkspaceEntry(BaseModel):
    """A workspace to register at start; secrets are `env:NAME` / `file:/path` references, never values."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    name: str = Field(min_length=1, max_length=100)
    """Name triggers use to target it (`workspace` in `POST /v1/runs`)."""
    host: str | None = None
    """Workspace URL; with `auth = "sdk"` it may be left out (DATABRICKS_HOST or the profile's host)."""
    auth: Literal["pat", "oauth-m2m", "sdk"] = "pat"
    """`pat` (token), `oauth-m2m` (service principal) or `sdk`: the SDK's own unified auth
    (DATABRICKS_HOST, DATABRICKS_CLIENT_ID/SECRET, DATABRICKS_TOKEN, a `~/.databrickscfg` profile)."""
    token: str | None = None
    """PAT reference (`env:NAME` or `file:/path`), for `auth = "pat"`."""
    client_id: str | None = None
    """Service principal's application id, for `auth = "oauth-m2m"`."""
    client_secret: str | None = None
    """Service principal's secret reference (`env:NAME` or `file:/path`), for `auth = "oauth-m2m"`."""
    profile: str | None = None
    """`~/.databrickscfg` profile, for `auth = "sdk"`."""
    default_cluster_id: str | None = None
    """Cluster used by tasks that name none."""

    def spec(self) -> WorkspaceSpec:
        """The registration this entry stands for (the SDK auth's host resolved now, without network)."""
        if self.auth == "sdk":
            host = self.host or sdk_host(self.profile)
            if host is None:
                raise ConfigError(
                    f"workspaces.{self.name}.host: not given, DATABRICKS_HOST is not set and no profile has one"
                )
            ref = f"profile:{self.profile}" if self.profile else None
            return WorkspaceSpec(self.name, with_scheme(host), "sdk", token_ref=ref)
        return WorkspaceSpec(
            name=self.name,
            host=with_scheme(self.host or ""),
            auth_type=self.auth,
            token_ref=self.token,
            client_id=self.client_id,
            client_secret_ref=self.client_secret,
            default_cluster_id=self.default_cluster_id,
        )


class ServeConfig(ControlSettings):
    """Everything in a `lakerun serve` file: the control plane's settings, `[server]` and `[[workspaces]]`."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    server: ServerOptions = Field(
        default_factory=ServerOptions,
        description="How the HTTP server listens and logs (`[server]`).",
    )
    workspaces: list[WorkspaceEntry] | None = None
    """Workspaces registered at start; when given, the registrations are made to match it exactly."""

    def workspace_specs(self) -> list[WorkspaceSpec]:
        """The registrations the file asks for, checked (unique names, well-formed references)."""
        specs: list[WorkspaceSpec] = []
        for entry in self.workspaces or []:
            spec = entry.spec()
            try:
                spec.validate()
            except ValueError as exc:
                raise ConfigError(f"workspaces.{entry.name}: {exc}") from exc
            specs.append(spec)
        names = [s.name for s in specs]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ConfigError(f"workspaces: the name {duplicated[0]!r} is declared twice")
        return specs


def with_scheme(host: str) -> str:
    """Databricks Apps and some profiles give the host without `https://`; the SDK assumes HTTPS too."""
    return host if host.startswith(("http://", "https://")) or not host else f"https://{host}"


def sdk_host(profile: str | None) -> str | None:
    """The host the SDK's unified auth would use: DATABRICKS_HOST, else the profile's (or DEFAULT) host."""
    if os.environ.get("DATABRICKS_HOST") and not profile:
        return os.environ["DATABRICKS_HOST"]
    import configparser

    path = Path(os.environ.get("DATABRICKS_CONFIG_FILE", "~/.databrickscfg")).expanduser()
    parser = configparser.ConfigParser()
    parser.read(path)
    section = profile or os.environ.get("DATABRICKS_CONFIG_PROFILE") or "DEFAULT"
    if section == "DEFAULT":
        return parser.defaults().get("host")
    return parser.get(section, "host", fallback=None) if parser.has_section(section) else None


def read_file(path: Path) -> dict[str, Any]:
    """The raw mapping in a TOML (`.toml`) or YAML (`.yml`, `.yaml`) file."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must hold a mapping of settings at the top level")
    return data


def environment_overrides(environ: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Top-level and `[server]` scalar settings given as `LAKERUN_<KEY>` (the environment wins over the file)."""
    top = {
        name: environ[ENV_PREFIX + name.upper()]
        for name, field in ControlSettings.model_fields.items()
        if ENV_PREFIX + name.upper() in environ and _scalar(field.annotation)
    }
    server = {
        name: environ[ENV_PREFIX + name.upper()]
        for name in ServerOptions.model_fields
        if ENV_PREFIX + name.upper() in environ
    }
    if "DATABRICKS_APP_PORT" in environ and "port" not in server:
        server["port"] = environ["DATABRICKS_APP_PORT"]
    return top, server


def _scalar(annotation: Any) -> bool:
    return "list" not in str(annotation) and "Target" not in str(annotation)


def load_config(path: Path | None, environ: dict[str, str] | None = None) -> ServeConfig:
    """The validated configuration from `path` (optional) and the environment; errors name the key."""
    data = read_file(path) if path is not None else {}
    top, server = environment_overrides(dict(os.environ if environ is None else environ))
    data = {**data, **top}
    if server:
        data["server"] = {**(data.get("server") or {}), **server}
    try:
        return ServeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(exc, path)) from exc


def describe_errors(exc: ValidationError, path: Path | None) -> str:
    """One line per problem, naming the key as it is written in the file."""
    where = f"{path}: " if path else ""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        message = (
            "unknown key (not a lakerun setting)" if error["type"] == "extra_forbidden" else error["msg"]
        )
        lines.append(f"{where}{key}: {message}")
    return "\n".join(lines)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the configuration file, every field described."""
    return ServeConfig.model_json_schema()


def reference_markdown() -> str:
    """The configuration reference as Markdown tables (one per section), generated from the schema."""
    schema = json_schema()
    sections = [("top level", schema), *((name, part) for name, part in schema["$defs"].items())]
    out: list[str] = []
    for title, part in sections:
        out += [f"**{title}**", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        for key, field in part["properties"].items():
            kinds = [alt.get("type", "section") for alt in field.get("anyOf", [field])]
            default = json.dumps(field["default"]) if "default" in field else "required"
            meaning = field.get("description", "").replace("\n", " ").replace("|", "\\|")
            out.append(f"| `{key}` | {' or '.join(kinds)} | {default} | {meaning} |")
        out.append("")
    return "\n".join(out)
