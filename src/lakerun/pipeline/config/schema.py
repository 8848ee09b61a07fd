"""The JSON Schema of pipeline files, for editors and CI validation."""

from __future__ import annotations

import json
from typing import Any

from lakerun.pipeline.config.layers import PipelineConfig


def pipeline_json_schema() -> dict[str, Any]:
    """The JSON Schema of a pipeline config (layers inline)."""
    schema = PipelineConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lakerun pipeline"
    return schema


def pipeline_json_schema_text() -> str:
    """The schema as indented JSON text."""
    return json.dumps(pipeline_json_schema(), indent=2, sort_keys=True)
