"""Virtual environments for the Databricks clients the conformance suite drives, built once and cached.

Each client gets its own environment (their dependencies clash with lakerun's and with each other),
keyed by its requirements, under `LAKERUN_CONFORMANCE_VENVS` (default `~/.cache/lakerun/conformance`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from pathlib import Path

READY = ".ready"


def venv_root() -> Path:
    """Where the cached environments live."""
    default = Path.home() / ".cache" / "lakerun" / "conformance"
    return Path(os.environ.get("LAKERUN_CONFORMANCE_VENVS", default))


def client_venv(name: str, requirements: list[str], timeout: float = 1500) -> Path:
    """The folder of a venv with `requirements` installed (built on first use, then reused)."""
    key = hashlib.sha256("\n".join([sys.version, *requirements]).encode()).hexdigest()[:12]
    folder = venv_root() / f"{name}-{key}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / READY).exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True, timeout=120)
            subprocess.run(
                [str(folder / "bin" / "pip"), "install", "-q", *requirements],
                check=True,
                timeout=timeout,
                capture_output=True,
            )
            (folder / READY).write_text("\n".join(requirements) + "\n")
    return folder


if __name__ == "__main__":
    print(client_venv(sys.argv[1], sys.argv[2:]))
