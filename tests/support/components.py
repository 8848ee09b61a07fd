"""Which real components a test needs, and what a missing one means: a skip on a laptop, a failure in CI.

`LAKERUN_REQUIRE=postgres,cloud,browser,spark` names the components that must be present; a test that
would skip for one of them fails instead (`LAKERUN_REQUIRE_POSTGRES=1` is the older spelling of
`LAKERUN_REQUIRE=postgres`). Tests are marked from the fixtures they use, so `make check`'s marker
expression leaves out every test that starts a real component without each file having to say so.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from typing import NoReturn

import pytest

COMPONENTS = ("postgres", "cloud", "browser", "spark")
"""The components `LAKERUN_REQUIRE` can name."""

FIXTURE_MARKS: dict[str, tuple[str, ...]] = {
    "postgres_database": ("postgres",),
    "fresh_postgres": ("postgres",),
    "postgres": ("postgres",),
    "postgres_source": ("postgres",),
    "moto_s3": ("cloud",),
    "azurite": ("cloud",),
    "browser": ("browser", "slow"),
    "spark_session": ("spark", "slow"),
    "spark_available": ("spark", "slow"),
    "port80_workspace": ("conformance",),
    # Servers started for the test (a workspace, a control plane, a stand-in platform): not unit tests.
    "local_workspace": ("slow",),
    "start_workspace": ("slow",),
    "served_by_cli": ("slow",),
    "stack": ("slow",),
    "dash": ("slow",),
    "platform": ("slow",),
    "control_plane": ("slow",),
    "legacy_cli": ("conformance",),
}
"""The marks a test gets from each fixture it uses (directly or through other fixtures)."""


def required() -> frozenset[str]:
    """The components this run must not skip, from `LAKERUN_REQUIRE` (and `LAKERUN_REQUIRE_POSTGRES=1`)."""
    names = {name.strip() for name in os.environ.get("LAKERUN_REQUIRE", "").split(",") if name.strip()}
    if os.environ.get("LAKERUN_REQUIRE_POSTGRES") == "1":
        names.add("postgres")
    unknown = names - set(COMPONENTS)
    if unknown:
        raise pytest.UsageError(
            f"LAKERUN_REQUIRE names unknown components {sorted(unknown)}; known: {COMPONENTS}"
        )
    return frozenset(names)


def unavailable(component: str, reason: str) -> NoReturn:
    """Skips the test because `component` is missing, or fails it when the run requires that component."""
    if component in required():
        pytest.fail(f"{component} is required (LAKERUN_REQUIRE) but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def mark_by_fixtures(items: list[pytest.Item]) -> None:
    """Adds the component marks of `FIXTURE_MARKS` to each test from the fixtures it uses."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for fixture, marks in FIXTURE_MARKS.items():
            if fixture in names:
                for mark in marks:
                    item.add_marker(mark)


SPARK_CONFIG = {
    "spark.master": "local[2]",
    "spark.app.name": "lakerun-tests",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
}
"""The one SparkSession configuration of the suite: two cores, no UI, few shuffle partitions (small data),
UTC so dates and timestamps compare the same on every machine."""


def spark_missing() -> str | None:
    """Why a local SparkSession cannot start here (None when it can)."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    if shutil.which("java") is None:
        return "java is not installed (make tools)"
    return None
