"""Settings of one control plane: its database, keys, public URL, loop timings and notification targets."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lakerun.runtime.secrets import resolve


class WebhookTarget(BaseModel):
    """A URL that receives signed JSON notifications."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    url: str
    """Where notifications are POSTed."""
    secret_ref: str | None = None
    """Secret reference (`env:NAME`, `file:/path`, see docs/secrets.md) holding the HMAC key signing each delivery."""
    on: list[Literal["failure", "success", "repeated_failure"]] = ["failure", "repeated_failure"]
    """Which outcomes are sent."""


class SmtpTarget(BaseModel):
    """An SMTP server and the addresses emails go to."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    host: str
    """SMTP host name."""
    port: int = 25
    """SMTP port."""
    sender: str = "lakerun@localhost"
    """The From address."""
    recipients: list[str]
    """Who receives the emails."""
    on: list[Literal["failure", "success", "repeated_failure"]] = ["failure", "repeated_failure"]
    """Which outcomes are sent."""


class ControlSettings(BaseModel):
    """Everything a control plane needs; the CLI and tests build one of these."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
    home: Path = Field(Path(".lakerun"), validate_default=True)
    """Folder for the default SQLite database and the server key."""
    database_url: str | None = None
    """SQLAlchemy URL; SQLite under `home` when empty. `postgresql://...` uses psycopg 3."""
    server_key: str | None = None
    """Key callback secrets and dashboard sessions derive from; read from LAKERUN_SERVER_KEY (the key or
    `file:/path`) or `home/server.key` when empty. Processes sharing a database must share it."""
    public_url: str = "http://127.0.0.1:8800"
    """Base URL tasks use to reach this control plane's callback endpoint."""
    reconcile_interval: float = 15.0
    """Seconds between reconciler passes."""
    launch_grace: float = 10.0
    """Lease of a launcher on a launch intent (at least 2 s): how long a crashed launcher's intents wait to be taken over."""
    callback_overdue: float = 120.0
    """Seconds without a callback after which a running attempt's run is fetched in full."""
    callback_window: float = 300.0
    """Accepted age of a callback's timestamp, against replay."""
    concurrency_policy: Literal["allow", "refuse", "queue"] = "allow"
    """What a trigger does while its subject has an active attempt (a trigger may say otherwise):
    `allow` starts another, `refuse` answers 409, `queue` stores it and launches it once the earlier end."""
    callback_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest callback body accepted (413 beyond, refused before reading it), and largest stored result."""
    default_timeout: float = 24 * 3600.0
    """Deadline of an attempt, counted from its creation, when the trigger gives none."""
    workspace_retry_seconds: int = 60
    """Budget the SDK spends retrying 429/503 and connection errors on one call before it counts as transient."""
    workspace_http_timeout: int = 30
    """Seconds one HTTP request to a workspace may take before it counts as failed (and is retried)."""
    workspace_concurrency: int = Field(default=8, ge=1)
    """Calls in flight at once to one workspace from the API and the reconciler; more wait briefly, then 503."""
    launch_concurrency: int = Field(default=8, ge=1)
    """Launches in flight at once to one workspace from this process's launcher."""
    launch_poll: float = 1.0
    """Seconds between looks at the launch outbox for intents other processes queued or released."""
    cancel_confirm_timeout: float = 30.0
    """How long a cancel waits for the workspace to confirm the terminal state."""
    repair_answer_wait: float = 5.0
    """How long a repair request waits for the workspace's answer, to report a refusal as a 409; a slower
    workspace gets the repair attempt back still CREATING (a later refusal removes it, and reading it
    then answers 404 with the reason)."""
    keep_jobs_per_subject: int = 3
    """Retention of `job_per_attempt` jobs: the latest N per subject are kept."""
    repeated_failure_threshold: int = 2
    """Consecutive failed attempts of a subject that count as repeated failure."""
    callbacks_enabled: bool = True
    """Whether tasks are given a callback URL and secret."""
    callback_secret_delivery: Literal["secret_scope", "parameter"] = "secret_scope"
    """`secret_scope`: the per-attempt secret goes to a workspace secret scope and the task gets a reference;
    `parameter`: the secret itself is a task argument (visible in the run's parameters)."""
    callback_secret_scope: str = "lakerun-callbacks"
    """Prefix of the secret scopes holding callback secrets (one key per attempt, deleted when it ends)."""
    callback_secret_scopes: int = Field(default=16, ge=1)
    """Scopes the callback secrets are spread over (`<prefix>-0` ...): a Databricks scope holds 1000 keys."""
    webhooks: list[WebhookTarget] = Field(default_factory=list)
    """Signed webhook notification targets."""
    smtp: SmtpTarget | None = None
    """Email notification target."""
    cors_origins: list[str] = Field(default_factory=list)
    """Browser origins allowed to call the API."""
    secret_refs_allowed: list[str] = Field(default_factory=list)
    """Glob patterns of the `env:`/`file:` references API callers may name (workspace registration,
    onboarding), e.g. `env:DATABRICKS_*`, `file:/run/secrets/*`; file paths are matched resolved. Empty: none.
    The control plane's own key, tokens and database are refused whatever the patterns say."""
    workspace_hosts_allowed: list[str] = Field(default_factory=list)
    """Glob patterns of the workspace hosts the API may register (e.g. `https://*.cloud.databricks.com`);
    empty: any host an admin-scoped token registers."""

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        """A relative home is made absolute at start, so no later change of folder moves the state."""
        return home.expanduser().resolve()

    def resolved_database_url(self) -> str:
        """The database URL in use."""
        from lakerun.store.db import default_url

        return self.database_url or default_url(self.home)

    def resolved_server_key(self) -> bytes:
        """The server key: given, from `LAKERUN_SERVER_KEY` (the key, or `file:/path` holding it), or created once
        in `home/server.key` (mode 0600). Every process serving one database must use the same key."""
        if self.server_key:
            return self.server_key.encode()
        from_env = os.environ.get("LAKERUN_SERVER_KEY", "")
        if from_env.startswith("file:"):
            return resolve(from_env).encode()
        if from_env:
            return from_env.encode()
        from lakerun.store.private import private_file

        path = private_file(self.home / "server.key", secrets.token_hex(32))
        return path.read_text().strip().encode()
