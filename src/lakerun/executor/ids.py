"""Stable row ids: the same tenant, path, dataset or column always gets the same id, so re-runs update."""

from __future__ import annotations

import hashlib


def stable_id(*parts: str) -> str:
    """A short hex id derived from `parts` (joined unambiguously)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:24]
