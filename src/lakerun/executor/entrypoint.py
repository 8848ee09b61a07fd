"""`lakerun-executor`: console script, `python_wheel_task` entry point and `spark_python_task` file.

Prints the run's result as JSON on stdout (and, on success, hands it to `dbutils.notebook.exit` in a
notebook, where a failure must not end the notebook as successful);
log lines go to stderr; the exit code is non-zero when the job failed. The job's own modules are imported
only once the arguments are valid, so `--help` and a usage error cost no more than argument parsing.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from lakerun.errors import EXIT_FAILED, EXIT_USAGE, LakerunError, exit_code, unexpected
from lakerun.executor.callbacks import CallbackClient
from lakerun.executor.settings import parse_settings

log = logging.getLogger(__name__)


def _notebook_exit(output: str) -> None:
    """In a notebook (IPython with `dbutils`), a successful result becomes the notebook's exit value."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    dbutils: Any = shell.user_ns.get("dbutils") if shell is not None else None
    if dbutils is not None:
        dbutils.notebook.exit(output)


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Cancel and timeout send SIGTERM: end the job through `RunCancelledError` so the run is recorded."""

    from lakerun.executor.runner import RunCancelledError

    def stop(signum: int, _frame: object) -> None:
        raise RunCancelledError(f"signal {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _failed(message: str, code: int) -> int:
    """Prints the failure as the JSON result and as a line on stderr; returns `code`."""
    print(json.dumps({"status": "failed", "error": message}))
    print(f"lakerun-executor: {message}", file=sys.stderr)
    return code


def run(argv: Sequence[str]) -> int:
    """Parse `argv`, run the job, print the result; returns the exit code (2 bad arguments, 1 failed)."""
    try:
        settings = parse_settings(argv)
        callbacks = CallbackClient.from_env(argv)
    except LakerunError as exc:
        return _failed(str(exc), EXIT_USAGE)
    from lakerun.executor.context import configure_logging
    from lakerun.executor.runner import execute

    configure_logging()
    try:
        with _stop_on_sigterm():
            result, code = execute(settings, callbacks)
    except LakerunError as exc:
        return _failed(str(exc), exit_code(exc))
    except Exception as exc:
        log.exception("lakerun-executor ended on an unexpected error")
        return _failed(unexpected(exc), EXIT_FAILED)
    output = json.dumps(result, default=str, indent=2)
    print(output)
    sys.stdout.flush()
    if code == 0:
        _notebook_exit(output)
    return code


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: exits with the job's code."""
    sys.exit(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
