"""Deterministic generator of a dirty pet-insurance claims dataset (the raw input of the demo pipeline).

The same seed and row count always give the same files. The dirt is deliberate and counted:
duplicated claims (older versions of a claim, to be deduplicated), missing amounts, unparseable
service dates, negative amounts, inconsistent casing and stray whitespace.

    python examples/pet_claims/generate.py --rows 100000 --out examples/pet_claims/data/raw
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

SPECIES = np.array(["dog", "cat", "Dog", " cat", "DOG", "rabbit"])
SPECIES_WEIGHTS = [0.45, 0.35, 0.06, 0.05, 0.04, 0.05]
CLAIM_TYPES = np.array(["accident", "illness", "wellness"])
STATUSES = np.array(["approved", "denied", "pending", "APPROVED", " Approved", "approvd"])
STATUS_WEIGHTS = [0.55, 0.18, 0.15, 0.05, 0.04, 0.03]
STATES = np.array(["CA", "NY", "TX", "FL", "WA", "IL", "MA", "CO"])
BAD_DATES = np.array(["not a date", "2024-13-45", "31/02/2024", ""])
DUPLICATE_SHARE = 0.04
MISSING_AMOUNT_SHARE = 0.02
BAD_DATE_SHARE = 0.02
NEGATIVE_AMOUNT_SHARE = 0.01


def _service_dates(rng: np.random.Generator, count: int) -> np.ndarray:
    days = rng.integers(0, 730, count)
    dates = (np.datetime64("2023-01-01") + days.astype("timedelta64[D]")).astype(str)
    bad = rng.random(count) < BAD_DATE_SHARE
    dates[bad] = rng.choice(BAD_DATES, int(bad.sum()))
    return dates


def _amounts(rng: np.random.Generator, count: int) -> np.ndarray:
    amounts = np.round(rng.lognormal(5.5, 0.9, count), 2)
    negative = rng.random(count) < NEGATIVE_AMOUNT_SHARE
    amounts[negative] = -amounts[negative]
    text = np.char.mod("%.2f", amounts).astype(object)
    text[rng.random(count) < MISSING_AMOUNT_SHARE] = None
    return text


def _updated_at(rng: np.random.Generator, count: int) -> np.ndarray:
    seconds = rng.integers(0, 730 * 86400, count)
    stamps = np.datetime64("2023-01-02T00:00:00") + seconds.astype("timedelta64[s]")
    return np.char.replace(stamps.astype(str), "T", " ")


def claims(rows: int, seed: int = 7) -> pa.Table:
    """`rows` distinct claims plus older duplicate versions of some of them, shuffled."""
    rng = np.random.default_rng(seed)
    ids = np.char.mod("CLM-%08d", np.arange(1, rows + 1))
    table = pa.table(
        {
            "claim_id": ids,
            "policy_id": np.char.mod("POL-%06d", rng.integers(1, max(rows // 3, 2), rows)),
            "pet_species": rng.choice(SPECIES, rows, p=SPECIES_WEIGHTS),
            "claim_type": rng.choice(CLAIM_TYPES, rows, p=[0.4, 0.45, 0.15]),
            "service_date": _service_dates(rng, rows),
            "claim_amount": pa.array(_amounts(rng, rows), pa.string()),
            "status": rng.choice(STATUSES, rows, p=STATUS_WEIGHTS),
            "state": rng.choice(STATES, rows),
            "updated_at": _updated_at(rng, rows),
        }
    )
    return _with_duplicates(table, rng)


def _with_duplicates(table: pa.Table, rng: np.random.Generator) -> pa.Table:
    picked = np.flatnonzero(rng.random(table.num_rows) < DUPLICATE_SHARE)
    older = table.take(picked)
    earlier = pc.strftime(
        pc.subtract(
            pc.strptime(older["updated_at"], "%Y-%m-%d %H:%M:%S", "s"), pa.scalar(86400, pa.duration("s"))
        ),
        "%Y-%m-%d %H:%M:%S",
    )
    older = older.set_column(older.schema.get_field_index("updated_at"), "updated_at", earlier)
    older = older.set_column(
        older.schema.get_field_index("status"), "status", pa.array(["pending"] * len(picked))
    )
    combined = pa.concat_tables([table, older])
    return combined.take(rng.permutation(combined.num_rows))


def write(table: pa.Table, out: Path, files: int) -> list[Path]:
    """Write the table as `files` CSV parts under `out` (replacing earlier parts)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("claims-*.csv"):
        old.unlink()
    size = -(-table.num_rows // files)
    paths = []
    for index in range(files):
        path = out / f"claims-{index:03d}.csv"
        pacsv.write_csv(table.slice(index * size, size), path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="distinct claims (duplicates come on top)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--files", type=int, default=4, help="number of CSV parts")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "raw")
    args = parser.parse_args(argv)
    table = claims(args.rows, args.seed)
    paths = write(table, args.out, max(1, args.files))
    print(f"wrote {table.num_rows} rows ({args.rows} claims) to {len(paths)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
