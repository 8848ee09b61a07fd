"""Deterministic generator of a dirty pet-insurance dataset (the raw input of the demo pipeline).

Four CSV landings under `--out`: `claims/` (several parts), `customers/`, `pets/` and `providers/`.
The same seed and row count always give the same files. The dirt is deliberate and counted:
duplicated claims (older versions of a claim, to be deduplicated), missing amounts, unparseable
service dates, negative amounts, inconsistent casing and stray whitespace; customers updated twice
(two versions of a row), e-mails in mixed case, pets of unknown owners, species spelled five ways,
providers named with stray spaces and claims sent by providers missing from the provider list.

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
BREEDS = np.array(["mixed", "labrador", "siamese", "beagle", "persian", "lop", "unknown"])
FIRST_NAMES = np.array(["Ann", "Bob", "Cy", "Dee", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo"])
NETWORKS = np.array(["in", "out", "IN", " out "])
CITIES = np.array(["Austin", "Boston", "Denver", "Miami", "Seattle", "Chicago", "Albany", "Fresno"])
UNKNOWN_PROVIDER_SHARE = 0.01
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


def sizes(rows: int) -> dict[str, int]:
    """How many customers, pets and providers go with `rows` claims."""
    return {"customers": max(rows // 6, 2), "pets": max(rows // 4, 2), "providers": max(min(rows // 50, 400), 2)}


def claims(rows: int, seed: int = 7) -> pa.Table:
    """`rows` distinct claims plus older duplicate versions of some of them, shuffled."""
    rng = np.random.default_rng(seed)
    counts = sizes(rows)
    ids = np.char.mod("CLM-%08d", np.arange(1, rows + 1))
    providers = rng.integers(1, counts["providers"] + 1, rows)
    providers[rng.random(rows) < UNKNOWN_PROVIDER_SHARE] = counts["providers"] + 1
    table = pa.table(
        {
            "claim_id": ids,
            "pet_id": np.char.mod("PET-%07d", rng.integers(1, counts["pets"] + 1, rows)),
            "provider_id": np.char.mod("PRV-%04d", providers),
            "claim_type": rng.choice(CLAIM_TYPES, rows, p=[0.4, 0.45, 0.15]),
            "service_date": _service_dates(rng, rows),
            "claim_amount": pa.array(_amounts(rng, rows), pa.string()),
            "status": rng.choice(STATUSES, rows, p=STATUS_WEIGHTS),
            "updated_at": _updated_at(rng, rows),
        }
    )
    return _with_duplicates(table, rng)


def customers(rows: int, seed: int = 7) -> pa.Table:
    """Policy holders; some appear twice (an older version with another e-mail)."""
    rng = np.random.default_rng(seed + 1)
    count = sizes(rows)["customers"]
    names = rng.choice(FIRST_NAMES, count)
    ids = np.arange(1, count + 1)
    emails = np.char.add(np.char.add(names, np.char.mod("%d", ids)), "@Example.com")
    shout = rng.random(count) < 0.1
    emails[shout] = np.char.upper(emails[shout])
    states = rng.choice(STATES, count)
    lower = rng.random(count) < 0.05
    states[lower] = np.char.lower(states[lower])
    table = pa.table(
        {
            "customer_id": np.char.mod("CUS-%06d", ids),
            "name": np.char.add(" ", names),
            "email": emails,
            "state": states,
            "updated_at": _updated_at(rng, count),
        }
    )
    picked = np.flatnonzero(rng.random(count) < 0.05)
    older = table.take(picked)
    older = older.set_column(2, "email", pa.array(["old@example.com"] * len(picked)))
    older = older.set_column(4, "updated_at", pa.array(["2022-12-31 00:00:00"] * len(picked)))
    combined = pa.concat_tables([table, older])
    return combined.take(rng.permutation(combined.num_rows))


def pets(rows: int, seed: int = 7) -> pa.Table:
    """Pets with their owner; a few owners are not in the customer list."""
    rng = np.random.default_rng(seed + 2)
    counts = sizes(rows)
    owners = rng.integers(1, counts["customers"] + 1, counts["pets"])
    owners[rng.random(counts["pets"]) < 0.01] = counts["customers"] + 1
    return pa.table(
        {
            "pet_id": np.char.mod("PET-%07d", np.arange(1, counts["pets"] + 1)),
            "customer_id": np.char.mod("CUS-%06d", owners),
            "species": rng.choice(SPECIES, counts["pets"], p=SPECIES_WEIGHTS),
            "breed": rng.choice(BREEDS, counts["pets"]),
            "birth_year": np.char.mod("%d", rng.integers(2008, 2024, counts["pets"])),
        }
    )


def providers(rows: int, seed: int = 7) -> pa.Table:
    """Veterinary providers; names carry stray spaces, the network flag is spelled four ways."""
    rng = np.random.default_rng(seed + 3)
    count = sizes(rows)["providers"]
    return pa.table(
        {
            "provider_id": np.char.mod("PRV-%04d", np.arange(1, count + 1)),
            "provider_name": np.char.add(np.char.mod("  Vet Clinic %d", np.arange(1, count + 1)), " "),
            "city": rng.choice(CITIES, count),
            "network": rng.choice(NETWORKS, count),
        }
    )


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


def write(table: pa.Table, out: Path, files: int, stem: str = "claims") -> list[Path]:
    """Write the table as `files` CSV parts `<stem>-NNN.csv` under `out` (replacing earlier parts)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"{stem}-*.csv"):
        old.unlink()
    size = -(-table.num_rows // files)
    paths = []
    for index in range(files):
        path = out / f"{stem}-{index:03d}.csv"
        pacsv.write_csv(table.slice(index * size, size), path)
        paths.append(path)
    return paths


def write_all(rows: int, seed: int, out: Path, files: int) -> dict[str, pa.Table]:
    """Generate and write the four landings under `out`; returns the tables written."""
    tables = {
        "claims": claims(rows, seed),
        "customers": customers(rows, seed),
        "pets": pets(rows, seed),
        "providers": providers(rows, seed),
    }
    for name, table in tables.items():
        write(table, out / name, files if name == "claims" else 1, name)
    return tables


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="distinct claims (duplicates come on top)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--files", type=int, default=4, help="number of CSV parts")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "raw")
    args = parser.parse_args(argv)
    tables = write_all(args.rows, args.seed, args.out, max(1, args.files))
    shown = ", ".join(f"{t.num_rows} {name}" for name, t in tables.items())
    print(f"wrote {shown} under {args.out} ({args.rows} distinct claims)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
