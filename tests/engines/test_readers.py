"""Typed readers: exact schema and row counts for every format, and clear per-file errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from lakerun.engines.files import FileSource, Filters
from lakerun.engines.formats import Dataset, Discovery, Format, Skipped
from lakerun.engines.readers import DatasetReader, ReadError
from tests.executor import sample_data


def _datasets(root: Path, **filters: object) -> tuple[list[Dataset], list[Skipped], DatasetReader]:
    source = FileSource.open_url(str(root))
    found = list(Discovery(source, Filters(**filters)))  # type: ignore[arg-type]
    return (
        [d for d in found if isinstance(d, Dataset)],
        [s for s in found if isinstance(s, Skipped)],
        DatasetReader(source),
    )


def test_every_format_gets_exact_types_and_counts(tmp_path: Path) -> None:
    sample_data.write_every_format(tmp_path)
    datasets, skipped, reader = _datasets(tmp_path)
    by_name = {d.name: d for d in datasets}
    assert set(by_name) == {
        "orders.csv",
        "orders.tsv",
        "nested/orders.jsonl",
        "nested/orders.json",
        "orders.parquet",
        "orders.xlsx",
        "orders_delta",
        "sales",
    }
    assert not skipped
    for name, dataset in by_name.items():
        info = reader.inspect(dataset)
        assert info.row_count == 6, name
        types = {f.name: f.type for f in info.schema}
        assert pa.types.is_integer(types["order_id"]), (name, types)
        assert pa.types.is_floating(types["amount"]), (name, types)
        assert pa.types.is_string(types["customer"]), (name, types)
    csv_types = {f.name: f.type for f in reader.inspect(by_name["orders.csv"]).schema}
    assert csv_types["ordered_on"] == pa.date32()


def test_metadata_row_counts_for_parquet_and_delta(tmp_path: Path) -> None:
    sample_data.write_parquet(tmp_path / "a.parquet")
    sample_data.write_delta(tmp_path / "t", partition_by=["customer"])
    datasets, _skipped, reader = _datasets(tmp_path)
    infos = {d.name: reader.inspect(d) for d in datasets}
    assert infos["a.parquet"].row_count_method == "metadata"
    assert infos["t"].row_count_method == "metadata"
    assert infos["t"].partition_columns == ["customer"]
    assert infos["t"].row_count == 6


def test_hive_partitions_become_typed_columns(tmp_path: Path) -> None:
    sample_data.write_hive_folder(tmp_path / "sales")
    datasets, _skipped, reader = _datasets(tmp_path)
    [sales] = datasets
    info = reader.inspect(sales)
    assert sales.kind == "folder"
    assert info.partition_columns == ["year", "month"]
    assert info.file_count == 2
    table = reader.preview(sales, info, rows=10)
    assert sorted(set(table.column("month").to_pylist())) == [1, 2]
    assert table.schema.field("year").type == pa.int64()


def test_preview_is_typed_and_limited(tmp_path: Path) -> None:
    sample_data.write_csv(tmp_path / "orders.csv")
    [dataset], _s, reader = _datasets(tmp_path)
    info = reader.inspect(dataset)
    table = reader.preview(dataset, info, rows=2)
    assert table.num_rows == 2
    assert table.column("order_id").to_pylist() == [1, 2]


def test_late_type_change_in_csv_widens_the_column(tmp_path: Path) -> None:
    rows = ["id,code"] + [f"{i},{i}" for i in range(200_000)] + ["200000,ABC"]
    (tmp_path / "late.csv").write_text("\n".join(rows) + "\n")
    [dataset], _s, reader = _datasets(tmp_path)
    info = reader.inspect(dataset)
    assert info.row_count == 200_001
    assert pa.types.is_string(info.schema.field("code").type)
    assert sum(b.num_rows for b in reader.iter_batches(dataset, info)) == 200_001


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "empty"),
        ("broken.parquet", b"PAR1 this is not really parquet", "corrupt or truncated parquet"),
        ("latin1.csv", b"name,city\nx,M\xfcnchen\n", "(?i)not utf-8"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    (tmp_path / name).write_bytes(content)
    [dataset], _s, reader = _datasets(tmp_path)
    with pytest.raises(ReadError, match=expected):
        reader.inspect(dataset)


def test_truncated_parquet_is_reported(tmp_path: Path) -> None:
    good = sample_data.write_parquet(tmp_path / "t.parquet")
    good.write_bytes(good.read_bytes()[:-20])
    [dataset], _s, reader = _datasets(tmp_path)
    with pytest.raises(ReadError, match="corrupt or truncated parquet"):
        reader.inspect(dataset)


def test_mixed_schemas_in_a_folder_leave_out_only_the_odd_file(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    sample_data.write_parquet(folder / "part-0.parquet")
    sample_data.write_parquet(folder / "part-1.parquet")
    sample_data.write_parquet(folder / "part-2.parquet", pa.table({"other": [1, 2]}))
    [dataset], _s, reader = _datasets(tmp_path)
    info = reader.inspect(dataset)
    assert info.row_count == 12
    [problem] = info.problems
    assert problem.path.endswith("part-2.parquet")
    assert "schema differs" in problem.message and "missing order_id" in problem.message


def test_format_filter_and_unknown_files(tmp_path: Path) -> None:
    sample_data.write_csv(tmp_path / "a.csv")
    sample_data.write_parquet(tmp_path / "b.parquet")
    (tmp_path / "notes.txt").write_text("hello")
    source = FileSource.open_url(str(tmp_path))
    found = list(Discovery(source, wanted=frozenset({Format.PARQUET})))
    assert [d.name for d in found if isinstance(d, Dataset)] == ["b.parquet"]
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in found if isinstance(s, Skipped)}
    assert "requested source type" in reasons["a.csv"]
    assert "unrecognised" in reasons["notes.txt"]


def test_header_only_csv_has_text_columns_and_no_rows(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("a,b\n")
    [dataset], _s, reader = _datasets(tmp_path)
    info = reader.inspect(dataset)
    assert info.row_count == 0
    assert [str(f.type) for f in info.schema] == ["string", "string"]
    assert reader.preview(dataset, info, rows=5).num_rows == 0


def test_a_file_gone_before_reading_raises_read_error(tmp_path: Path) -> None:
    path = sample_data.write_parquet(tmp_path / "gone.parquet")
    [dataset], _s, reader = _datasets(tmp_path)
    info = reader.inspect(dataset)
    path.unlink()
    with pytest.raises(ReadError, match=r"gone\.parquet"):
        reader.preview(dataset, info, rows=3)


def test_broken_delta_log_is_a_read_error(tmp_path: Path) -> None:
    log = tmp_path / "t" / "_delta_log"
    log.mkdir(parents=True)
    (log / "00000000000000000000.json").write_text("{not json")
    [dataset], _s, reader = _datasets(tmp_path)
    assert dataset.format is Format.DELTA
    with pytest.raises(ReadError, match="unreadable delta table"):
        reader.inspect(dataset)
