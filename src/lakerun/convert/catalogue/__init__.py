"""The catalogue: every NiFi processor type lakerun converts, by short type name."""

from __future__ import annotations

from lakerun.convert.catalogue import databases, files, json_ops, messaging, misc, records, routing, text
from lakerun.convert.catalogue.entry import Entry

CATALOGUE: dict[str, Entry] = {
    **files.ENTRIES,
    **records.ENTRIES,
    **json_ops.ENTRIES,
    **text.ENTRIES,
    **routing.ENTRIES,
    **databases.ENTRIES,
    **messaging.ENTRIES,
    **misc.ENTRIES,
}

__all__ = ["CATALOGUE", "Entry"]
