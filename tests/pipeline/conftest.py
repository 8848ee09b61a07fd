"""Fixtures for pipeline tests: small real datasets on disk and configs written as YAML files."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from lakerun.engines.duckdb_engine import DuckDBEngine
from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.runner import PipelineRunner

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "pet_claims"


def load_generator() -> ModuleType:
    """The demo's data generator, imported from its file."""
    spec = importlib.util.spec_from_file_location("pet_claims_generate", EXAMPLE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def engine() -> Iterator[DuckDBEngine]:
    duck = DuckDBEngine()
    yield duck
    duck.close()


@pytest.fixture
def people(tmp_path: Path) -> Path:
    """A small parquet source with duplicates, nulls and text numbers."""
    table = pa.table(
        {
            "id": [1, 2, 2, 3, 4, None],
            "name": ["ann", "bob", "bob", "cy", "dee", "eve"],
            "age": ["34", "x", "41", "29", "-3", "50"],
            "city": ["Paris", "Oslo", "Oslo", "Rome", "Oslo", None],
            "updated": [10, 20, 30, 40, 50, 60],
        }
    )
    folder = tmp_path / "people"
    folder.mkdir()
    pq.write_table(table, folder / "part-0.parquet")
    return folder


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Writes a pipeline config (a dict) as YAML and returns its path."""

    def write(document: dict[str, Any], name: str = "pipeline.yml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return write


def one_layer(source: dict[str, Any], **layer: Any) -> dict[str, Any]:
    """A pipeline document with a single raw layer writing `main.test.out`."""
    body = {"source": source, "sink": {"table": "main.test.out"}, **layer}
    return {"name": "t", "warehouse": "wh", "layers": {"raw": body}}


def runner_for(path: Path, **variables: str) -> PipelineRunner:
    """A runner over the config file at `path`."""
    return PipelineRunner(load_pipeline(str(path), variables))
