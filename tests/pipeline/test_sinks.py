"""Write modes, partitioning, incremental watermarks and time travel, against real Delta tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lakerun.engines.delta_io import commit_metadata_value, open_table
from lakerun.pipeline.plan import WATERMARK_KEY
from tests.pipeline.conftest import runner_for


def landing(folder: Path, rows: list[dict]) -> None:
    folder.mkdir(exist_ok=True)
    index = len(list(folder.glob("*.parquet")))
    pq.write_table(pa.Table.from_pylist(rows), folder / f"part-{index}.parquet")


def pipeline(write_config, folder: Path, sink: dict, extra_layers: dict | None = None) -> Path:
    raw = {"source": {"type": "files", "path": str(folder), "format": "parquet"}, "sink": sink}
    return write_config({"name": "s", "warehouse": "wh", "layers": {"raw": raw, **(extra_layers or {})}})


def rows_of(runner, layer: str = "raw", version: int | None = None) -> list[dict]:
    table = open_table(runner.plan(layer).sink.uri, version=version)
    assert table is not None
    return sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: r["k"])


def test_merge_updates_matches_and_inserts_the_rest(tmp_path, write_config, engine) -> None:
    folder = tmp_path / "in"
    landing(folder, [{"k": 1, "v": "a"}, {"k": 2, "v": "b"}])
    runner = runner_for(pipeline(write_config, folder, {"table": "main.s.t", "mode": "merge", "keys": ["k"]}))
    runner.run("raw", engine)
    for old in folder.glob("*.parquet"):
        old.unlink()
    landing(folder, [{"k": 2, "v": "B"}, {"k": 3, "v": "c"}])
    result = runner.run("raw", engine)
    assert rows_of(runner) == [{"k": 1, "v": "a"}, {"k": 2, "v": "B"}, {"k": 3, "v": "c"}]
    assert result.table_version == 1


def test_append_adds_and_overwrite_replaces(tmp_path, write_config, engine) -> None:
    folder = tmp_path / "in"
    landing(folder, [{"k": 1, "v": "a"}])
    appending = runner_for(pipeline(write_config, folder, {"table": "main.s.app", "mode": "append"}))
    appending.run("raw", engine)
    rerun = appending.run("raw", engine)
    assert rerun.skipped and len(rows_of(appending)) == 1
    landing(folder, [{"k": 2, "v": "b"}])
    appending.run("raw", engine)
    assert len(rows_of(appending)) == 3
    overwriting = runner_for(pipeline(write_config, folder, {"table": "main.s.over"}))
    overwriting.run("raw", engine)
    overwriting.run("raw", engine)
    assert len(rows_of(overwriting)) == 2


def test_partitioned_sink_writes_partition_folders(tmp_path, write_config, engine) -> None:
    folder = tmp_path / "in"
    landing(folder, [{"k": 1, "p": "x"}, {"k": 2, "p": "y"}])
    runner = runner_for(pipeline(write_config, folder, {"table": "main.s.part", "partition_by": ["p"]}))
    runner.run("raw", engine)
    table = open_table(runner.plan("raw").sink.uri)
    assert table is not None and table.metadata().partition_columns == ["p"]
    assert {p.name for p in Path(runner.plan("raw").sink.uri).iterdir() if p.is_dir()} >= {"p=x", "p=y"}


def test_incremental_runs_read_only_rows_past_the_watermark(tmp_path, write_config, engine) -> None:
    folder = tmp_path / "in"
    landing(folder, [{"k": 1, "ts": 10}, {"k": 2, "ts": 20}])
    sink = {"table": "main.s.inc", "mode": "append", "watermark": {"column": "ts"}}
    path = pipeline(write_config, folder, sink)
    first = runner_for(path).run("raw", engine)
    landing(folder, [{"k": 3, "ts": 30}])
    runner = runner_for(path)
    assert runner.plan("raw").watermark_value == "20"
    second = runner.run("raw", engine)
    third = runner_for(path).run("raw", engine)
    assert (first.rows_in, second.rows_in, third.rows_in) == (2, 1, 0)
    assert [r["k"] for r in rows_of(runner)] == [1, 2, 3]
    assert commit_metadata_value(runner.plan("raw").sink.uri, WATERMARK_KEY) == "30"
    assert third.table_version == second.table_version


def test_a_table_source_can_time_travel(tmp_path, write_config, engine) -> None:
    folder = tmp_path / "in"
    landing(folder, [{"k": 1}])
    copy = {
        "source": {"type": "table", "table": "main.s.hist", "version": 0},
        "sink": {"table": "main.s.copy"},
    }
    runner = runner_for(
        pipeline(write_config, folder, {"table": "main.s.hist", "mode": "append"}, {"bronze": copy})
    )
    runner.run("raw", engine)
    landing(folder, [{"k": 2}])
    runner.run("raw", engine)
    runner.run("bronze", engine)
    assert len(rows_of(runner, "raw")) == 3 and len(rows_of(runner, "bronze")) == 1
