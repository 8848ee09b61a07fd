"""`/dbfs`, `/Volumes` and `/Workspace` inside task and command-context processes, mapped to the workspace root.

Databricks code opens these paths with plain `open`, `os`, `pathlib`, pandas or pyarrow (whose C++
I/O never passes through Python), so the mapping must be real paths, not patched functions:

- `namespace`: the process enters its own mount namespace and bind-mounts `root/dbfs`, `root/volumes`
  and `root/workspace` on the three paths. Nothing is visible outside the process and its children,
  so several workspaces can run tasks side by side. Needs root (or CAP_SYS_ADMIN); the three empty
  mount-point folders are created once at `/`.
- `symlink`: where namespaces are refused but the process is root, `/dbfs` and the others become
  symbolic links to the workspace's folders; they are machine-wide, so the last workspace to start a
  task wins.
- `none`: otherwise the paths are not mapped (`dbutils.fs` and the APIs still map them).

Standard library only: command contexts run it in environments that may lack lakerun's dependencies.
"""

from __future__ import annotations

import ctypes
import errno
import os
from pathlib import Path

MOUNTS = (("/dbfs", "dbfs"), ("/Volumes", "volumes"), ("/Workspace", "workspace"))
MODE_VARIABLE = "LAKERUN_TASK_PATHS"
CLONE_NEWNS = 0x00020000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18


_mapped: dict[str, str] = {}
"""The root this process (or the fork server it was forked from) already mapped, and how."""


def map_workspace_paths(root: str) -> str:
    """Makes the three Databricks paths show the workspace under `root` in this process; returns
    the mechanism used (`namespace`, `symlink` or `none`) and exports it as `LAKERUN_TASK_PATHS`.

    A process forked after the mapping keeps it: the fork server maps once, so forked tasks pay
    nothing (a mount namespace costs tens of milliseconds, mostly when it is torn down).
    """
    if root in _mapped:
        os.environ[MODE_VARIABLE] = _mapped[root]
        return _mapped[root]
    folders = [(target, Path(root) / area) for target, area in MOUNTS]
    for _, folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    mode = "none"
    if _in_namespace(folders):
        mode = "namespace"
    elif os.geteuid() == 0 and _symlinked(folders):
        mode = "symlink"
    os.environ[MODE_VARIABLE] = _mapped.setdefault(root, mode)
    return mode


def _in_namespace(folders: list[tuple[str, Path]]) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        return False
    if libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    for target, folder in folders:
        point = Path(target)
        if point.is_symlink():
            point.unlink()
        try:
            point.mkdir(exist_ok=True)
        except OSError:
            return False
        if libc.mount(str(folder).encode(), target.encode(), None, MS_BIND | MS_REC, None) != 0:
            return False
    return True


def _symlinked(folders: list[tuple[str, Path]]) -> bool:
    for target, folder in folders:
        point = Path(target)
        if point.is_symlink():
            if os.readlink(point) == str(folder):
                continue
            point.unlink()
        elif point.exists():
            if not point.is_dir() or any(point.iterdir()):
                return False
            point.rmdir()
        try:
            point.symlink_to(folder, target_is_directory=True)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                return False
    return True
