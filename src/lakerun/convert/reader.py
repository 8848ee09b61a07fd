"""One door to every NiFi file format: sniff the content, decompress `.gz`, hand to the right reader."""

from __future__ import annotations

import gzip
from pathlib import Path

from lakerun.convert.errors import FlowReadError
from lakerun.convert.model import Flow
from lakerun.convert.read_json import read_json
from lakerun.convert.read_xml import read_xml

SUFFIXES = (".xml", ".json", ".xml.gz", ".json.gz")


def read_flow(path: str | Path) -> Flow:
    """The flow in a template XML, flow.xml.gz, flow definition JSON or NiFi 2 flow.json.gz file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FlowReadError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    return read_flow_bytes(data, str(path))


def read_flow_bytes(data: bytes, origin: str) -> Flow:
    """The flow in raw file content (gzip or not); `origin` names it in errors."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FlowReadError(f"{origin}: broken gzip data: {exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FlowReadError(f"{origin}: not UTF-8 text: {exc}") from exc
    start = text.lstrip()[:1]
    if start == "<":
        return read_xml(text, origin)
    if start in ("{", "["):
        return read_json(text, origin)
    raise FlowReadError(f"{origin}: neither XML nor JSON (starts with {text.lstrip()[:20]!r})")


def is_flow_file(path: Path) -> bool:
    """Whether a file name looks like a NiFi flow the reader accepts."""
    return path.is_file() and path.name.lower().endswith(SUFFIXES)
