"""Incremental modes and refreshes: typed watermarks, merge keys, full refresh, backfill, schema evolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakerun.engines.delta_io import open_table
from lakerun.pipeline.errors import PlanError
from lakerun.pipeline.runner import RefreshRequest
from tests.pipeline.conftest import runner_for


def land(folder: Path, name: str, header: str, rows: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")


def incremental(tmp_path: Path, write_config, sink: dict, steps: list | None = None) -> Path:
    """Text CSV landing → one table typed by a cast, written with `sink`."""
    cast = {"op": "cast", "columns": {"id": "int", "amount": "double", "day": "date"}}
    table = {
        "layer": "bronze",
        "inputs": {"landing": {"type": "files", "path": str(tmp_path / "landing"), "format": "csv"}},
        "transform": {"steps": [cast, *(steps or [])]},
        "sink": sink,
    }
    return write_config({"name": "inc", "warehouse": "wh", "tables": {"t": table}})


def rows(runner, name: str = "t") -> list[dict]:
    table = open_table(runner.plan(name).sink.uri)
    assert table is not None
    return sorted(table.to_pyarrow_table().to_pylist(), key=lambda r: (r["id"], str(r["day"])))


APPEND = {"table": "main.b.t", "mode": "append", "watermark": {"column": "day"}}


def test_the_watermark_compares_the_typed_column_not_its_text(tmp_path, write_config, engine) -> None:
    runner = runner_for(incremental(tmp_path, write_config, APPEND))
    land(tmp_path / "landing", "a.csv", "id,amount,day", ["1,1.0,2014-5-01"])
    runner.run("t", engine)
    land(tmp_path / "landing", "b.csv", "id,amount,day", ["2,2.0,2014-06-01"])
    second = runner.run("t", engine)
    assert second.rows_in == 1 and [r["id"] for r in rows(runner)] == [1, 2]
    assert second.watermark == "2014-06-01"


def test_merge_refuses_duplicate_keys_in_a_batch_naming_the_key(tmp_path, write_config, engine) -> None:
    sink = {"table": "main.b.m", "mode": "merge", "keys": ["id"]}
    runner = runner_for(incremental(tmp_path, write_config, sink))
    land(
        tmp_path / "landing",
        "a.csv",
        "id,amount,day",
        ["1,1.0,2014-05-01", "1,2.0,2014-05-02", "2,1.0,2014-05-01"],
    )
    with pytest.raises(PlanError, match=r"merge key \(id\) repeats within the batch \(id=1 \(2 rows\)\)"):
        runner.run("t", engine)
    assert open_table(runner.plan("t").sink.uri) is None, "nothing was written"
    dedupe = [{"op": "dedupe", "keys": ["id"], "order_by": ["day DESC"]}]
    fixed = runner_for(incremental(tmp_path, write_config, sink, dedupe))
    fixed.run("t", engine)
    assert [(r["id"], r["amount"]) for r in rows(fixed)] == [(1, 2.0), (2, 1.0)]


def test_full_refresh_rebuilds_a_table_from_scratch(tmp_path, write_config, engine) -> None:
    runner = runner_for(incremental(tmp_path, write_config, APPEND))
    land(tmp_path / "landing", "a.csv", "id,amount,day", ["1,1.0,2014-05-01"])
    runner.run("t", engine)
    land(tmp_path / "landing", "a.csv", "id,amount,day", ["1,9.0,2014-05-01", "2,2.0,2014-04-01"])
    runner.run("t", engine)
    assert [r["amount"] for r in rows(runner)] == [1.0], "older rows are not re-read incrementally"
    results = runner.run_all(engine, ["t"], refresh=RefreshRequest(full_refresh=("t",)))
    assert results[0].refresh == "full"
    assert [(r["id"], r["amount"]) for r in rows(runner)] == [(1, 9.0), (2, 2.0)]
    assert results[0].watermark == "2014-05-01"


def test_backfill_replaces_only_the_range(tmp_path, write_config, engine) -> None:
    runner = runner_for(incremental(tmp_path, write_config, APPEND))
    land(
        tmp_path / "landing",
        "a.csv",
        "id,amount,day",
        ["1,1.0,2014-01-10", "2,1.0,2014-02-10", "3,1.0,2014-03-10"],
    )
    runner.run("t", engine)
    land(
        tmp_path / "landing",
        "a.csv",
        "id,amount,day",
        ["1,5.0,2014-01-10", "2,5.0,2014-02-10", "3,5.0,2014-03-10"],
    )
    request = RefreshRequest(backfill=("t", "2014-02-01", "2014-02-28"))
    result = runner.run_all(engine, ["t"], refresh=request)[0]
    assert result.refresh == "backfill" and result.rows_in == 1
    assert [(r["id"], r["amount"]) for r in rows(runner)] == [(1, 1.0), (2, 5.0), (3, 1.0)]
    assert result.watermark == "2014-03-10", "a backfill leaves the watermark where it was"
    again = runner.run_all(engine, ["t"], refresh=request)[0]
    assert again.rows_in == 1 and len(rows(runner)) == 3, "a backfill can be repeated"


def test_a_backfill_needs_a_watermark(tmp_path, write_config) -> None:
    runner = runner_for(incremental(tmp_path, write_config, {"table": "main.b.o"}))
    land(tmp_path / "landing", "a.csv", "id,amount,day", ["1,1.0,2014-01-10"])
    with pytest.raises(PlanError, match=r"backfill needs a `sink\.watermark`"):
        runner.plan_all(refresh=RefreshRequest(backfill=("t", "a", "b")))


def test_a_new_source_column_is_added_with_a_warning(tmp_path, write_config, engine) -> None:
    runner = runner_for(incremental(tmp_path, write_config, APPEND))
    land(tmp_path / "landing", "a.csv", "id,amount,day", ["1,1.0,2014-01-10"])
    runner.run("t", engine)
    (tmp_path / "landing" / "a.csv").unlink()
    land(tmp_path / "landing", "b.csv", "id,amount,day,channel", ["2,1.0,2014-02-10,web"])
    result = runner.run("t", engine)
    assert result.warnings == ["new column(s) channel added to main.b.t (earlier rows hold NULL)"]
    assert [(r["id"], r["channel"]) for r in rows(runner)] == [(1, None), (2, "web")]


def test_a_cast_after_the_dedupe_can_repeat_keys_so_they_are_checked(tmp_path, write_config, engine) -> None:
    sink = {"table": "main.b.m2", "mode": "merge", "keys": ["code"]}
    steps = [
        {"op": "dedupe", "keys": ["code"], "order_by": ["day"]},
        {"op": "cast", "columns": {"code": "int"}},
    ]
    table = {
        "layer": "bronze",
        "inputs": {"landing": {"type": "files", "path": str(tmp_path / "landing"), "format": "csv"}},
        "transform": {"steps": steps},
        "sink": sink,
    }
    runner = runner_for(write_config({"name": "k", "warehouse": "wh", "tables": {"t": table}}))
    land(tmp_path / "landing", "a.csv", "code,day", ["01,2014-01-01", "1,2014-01-02"])
    with pytest.raises(PlanError, match="repeats within the batch"):
        runner.run("t", engine)


def test_backfill_on_a_timestamp_watermark(tmp_path, write_config, engine) -> None:
    table = {
        "layer": "bronze",
        "inputs": {"landing": {"type": "files", "path": str(tmp_path / "landing"), "format": "csv"}},
        "transform": {"steps": [{"op": "cast", "columns": {"id": "int", "at": "timestamp"}}]},
        "sink": {"table": "main.b.ts", "mode": "append", "watermark": {"column": "at"}},
    }
    runner = runner_for(write_config({"name": "ts", "warehouse": "wh", "tables": {"t": table}}))
    land(tmp_path / "landing", "a.csv", "id,at", ["1,2024-01-05 10:00:00", "2,2024-02-05 10:00:00"])
    runner.run("t", engine)
    request = RefreshRequest(backfill=("t", "2024-02-01 00:00:00", "2024-02-28 00:00:00"))
    assert runner.run_all(engine, ["t"], refresh=request)[0].rows_in == 1
    stored = open_table(runner.plan("t").sink.uri)
    assert stored is not None and sorted(stored.to_pyarrow_table()["id"].to_pylist()) == [1, 2]
