"""NiFi flows written for these tests, in every format the reader accepts."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parents[2] / "examples" / "nifi" / "flows"


@pytest.fixture
def flow_xml_gz(tmp_path: Path) -> Path:
    """The warehouse flow as a NiFi 1.x node keeps it: flow.xml.gz."""
    path = tmp_path / "flow.xml.gz"
    path.write_bytes(gzip.compress((FLOWS / "warehouse_flow.xml").read_bytes()))
    return path


@pytest.fixture
def flow_json_gz(tmp_path: Path) -> Path:
    """The catalog flow as a NiFi 2 node keeps it: flow.json.gz."""
    path = tmp_path / "flow.json.gz"
    path.write_bytes(gzip.compress((FLOWS / "catalog_nifi2.json").read_bytes()))
    return path
