"""Golden tests: the generated notebooks and job of each test flow, byte for byte.

Run with LAKERUN_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from lakerun.convert.conversion import JOB_FILE, convert
from lakerun.convert.reader import read_flow
from tests.convert.conftest import FLOWS

GOLDEN = Path(__file__).parent / "golden"
CASES = ["orders_template.xml", "warehouse_flow.xml", "logs_definition.json", "catalog_nifi2.json"]


@pytest.mark.parametrize("name", CASES)
def test_generated_code_matches_golden(name: str) -> None:
    conversion = convert(read_flow(FLOWS / name))
    produced = {**conversion.notebooks, JOB_FILE: json.dumps(conversion.job, indent=2, sort_keys=True) + "\n"}
    folder = GOLDEN / name.split(".", maxsplit=1)[0]
    if os.environ.get("LAKERUN_UPDATE_GOLDEN") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for file, text in produced.items():
            (folder / file).write_text(text)
    expected = {path.name: path.read_text() for path in folder.iterdir()}
    assert sorted(produced) == sorted(expected)
    for file, text in produced.items():
        assert text == expected[file], f"{name}: {file} differs from the golden file"


def test_the_documented_catalogue_lists_every_entry() -> None:
    from lakerun.convert.catalogue import CATALOGUE

    doc = (Path(__file__).parents[2] / "docs" / "nifi-conversion.md").read_text()
    rows = {
        line.split("|")[2].strip().strip("`")
        for line in doc.splitlines()
        if line.startswith("| ") and "`" in line.split("|")[2]
    }
    assert rows >= set(CATALOGUE)
    assert len(CATALOGUE) >= 30
