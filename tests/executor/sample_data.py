"""Builders of small real data files (every format the executor reads) for engine and executor tests."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ORDERS = pa.table(
    {
        "order_id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
        "customer": ["ann", "bob", None, "dan", "eve", "eve"],
        "amount": [10.5, 20.0, 7.25, None, 3.0, 3.0],
        "ordered_on": [date(2024, 1, d) for d in (1, 2, 3, 4, 5, 5)],
    }
)


def write_csv(path: Path, delimiter: str = ",") -> Path:
    """ORDERS as a delimited text file with a header."""
    lines = [delimiter.join(ORDERS.column_names)]
    for row in ORDERS.to_pylist():
        cells = [
            "" if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for v in row.values()
        ]
        lines.append(delimiter.join(cells))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def write_jsonl(path: Path) -> Path:
    """ORDERS as JSON Lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()} for r in ORDERS.to_pylist()
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def write_json_array(path: Path) -> Path:
    """ORDERS as one pretty-printed JSON array."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()} for r in ORDERS.to_pylist()
    ]
    path.write_text(json.dumps(rows, indent=2))
    return path


def write_parquet(path: Path, table: pa.Table = ORDERS) -> Path:
    """A table as one parquet file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_xlsx(path: Path) -> Path:
    """ORDERS as a one-sheet workbook with typed cells."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "orders"
    sheet.append(ORDERS.column_names)
    for row in ORDERS.to_pylist():
        values = list(row.values())
        values[3] = datetime(values[3].year, values[3].month, values[3].day)
        sheet.append(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def write_delta(path: Path, partition_by: list[str] | None = None) -> Path:
    """ORDERS as a Delta table written by delta-rs."""
    from deltalake import write_deltalake

    write_deltalake(str(path), ORDERS, partition_by=partition_by)
    return path


def write_hive_folder(root: Path) -> Path:
    """ORDERS split into `year=/month=` partition folders of parquet part files."""
    for month in (1, 2):
        part = ORDERS.slice((month - 1) * 3, 3)
        write_parquet(root / "year=2024" / f"month={month}" / "part-00000.parquet", part)
    (root / "_SUCCESS").write_text("")
    return root


def write_every_format(root: Path) -> Path:
    """One dataset of each format under `root` (the executor's happy path)."""
    write_csv(root / "orders.csv")
    write_csv(root / "orders.tsv", delimiter="\t")
    write_jsonl(root / "nested" / "orders.jsonl")
    write_json_array(root / "nested" / "orders.json")
    write_parquet(root / "orders.parquet")
    write_xlsx(root / "orders.xlsx")
    write_delta(root / "orders_delta")
    write_hive_folder(root / "sales")
    return root
