"""lakerun: run, track and test work on Databricks, locally and for real."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`lakerun.__version__`, read from the installed metadata only when asked (importing stays cheap)."""
    if name != "__version__":
        raise AttributeError(f"module 'lakerun' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lakerun")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0"
