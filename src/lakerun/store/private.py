"""Files and folders only their owner may open: the database, the server key, API tokens.

They are created with their final mode (never written first and restricted after), whatever the umask.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_folder(path: Path) -> Path:
    """Creates `path` (and missing parents) as 0700 when it does not exist yet; returns it."""
    if not path.exists():
        private_folder(path.parent)
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            return path
        path.chmod(0o700)
    return path


def private_file(path: Path, content: str | None = None) -> Path:
    """Creates `path` as 0600 (with `content`) unless it exists; an existing file is left as it is."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(descriptor, "w") as handle:
        if content is not None:
            handle.write(content)
    os.chmod(path, 0o600)
    return path
