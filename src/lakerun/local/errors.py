"""Databricks-shaped API errors, so the official SDK raises its own typed exceptions."""

from __future__ import annotations

from typing import Any

from lakerun.errors import LakerunError


class DatabricksError(LakerunError):
    """An API error rendered as Databricks does: HTTP status plus `{"error_code", "message"}`."""

    def __init__(
        self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}
        self.http_status = status
        self.code = error_code
        self.transient = status == 429 or status >= 500

    def body(self) -> dict[str, Any]:
        """The JSON body Databricks sends for this error."""
        return {"error_code": self.error_code, "message": self.message}


def invalid_parameter(message: str) -> DatabricksError:
    """400 INVALID_PARAMETER_VALUE: a field has a value the API refuses."""
    return DatabricksError(400, "INVALID_PARAMETER_VALUE", message)


def malformed_request(message: str) -> DatabricksError:
    """400 MALFORMED_REQUEST: the body cannot be parsed or has the wrong shape."""
    return DatabricksError(400, "MALFORMED_REQUEST", message)


def does_not_exist(message: str) -> DatabricksError:
    """404 RESOURCE_DOES_NOT_EXIST: the named object is not there."""
    return DatabricksError(404, "RESOURCE_DOES_NOT_EXIST", message)


def unknown_id(message: str) -> DatabricksError:
    """400 INVALID_PARAMETER_VALUE for an unknown job, run or cluster id: what Databricks answers there
    (the SDK turns it into ResourceDoesNotExist on jobs/get and runs/get)."""
    return DatabricksError(400, "INVALID_PARAMETER_VALUE", message)


def already_exists(message: str) -> DatabricksError:
    """409 RESOURCE_ALREADY_EXISTS: creating something whose name is taken."""
    return DatabricksError(409, "RESOURCE_ALREADY_EXISTS", message)


def invalid_state(message: str) -> DatabricksError:
    """400 INVALID_STATE: the object exists but cannot take this operation now."""
    return DatabricksError(400, "INVALID_STATE", message)


def unauthenticated(message: str) -> DatabricksError:
    """401 UNAUTHENTICATED: no usable credentials were sent."""
    return DatabricksError(401, "UNAUTHENTICATED", message)


def permission_denied(message: str) -> DatabricksError:
    """403 PERMISSION_DENIED: credentials were sent but are not valid here."""
    return DatabricksError(403, "PERMISSION_DENIED", message)
