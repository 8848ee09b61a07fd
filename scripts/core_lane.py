"""Checks the workload side runs with the core dependencies alone: no extra installed, every entry point answers.

Run by `make core` with the interpreter of the core-only venv: it refuses a venv holding an extra (so the
lane cannot pass by accident), then runs `--help` of each workload console script and a real
`schema_validation` job, and fails naming the first one that does not succeed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

EXTRAS_ONLY = (
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "pyspark",
    "pandas",
    "s3fs",
    "adlfs",
    "openpyxl",
)
SCRIPTS = Path(sys.executable).parent
ENTRY_POINTS = ("lakerun-executor", "lakerun-layer", "lakerun-profile")


def run(*command: str) -> str:
    """Stdout of `command`; exits naming the command and its stderr when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        sys.exit(f"core lane: `{' '.join(command)}` exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def main() -> None:
    present = [name for name in EXTRAS_ONLY if importlib.util.find_spec(name) is not None]
    if present:
        sys.exit(
            f"core lane: this venv holds extras ({', '.join(present)}); it must have the core dependencies only"
        )
    for script in ENTRY_POINTS:
        if "usage" not in run(str(SCRIPTS / script), "--help").lower():
            sys.exit(f"core lane: `{script} --help` printed no usage")
    folder = Path(tempfile.mkdtemp(prefix="lakerun-core-"))
    output = run(str(SCRIPTS / "lakerun-executor"), "schema_validation", str(folder), "auto", "t",
                 "--metadata-db", str(folder / "m.duckdb"))  # fmt: skip
    if json.loads(output).get("status") != "success":
        sys.exit(f"core lane: schema_validation did not succeed:\n{output}")
    print(
        f"core lane: {', '.join(ENTRY_POINTS)} answer --help; schema_validation succeeded; no extra installed"
    )


if __name__ == "__main__":
    main()
