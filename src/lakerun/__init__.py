"""lakerun: run, track and test work on Databricks, locally and for real."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lakerun")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
