"""The pipeline's own errors: each names the config path or object that is wrong."""

from __future__ import annotations

from lakerun.errors import LakerunError


class PipelineError(LakerunError):
    """Base of every pipeline failure reported to the user (exit code 1, message shown as is)."""


class ConfigError(PipelineError):
    """The configuration cannot be loaded: bad YAML, unknown key, wrong type, unknown variable."""


class PlanError(PipelineError):
    """The plan cannot run: a source is missing or the SQL names a column the input lacks."""


class ExpectationFailedError(PipelineError):
    """An expectation with action `fail` found violating rows; nothing was written."""
