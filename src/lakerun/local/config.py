"""Settings of one local workspace: where it keeps its state, who may call it, how it misbehaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class WorkspaceConfig:
    """Everything a local workspace needs to start; the CLI and tests build one of these."""

    root: Path
    """Folder holding all state: database, DBFS, workspace files, environments, run logs."""
    tokens: tuple[str, ...] = ("dapi-local",)
    """Bearer tokens accepted on every API call."""
    oauth_clients: dict[str, str] = field(default_factory=dict, repr=False)
    """Service principals for OAuth M2M: client id → client secret (kept out of `repr`, so never logged)."""
    oauth_token_seconds: int = 3600
    """Lifetime of the access tokens the OIDC token endpoint issues (Databricks: one hour)."""
    host: str = "127.0.0.1"
    port: int = 8765
    faults: list[dict[str, Any]] = field(default_factory=list)
    """Fault rules (see `lakerun.local.faults`): 429s, 5xx, latency, slow cluster start."""
    max_parallel_tasks: int = 8
    """Task processes allowed to run at once across the workspace."""
    file_arrival_poll_seconds: float = 60.0
    """How often file-arrival triggers look for new files (Databricks checks about once a minute)."""

    def __post_init__(self) -> None:
        """A relative root is made absolute now: task processes and command contexts run in other folders."""
        self.root = Path(self.root).expanduser().resolve()

    @property
    def url(self) -> str:
        """The base URL clients use (`WorkspaceClient(host=...)`)."""
        return f"http://{self.host}:{self.port}"
