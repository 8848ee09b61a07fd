"""Loading a pipeline: YAML files, `extends` with deep merge, layer files, templating and validation.

A pipeline file lists its layers inline or as paths to layer files; a lone layer file (with a `layer`
key and no `layers`) is accepted too, as a one-layer pipeline. Every error names the file and the
config path that is wrong.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from lakerun.engines.files import FileSource, SourceError
from lakerun.engines.locations import is_remote, localize
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.errors import ConfigError
from lakerun.pipeline.tables import is_three_level_name
from lakerun.pipeline.templating import render_tree


@dataclass(frozen=True)
class LoadedPipeline:
    """A validated pipeline with where it came from and the hash that identifies its content."""

    config: PipelineConfig
    path: str
    config_hash: str


def _read_yaml(path: str) -> dict[str, Any]:
    try:
        source = FileSource.open_url(path)
        source.check_exists()
    except SourceError as exc:
        raise ConfigError(f"{path}: config file not found ({exc})") from None
    with source.fs.open(source.root, "r", encoding="utf-8") as handle:
        try:
            document = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return document


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`: mappings merge key by key, anything else (lists too) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _relative_to(anchor: str, target: str) -> str:
    if posixpath.isabs(target) or "://" in target or target.startswith("dbfs:"):
        return target
    return posixpath.normpath(posixpath.join(posixpath.dirname(anchor), target))


def read_document(path: str, _chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """One YAML file with its `extends` chain resolved (paths relative to the extending file)."""
    if path in _chain:
        raise ConfigError(f"`extends` cycle: {' -> '.join([*_chain, path])}")
    document = _read_yaml(path)
    parent = document.pop("extends", None)
    if parent is None:
        return document
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: `extends` must be a path")
    return deep_merge(read_document(_relative_to(path, parent), (*_chain, path)), document)


def _inline_layer_files(document: dict[str, Any], path: str) -> dict[str, Any]:
    layers = document.get("layers")
    if not isinstance(layers, dict):
        return document
    inlined = {
        name: read_document(_relative_to(path, spec)) if isinstance(spec, str) else spec
        for name, spec in layers.items()
    }
    return {**document, "layers": inlined}


def _as_pipeline_document(document: dict[str, Any], path: str) -> dict[str, Any]:
    if "layers" in document or "layer" not in document:
        return document
    stem = posixpath.splitext(posixpath.basename(path))[0]
    name = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in stem) or "pipeline"
    return {"name": name if name[0].isalpha() else f"p{name}", "layers": {document["layer"]: document}}


def format_validation_error(path: str, error: ValidationError) -> str:
    """One line per problem: the config path that is wrong and why."""
    lines = [f"{path}: invalid pipeline config"]
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"]) or "<root>"
        lines.append(f"  {location}: {problem['msg']}")
    return "\n".join(lines)


def _anchor(value: Any, anchor: str) -> Any:
    """A relative local path made absolute against the config file's folder; anything else unchanged."""
    if not isinstance(value, str) or is_remote(value) or is_three_level_name(value):
        return value
    local = localize(value)
    return value if posixpath.isabs(local) else _relative_to(anchor, value)


def _anchor_layer(layer: Any, anchor: str) -> Any:
    if not isinstance(layer, dict):
        return layer
    anchored = dict(layer)
    for section, key in (("source", "path"), ("source", "table"), ("sink", "path")):
        part = anchored.get(section)
        if isinstance(part, dict) and key in part:
            anchored[section] = {**part, key: _anchor(part[key], anchor)}
    if "quarantine_table" in anchored:
        anchored["quarantine_table"] = _anchor(anchored["quarantine_table"], anchor)
    return anchored


def _anchored_paths(document: dict[str, Any], path: str) -> dict[str, Any]:
    """Relative local paths (warehouse, sources, sinks) resolved against the config file's folder."""
    anchor = path if is_remote(path) else posixpath.abspath(localize(path))
    anchored = {**document, "warehouse": _anchor(document.get("warehouse", "warehouse"), anchor)}
    layers = document.get("layers")
    if isinstance(layers, dict):
        anchored["layers"] = {name: _anchor_layer(layer, anchor) for name, layer in layers.items()}
    return anchored


def load_pipeline(path: str, cli_vars: Mapping[str, str] | None = None) -> LoadedPipeline:
    """Read, merge, render and validate a pipeline (or lone layer) config file."""
    document = _as_pipeline_document(_inline_layer_files(read_document(path), path), path)
    file_vars = document.get("vars") or {}
    if not isinstance(file_vars, dict):
        raise ConfigError(f"{path}: `vars` must be a mapping")
    variables = {str(k): str(v) for k, v in file_vars.items()} | dict(cli_vars or {})
    rendered = _anchored_paths(render_tree(document, variables), path)
    try:
        config = PipelineConfig.model_validate(rendered)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    return LoadedPipeline(config=config, path=path, config_hash=config_hash(config))


def config_hash(config: PipelineConfig) -> str:
    """A short, stable hash of the validated config (secret references hashed as written)."""
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
