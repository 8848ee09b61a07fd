"""Stopping the servers a benchmark started: politely first, then for good."""

from __future__ import annotations

import subprocess


def stopped(process: subprocess.Popen[bytes]) -> None:
    """Terminates `process` and waits for it; kills it when it has not exited within a minute."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
