"""SQL errors in Databricks' shape: an error class, a message, an SQLSTATE."""

from __future__ import annotations

from lakerun.errors import LakerunError


class SqlError(LakerunError):
    """A statement failed: shown as `[ERROR_CLASS] message SQLSTATE: xxxxx` like Databricks SQL."""

    def __init__(self, error_class: str, message: str, sql_state: str = "42000") -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.sql_state = sql_state

    def __str__(self) -> str:
        return f"[{self.error_class}] {self.message} SQLSTATE: {self.sql_state}"


def table_not_found(quoted: str) -> SqlError:
    """The error for a table that does not exist."""
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {quoted} cannot be found. Verify the spelling and correctness of the schema "
        "and catalog.",
        "42P01",
    )


def schema_not_found(catalog: str, schema: str) -> SqlError:
    """The error for a schema that does not exist."""
    return SqlError("SCHEMA_NOT_FOUND", f"The schema `{catalog}`.`{schema}` cannot be found.", "42704")
