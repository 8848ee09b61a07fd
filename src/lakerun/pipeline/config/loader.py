"""Loading a pipeline: YAML files, `extends` with deep merge, layer files, templating and validation.

A pipeline file lists its layers inline or as paths to layer files; a lone layer file (with a `layer`
key and no `layers`) is accepted too, as a one-layer pipeline. Every error names the file and the
config path that is wrong.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError

from lakerun.engines.files import FileSource, SourceError
from lakerun.engines.locations import is_remote, localize
from lakerun.pipeline.config.layers import PipelineConfig
from lakerun.pipeline.errors import ConfigError
from lakerun.pipeline.tables import is_dotted_name
from lakerun.pipeline.templating import render_tree

TextReader = Callable[[str], str]
"""Reads a config file's text by path: where this process cannot open the path itself (a workspace's
`dbfs:/`, `/Volumes` or `/Workspace` file seen from outside it), the caller reads through the workspace."""


@dataclass(frozen=True)
class LoadedPipeline:
    """A validated pipeline with where it came from and the hash that identifies its content."""

    config: PipelineConfig
    path: str
    config_hash: str


def _read_text(path: str) -> str:
    try:
        source = FileSource.open_url(path)
        source.check_exists()
    except SourceError as exc:
        raise ConfigError(f"{path}: config file not found ({exc})") from None
    with source.fs.open(source.root, "r", encoding="utf-8") as handle:
        text: str = handle.read()
    return text


def _read_yaml(path: str, read: TextReader | None = None) -> dict[str, Any]:
    text = (read or _read_text)(path)
    try:
        document = yaml.safe_load(text)
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


def read_chain(
    path: str, _chain: tuple[str, ...] = (), read: TextReader | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """A YAML file and the files it `extends`, base first, each with its own path."""
    if path in _chain:
        raise ConfigError(f"`extends` cycle: {' -> '.join([*_chain, path])}")
    document = _read_yaml(path, read)
    parent = document.pop("extends", None)
    if parent is None:
        return [(path, document)]
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: `extends` must be a path")
    return [*read_chain(_relative_to(path, parent), (*_chain, path), read), (path, document)]


def read_document(path: str, read: TextReader | None = None) -> dict[str, Any]:
    """One YAML file with its `extends` chain merged (unrendered; paths as written)."""
    merged: dict[str, Any] = {}
    for _, document in read_chain(path, read=read):
        merged = deep_merge(merged, document)
    return merged


def _resolved(
    path: str, variables: Mapping[str, str], anchor: str | None = None, read: TextReader | None = None
) -> dict[str, Any]:
    """A file's `extends` chain rendered and merged, each file's relative paths resolved against itself.

    `anchor` (the pipeline file, for layer files) replaces the last file's own folder."""
    chain = read_chain(path, read=read)
    merged: dict[str, Any] = {}
    for index, (file, document) in enumerate(chain):
        own = anchor if anchor and index == len(chain) - 1 else file
        inlined = _inline_layer_files(document, file, variables, own, read)
        merged = deep_merge(merged, _anchored_paths(render_tree(inlined, variables), own))
    return merged


def _inline_layer_files(
    document: dict[str, Any],
    path: str,
    variables: Mapping[str, str],
    anchor: str,
    read: TextReader | None = None,
) -> dict[str, Any]:
    layers = document.get("layers")
    if not isinstance(layers, dict):
        return document
    inlined = {
        name: _resolved(_relative_to(path, spec), variables, anchor, read) if isinstance(spec, str) else spec
        for name, spec in layers.items()
    }
    return {**document, "layers": inlined}


def _as_pipeline_document(document: dict[str, Any], path: str) -> dict[str, Any]:
    if "layers" in document or "tables" in document or "layer" not in document:
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
    if not isinstance(value, str) or is_remote(value) or is_dotted_name(value):
        return value
    local = localize(value)
    if posixpath.isabs(local) or "{{" in value:
        return value
    base = anchor if is_remote(anchor) else posixpath.abspath(localize(anchor))
    return _relative_to(base, value)


def _anchor_part(part: Any, key: str, anchor: str) -> Any:
    if isinstance(part, dict) and key in part:
        return {**part, key: _anchor(part[key], anchor)}
    return part


def _anchor_node(node: Any, anchor: str) -> Any:
    """A layer or table with its sink's and quarantine table's relative paths anchored."""
    if not isinstance(node, dict):
        return node
    anchored = dict(node)
    if "sink" in anchored:
        anchored["sink"] = _anchor_part(anchored["sink"], "path", anchor)
    if "quarantine_table" in anchored:
        anchored["quarantine_table"] = _anchor(anchored["quarantine_table"], anchor)
    return anchored


def _anchor_source(source: Any, anchor: str) -> Any:
    if isinstance(source, dict) and source.get("type") == "database":
        return source
    return _anchor_part(_anchor_part(source, "path", anchor), "table", anchor)


def _anchor_layer(layer: Any, anchor: str) -> Any:
    anchored = _anchor_node(layer, anchor)
    if isinstance(anchored, dict) and "source" in anchored:
        anchored["source"] = _anchor_source(anchored["source"], anchor)
    return anchored


def _anchor_table(table: Any, anchor: str) -> Any:
    anchored = _anchor_node(table, anchor)
    if isinstance(anchored, dict) and isinstance(anchored.get("inputs"), dict):
        anchored["inputs"] = {k: _anchor_source(v, anchor) for k, v in anchored["inputs"].items()}
    return anchored


def _anchored_paths(document: dict[str, Any], anchor: str) -> dict[str, Any]:
    """Relative local paths (warehouse, sources, sinks) resolved against `anchor`'s folder."""
    anchored = dict(document)
    if "warehouse" in document:
        anchored["warehouse"] = _anchor(document["warehouse"], anchor)
    if "layer" in document and "layers" not in document:
        anchored = _anchor_layer(anchored, anchor)
    for key, anchor_one in (("layers", _anchor_layer), ("tables", _anchor_table)):
        nodes = document.get(key)
        if isinstance(nodes, dict):
            anchored[key] = {name: anchor_one(node, anchor) for name, node in nodes.items()}
    return anchored


def _variables(
    path: str, cli_vars: Mapping[str, str] | None, read: TextReader | None = None
) -> dict[str, str]:
    file_vars = read_document(path, read).get("vars") or {}
    if not isinstance(file_vars, dict):
        raise ConfigError(f"{path}: `vars` must be a mapping")
    return {str(k): str(v) for k, v in file_vars.items()} | dict(cli_vars or {})


def load_pipeline(
    path: str, cli_vars: Mapping[str, str] | None = None, read: TextReader | None = None
) -> LoadedPipeline:
    """Read, merge, render and validate a pipeline (or lone layer) config file (its text, and that of the
    files it names, through `read` when given)."""
    variables = _variables(path, cli_vars, read)
    document = _as_pipeline_document(_resolved(path, variables, read=read), path)
    document.setdefault("warehouse", _anchor("warehouse", path))
    try:
        config = PipelineConfig.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    return LoadedPipeline(config=config, path=path, config_hash=config_hash(config))


def config_hash(config: PipelineConfig) -> str:
    """A short, stable hash of the validated config (secret references hashed as written)."""
    canonical = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
