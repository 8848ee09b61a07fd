"""Entry point of a task process: `python -m lakerun.local.task_runtime <task.json>` (or `--fork-server`)."""

from __future__ import annotations

import sys

from lakerun.local.task_runtime.forkserver import serve
from lakerun.local.task_runtime.runner import main, quick_exit
from lakerun.local.task_spec import FORK_SERVER_FLAG

if __name__ == "__main__":
    if sys.argv[1:] == [FORK_SERVER_FLAG]:
        sys.exit(serve())
    quick_exit(main(sys.argv[1:]))
