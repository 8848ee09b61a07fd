"""Every error class lakerun defines is a `LakerunError`, so callers, the API and the workload commands
can tell lakerun's own failures from bugs; only control-flow signals stay outside it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from lakerun import errors

SOURCE = Path(errors.__file__).parent
SIGNALS = {"RunCancelledError", "NotebookExit"}
"""BaseException subclasses that end a task on purpose (SIGTERM, `dbutils.notebook.exit`), not errors."""


def error_classes() -> list[tuple[str, str]]:
    """(module, class) of every class under src/lakerun whose name says it is an error or exception."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Exception", "Exit")):
                found.append((module, node.name))
    return found


def test_the_scan_finds_the_error_classes() -> None:
    names = {name for _, name in error_classes()}
    assert {"PipelineError", "TableIOError", "CallbackRejectedError", "SchemaTooNewError"} <= names
    assert len(names) > 40


@pytest.mark.parametrize(("module", "name"), error_classes(), ids=str)
def test_every_error_class_is_a_lakerun_error(module: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), name)
    if name in SIGNALS:
        assert not issubclass(cls, Exception), f"{name} is a signal and must not be caught as an error"
        return
    assert issubclass(cls, errors.LakerunError), f"{module}.{name} does not derive from LakerunError"


@pytest.mark.parametrize(
    ("category", "status", "transient"),
    [
        (errors.LakerunError, 500, False),
        (errors.InvalidInputError, 422, False),
        (errors.NotFoundError, 404, False),
        (errors.ConflictError, 409, False),
        (errors.UnavailableError, 503, True),
        (errors.UpstreamError, 502, False),
        (errors.ConfigurationError, 500, False),
    ],
)
def test_each_category_declares_its_status_and_transience(
    category: type[errors.LakerunError], status: int, transient: bool
) -> None:
    assert (category.http_status, category.transient) == (status, transient)
    assert category.code.replace("_", "").isalpha()


def test_bad_input_and_missing_things_stay_what_python_code_already_catches() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.NotFoundError, LookupError)
    assert not issubclass(errors.ConflictError, ValueError)


def test_workload_exit_codes() -> None:
    assert errors.exit_code(errors.InvalidInputError("bad --group-spec")) == errors.EXIT_USAGE == 2
    assert errors.exit_code(errors.ConfigurationError("LAKERUN_API_ENDPOINT unset")) == 2
    assert errors.exit_code(errors.LakerunError("the platform refused the batch")) == errors.EXIT_FAILED == 1
    assert errors.exit_code(KeyError("a bug")) == 1
    assert errors.unexpected(KeyError("x")) == "unexpected error (KeyError): 'x'"
