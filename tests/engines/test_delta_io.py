"""Delta table I/O through delta-rs: write modes, merge, commit metadata, time travel, path mapping."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakerun.engines import delta_io
from lakerun.engines.file_sources import open_dataset
from lakerun.engines.io_errors import SourceMissingError
from lakerun.engines.locations import localize


def rows(uri: str, version: int | None = None) -> list[dict]:
    table = delta_io.open_table(uri, version=version)
    assert table is not None
    return sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: r["k"])


def test_merge_upserts_on_keys_with_quoted_names(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    first = pa.table({"k": [1, 2], "Order Total": [1.0, 2.0]})
    assert delta_io.write_table(uri, first, mode="merge", keys=["k"]).version == 0
    delta_io.write_table(
        uri, pa.table({"k": [2, 3], "Order Total": [20.0, 3.0]}).to_reader(), mode="merge", keys=["k"]
    )
    assert rows(uri) == [
        {"k": 1, "Order Total": 1.0},
        {"k": 2, "Order Total": 20.0},
        {"k": 3, "Order Total": 3.0},
    ]


def test_append_merges_new_columns_and_overwrite_replaces_the_schema(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    delta_io.write_table(uri, pa.table({"k": [1]}), mode="append")
    delta_io.write_table(uri, pa.table({"k": [2], "extra": ["x"]}), mode="append")
    assert rows(uri) == [{"k": 1, "extra": None}, {"k": 2, "extra": "x"}]
    delta_io.write_table(uri, pa.table({"k": [9]}), mode="overwrite")
    assert rows(uri) == [{"k": 9}]
    assert rows(uri, version=1) == [{"k": 1, "extra": None}, {"k": 2, "extra": "x"}]


def test_commit_metadata_is_found_in_the_latest_commit_carrying_it(tmp_path: Path) -> None:
    uri = str(tmp_path / "t")
    assert delta_io.commit_metadata_value(uri, "w") is None
    delta_io.write_table(uri, pa.table({"k": [1]}), mode="append", metadata={"w": "5"})
    delta_io.write_table(uri, pa.table({"k": [2]}), mode="append")
    assert delta_io.commit_metadata_value(uri, "w") == "5"
    delta_io.write_table(uri, pa.table({"k": [3]}), mode="append", metadata={"w": "7"})
    assert delta_io.commit_metadata_value(uri, "w") == "7"


def test_table_columns_of_a_missing_table_is_none(tmp_path: Path) -> None:
    assert delta_io.table_columns(str(tmp_path / "none")) is None


def test_dbfs_and_volumes_paths_map_into_the_local_workspace(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAKERUN_WORKSPACE_ROOT", str(tmp_path))
    monkeypatch.delenv("LAKERUN_DBFS_ROOT", raising=False)
    monkeypatch.delenv("LAKERUN_VOLUMES_ROOT", raising=False)
    assert localize("dbfs:/a/b") == str(tmp_path / "dbfs" / "a" / "b")
    assert localize("/Volumes/c/s/v/f.csv") == str(tmp_path / "volumes" / "c" / "s" / "v" / "f.csv")
    assert localize("s3://bucket/key") == "s3://bucket/key"
    uri = "dbfs:/tables/t"
    delta_io.write_table(uri, pa.table({"k": [1]}), mode="overwrite")
    assert (tmp_path / "dbfs" / "tables" / "t" / "_delta_log").is_dir()


def test_csv_lands_as_text_unless_types_are_inferred(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,amount\n1,2.5\n2,\n")
    as_text = open_dataset(str(tmp_path / "a.csv"), "csv").to_table()
    assert as_text.to_pylist() == [{"id": "1", "amount": "2.5"}, {"id": "2", "amount": None}]
    typed = open_dataset(str(tmp_path / "*.csv"), "csv", infer_types=True).to_table()
    assert typed.schema.field("amount").type == pa.float64()


def test_jsonl_and_json_array_sources(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"k": 1}\n{"k": 2}\n')
    (tmp_path / "b.json").write_text('[{"k": 3}, {"k": 4}]')
    assert open_dataset(str(tmp_path / "a.jsonl"), "jsonl").to_table().column("k").to_pylist() == [1, 2]
    assert open_dataset(str(tmp_path / "b.json"), "json").to_table().column("k").to_pylist() == [3, 4]


def test_a_missing_source_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceMissingError, match="nothing-here"):
        open_dataset(str(tmp_path / "nothing-here"), "parquet")
