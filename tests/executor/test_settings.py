"""Seed 000's command form, options, environment defaults and callback arguments passing through."""

from __future__ import annotations

import pytest

from lakerun.executor.settings import SettingsError, parse_settings

pytestmark = pytest.mark.core


def test_seed_positional_form_and_environment_defaults() -> None:
    env = {"LAKERUN_INCLUDE": "*.csv, *.parquet", "LAKERUN_MAX_FILES": "50", "LAKERUN_TENANT_ID": "from-env"}
    settings = parse_settings(["metadata_extraction", "/dbfs/mnt/client-data/", "csv", "client-123"], env)
    assert (settings.source_path, settings.source_type, settings.tenant_id) == (
        "/dbfs/mnt/client-data/",
        "csv",
        "client-123",
    )
    assert settings.include == ["*.csv", "*.parquet"] and settings.max_files == 50
    assert parse_settings(["schema_validation"], env).tenant_id == "from-env"


def test_callback_arguments_pass_through_in_both_spellings() -> None:
    settings = parse_settings(
        [
            "schema_validation",
            "--lakerun-attempt-id=a1",
            "--lakerun-callback-url",
            "http://x",
            "--run-id",
            "r-1",
        ],
        {},
    )
    assert settings.run_id == "r-1"
    assert settings.extra_args == ["--lakerun-attempt-id=a1", "--lakerun-callback-url", "http://x"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["data_reading"], "needs a data_source_path"),
        (["schema_validation", "--bogus"], "unknown arguments: --bogus"),
        (["quality_assessment", "/x", "--quality-rows", "-1"], "--quality-rows must not be negative"),
        (["api_transmission", "--batch-records", "0"], "--batch-records must be at least 1"),
    ],
)
def test_bad_arguments_name_the_problem(argv: list[str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        parse_settings(argv, {})
