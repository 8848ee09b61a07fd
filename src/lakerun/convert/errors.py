"""The conversion package's own errors, each naming the element of the flow that is wrong."""

from __future__ import annotations

from lakerun.errors import LakerunError


class ConvertError(LakerunError):
    """Base of every conversion error: the message is meant for the person who owns the flow."""


class FlowReadError(ConvertError):
    """The NiFi file is malformed or of an unknown kind; the message names the element and file."""


class FlowGraphError(ConvertError):
    """The flow's graph cannot be converted as a batch job (a data cycle, a dangling connection)."""


class ExpressionError(ConvertError):
    """A NiFi Expression Language construct that the translator does not know."""
