"""Config loading: strict validation with the offending path named, extends, variables, schema."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.pipeline.config.loader import load_pipeline
from lakerun.pipeline.config.schema import pipeline_json_schema
from lakerun.pipeline.errors import ConfigError
from tests.pipeline.conftest import one_layer

SOURCE = {"type": "files", "path": "people", "format": "parquet"}


def test_a_typo_key_is_rejected_with_its_path(write_config) -> None:
    document = one_layer(SOURCE)
    document["layers"]["raw"]["sink"]["mdoe"] = "append"
    with pytest.raises(ConfigError) as error:
        load_pipeline(str(write_config(document)))
    assert "layers.raw.sink.mdoe" in str(error.value)
    assert "Extra inputs are not permitted" in str(error.value)


def test_a_wrong_type_is_rejected_with_its_path(write_config) -> None:
    document = one_layer(SOURCE, expectations=[{"type": "range", "column": "age", "min": "zero"}])
    with pytest.raises(ConfigError) as error:
        load_pipeline(str(write_config(document)))
    assert "layers.raw.expectations.0.range.min" in str(error.value)


def test_an_unknown_layer_is_rejected(write_config) -> None:
    document = one_layer(SOURCE)
    document["layers"]["platinum"] = document["layers"]["raw"]
    with pytest.raises(ConfigError) as error:
        load_pipeline(str(write_config(document)))
    assert "layers.platinum" in str(error.value)


def test_an_unknown_step_op_is_rejected(write_config) -> None:
    document = one_layer(SOURCE, transform={"steps": [{"op": "explode", "columns": ["a"]}]})
    with pytest.raises(ConfigError) as error:
        load_pipeline(str(write_config(document)))
    assert "layers.raw.transform.steps.0" in str(error.value)


def test_merge_without_keys_is_rejected(write_config) -> None:
    document = one_layer(SOURCE)
    document["layers"]["raw"]["sink"]["mode"] = "merge"
    with pytest.raises(ConfigError, match="needs `keys`"):
        load_pipeline(str(write_config(document)))


def test_extends_deep_merges_mappings_and_replaces_lists(tmp_path: Path, write_config) -> None:
    write_config(
        {"layer": "raw", "source": SOURCE, "sink": {"table": "main.a.b", "partition_by": ["city"]}},
        name="base.yml",
    )
    write_config(
        {"extends": "base.yml", "sink": {"mode": "append", "partition_by": ["name"]}}, name="raw.yml"
    )
    path = write_config({"name": "p", "layers": {"raw": "raw.yml"}})
    sink = load_pipeline(str(path)).config.layers["raw"].sink
    assert (sink.table, sink.mode, sink.partition_by) == ("main.a.b", "append", ["name"])


def test_extends_cycle_is_reported(write_config) -> None:
    write_config({"extends": "b.yml", "layer": "raw"}, name="a.yml")
    write_config({"extends": "a.yml"}, name="b.yml")
    with pytest.raises(ConfigError, match="cycle"):
        load_pipeline(str(write_config({"name": "p", "layers": {"raw": "a.yml"}})))


def test_variables_come_from_cli_then_file_then_environment(write_config, monkeypatch) -> None:
    monkeypatch.setenv("LAKE_SCHEMA", "from_env")
    document = one_layer(SOURCE)
    document["vars"] = {"catalog": "file_cat", "table": "t1"}
    document["layers"]["raw"]["sink"]["table"] = "{{ catalog }}.{{ env.LAKE_SCHEMA }}.{{table}}"
    loaded = load_pipeline(str(write_config(document)), {"catalog": "cli_cat"})
    assert loaded.config.layers["raw"].sink.table == "cli_cat.from_env.t1"


def test_an_unknown_variable_names_the_variable_and_the_path(write_config) -> None:
    document = one_layer(SOURCE)
    document["layers"]["raw"]["sink"]["table"] = "{{ nope }}.a.b"
    with pytest.raises(ConfigError) as error:
        load_pipeline(str(write_config(document)))
    assert "nope" in str(error.value) and "layers.raw.sink.table" in str(error.value)


def test_secret_references_stay_unresolved_in_the_config(write_config) -> None:
    source = {**SOURCE, "options": {"secret": "{{secrets/lake/key}}"}}
    loaded = load_pipeline(str(write_config(one_layer(source))))
    assert loaded.config.layers["raw"].source.options["secret"] == "{{secrets/lake/key}}"


def test_a_lone_layer_file_is_a_one_layer_pipeline(write_config) -> None:
    path = write_config(
        {"layer": "bronze", "source": SOURCE, "sink": {"table": "main.b.c"}}, name="bronze.yml"
    )
    config = load_pipeline(str(path)).config
    assert config.ordered_layers() == ["bronze"] and config.name == "bronze"


def test_the_config_hash_changes_with_the_content(write_config) -> None:
    first = load_pipeline(str(write_config(one_layer(SOURCE)))).config_hash
    changed = one_layer(SOURCE)
    changed["layers"]["raw"]["sink"]["mode"] = "append"
    assert load_pipeline(str(write_config(changed))).config_hash != first


def test_json_schema_forbids_unknown_keys_and_documents_fields() -> None:
    schema = pipeline_json_schema()
    sink = schema["$defs"]["DeltaSink"]
    assert sink["additionalProperties"] is False
    assert "upserts" in sink["properties"]["mode"]["description"]
    layers = next(
        option for option in schema["properties"]["layers"]["anyOf"] if option.get("type") == "object"
    )
    assert set(layers["propertyNames"]["enum"]) == {"raw", "bronze", "silver", "gold"}
    assert "dependency graph" in schema["properties"]["tables"]["description"]
