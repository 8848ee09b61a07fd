"""Executor settings: seed 000's command form plus options, with environment variables as defaults.

`lakerun-executor <job_type> [data_source_path] [source_type] [tenant_id] [--options]` is accepted
unchanged; every option can also come from a `LAKERUN_*` variable, so a Databricks job can pass
only the seed's positional parameters.
"""

from __future__ import annotations

import argparse
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lakerun.engines.locations import localize
from lakerun.errors import ConfigurationError

JOB_TYPES = (
    "schema_validation",
    "metadata_extraction",
    "data_reading",
    "quality_assessment",
    "api_transmission",
    "full_pipeline",
)
NEEDS_SOURCE = frozenset({"metadata_extraction", "data_reading", "quality_assessment", "full_pipeline"})
DEFAULT_METADATA_DB = "dbfs:/lakerun/executor/metadata.duckdb"


class SettingsError(ConfigurationError):
    """The command line or environment is wrong; the message names the bad value."""


@dataclass
class ExecutorSettings:
    """Everything one executor run needs to know."""

    job_type: str
    source_path: str | None = None
    source_type: str = "auto"
    tenant_id: str = "default"
    run_id: str = field(default_factory=lambda: f"run_{uuid.uuid4().hex[:16]}")
    metadata_db: str | None = None
    """Local DuckDB file holding `_executor_metadata` (default: in DBFS, or `.lakerun/` outside a workspace)."""
    metadata_catalog: str | None = None
    """Unity Catalog catalog for the Spark-backed store on Databricks."""
    metadata_schema: str = "_executor_metadata"
    preview_rows: int = 10
    quality_rows: int = 1_000_000
    """Rows per dataset the quality scores are computed over (0 = all rows)."""
    quality_max_datasets: int = 500
    """Datasets scored per run (profiling costs ~0.1 s per small dataset); the rest are counted as not assessed."""
    max_files: int | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    api_endpoint: str | None = None
    api_auth: str = "bearer"
    api_key_env: str = "LAKERUN_API_KEY"
    """Name of the variable holding the platform credential (the value itself is never stored here)."""
    secret_scope: str | None = None
    """Databricks secret scope to read credentials from when the environment lacks them."""
    batch_records: int = 500
    extra_args: list[str] = field(default_factory=list)

    def resolved_metadata_db(self) -> Path:
        """Where the local DuckDB metadata file lives."""
        if self.metadata_db:
            return Path(localize(self.metadata_db))
        in_dbfs = Path(localize(DEFAULT_METADATA_DB))
        if not str(in_dbfs).startswith("/dbfs/") or Path("/dbfs").is_dir():
            return in_dbfs
        return Path(".lakerun") / "executor" / "metadata.duckdb"


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakerun-executor",
        description="Run one executor job (seed 000's job types) and print its result as JSON.",
    )
    parser.add_argument("job_type", choices=JOB_TYPES, help="which job to run")
    parser.add_argument(
        "data_source_path", nargs="?", help="local path, dbfs:/, /Volumes/, s3://, abfss://, az://"
    )
    parser.add_argument(
        "source_type", nargs="?", help="auto, csv, parquet, json, excel, delta, azure_blob, aws_s3"
    )
    parser.add_argument("tenant_id", nargs="?", help="tenant identifier (default: default)")
    parser.add_argument("--run-id", default=env.get("LAKERUN_RUN_ID"))
    parser.add_argument("--metadata-db", default=env.get("LAKERUN_METADATA_DB"))
    parser.add_argument("--metadata-catalog", default=env.get("LAKERUN_METADATA_CATALOG"))
    parser.add_argument("--metadata-schema", default=env.get("LAKERUN_METADATA_SCHEMA", "_executor_metadata"))
    parser.add_argument("--preview-rows", type=int, default=int(env.get("LAKERUN_PREVIEW_ROWS", "10")))
    parser.add_argument("--quality-rows", type=int, default=int(env.get("LAKERUN_QUALITY_ROWS", "1000000")))
    parser.add_argument(
        "--quality-max-datasets", type=int, default=int(env.get("LAKERUN_QUALITY_MAX_DATASETS", "500"))
    )
    parser.add_argument("--max-files", type=int, default=_int_or_none(env.get("LAKERUN_MAX_FILES")))
    parser.add_argument("--include", action="append", default=_globs(env.get("LAKERUN_INCLUDE")))
    parser.add_argument("--exclude", action="append", default=_globs(env.get("LAKERUN_EXCLUDE")))
    parser.add_argument("--api-endpoint", default=env.get("LAKERUN_API_ENDPOINT"))
    parser.add_argument(
        "--api-auth", choices=("bearer", "hmac"), default=env.get("LAKERUN_API_AUTH", "bearer")
    )
    parser.add_argument("--secret-scope", default=env.get("LAKERUN_SECRET_SCOPE"))
    parser.add_argument("--batch-records", type=int, default=int(env.get("LAKERUN_BATCH_RECORDS", "500")))
    return parser


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value else None


def _globs(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def parse_settings(argv: Sequence[str], env: Mapping[str, str] | None = None) -> ExecutorSettings:
    """Settings from the command line (seed form) and the environment; `--lakerun-*` callback args pass through."""
    env = os.environ if env is None else env
    known, extra = _parser(env).parse_known_args(list(argv))
    unknown = [
        arg for arg in extra if not arg.startswith("--lakerun-") and not _is_value_of_lakerun(extra, arg)
    ]
    if unknown:
        raise SettingsError(f"unknown arguments: {' '.join(unknown)}")
    settings = ExecutorSettings(
        job_type=known.job_type,
        source_path=known.data_source_path,
        source_type=known.source_type or "auto",
        tenant_id=known.tenant_id or env.get("LAKERUN_TENANT_ID") or "default",
        metadata_db=known.metadata_db,
        metadata_catalog=known.metadata_catalog,
        metadata_schema=known.metadata_schema,
        preview_rows=known.preview_rows,
        quality_rows=known.quality_rows,
        quality_max_datasets=known.quality_max_datasets,
        max_files=known.max_files,
        include=list(known.include),
        exclude=list(known.exclude),
        api_endpoint=known.api_endpoint,
        api_auth=known.api_auth,
        secret_scope=known.secret_scope,
        batch_records=known.batch_records,
        extra_args=extra,
    )
    if known.run_id:
        settings.run_id = known.run_id
    return _checked(settings)


def _is_value_of_lakerun(extra: list[str], arg: str) -> bool:
    index = extra.index(arg)
    return index > 0 and extra[index - 1].startswith("--lakerun-") and "=" not in extra[index - 1]


def _checked(settings: ExecutorSettings) -> ExecutorSettings:
    if settings.job_type in NEEDS_SOURCE and not settings.source_path:
        raise SettingsError(f"{settings.job_type} needs a data_source_path")
    for name in ("preview_rows", "quality_rows", "quality_max_datasets", "batch_records"):
        if getattr(settings, name) < 0:
            raise SettingsError(f"--{name.replace('_', '-')} must not be negative")
    if settings.batch_records == 0:
        raise SettingsError("--batch-records must be at least 1")
    return settings
