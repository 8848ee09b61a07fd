"""Unity Catalog names (`catalog.schema.table`) and where their objects live under the workspace root.

Tables are Delta folders at `warehouse/<catalog>/<schema>/<table>` (the layout lakerun's pipelines
use for three-level names); volumes are folders at `volumes/<catalog>/<schema>/<volume>`, which is
what `/Volumes/<catalog>/<schema>/<volume>` shows. Names are case-insensitive and kept lower-case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lakerun.local.sql.errors import SqlError

IDENTIFIER = re.compile(r"^[A-Za-z0-9_\-]{1,255}$")
DEFAULT_CATALOG = "main"
DEFAULT_SCHEMA = "default"


def identifier(name: str, kind: str) -> str:
    """A validated, lower-cased name part; INVALID_IDENTIFIER otherwise."""
    if not IDENTIFIER.match(name or ""):
        raise SqlError("INVALID_IDENTIFIER", f"The {kind} name {name!r} is invalid.", "42602")
    return name.lower()


@dataclass(frozen=True)
class ObjectName:
    """A three-level name: a table's or a volume's."""

    catalog: str
    schema: str
    name: str

    @classmethod
    def of(cls, catalog: str | None, schema: str | None, name: str) -> ObjectName:
        """Fills a missing catalog and schema with the statement's defaults."""
        return cls(
            identifier(catalog or DEFAULT_CATALOG, "catalog"),
            identifier(schema or DEFAULT_SCHEMA, "schema"),
            identifier(name, "table"),
        )

    @classmethod
    def parse(cls, full_name: str) -> ObjectName:
        """`catalog.schema.name` as the Unity Catalog API takes it."""
        parts = full_name.split(".")
        if len(parts) != 3:
            raise SqlError("INVALID_IDENTIFIER", f"{full_name!r} is not a three-level name.", "42602")
        return cls.of(*parts)

    @property
    def full_name(self) -> str:
        """`catalog.schema.name`."""
        return f"{self.catalog}.{self.schema}.{self.name}"

    @property
    def quoted(self) -> str:
        """The name as Databricks shows it in errors: `` `catalog`.`schema`.`name` ``."""
        return f"`{self.catalog}`.`{self.schema}`.`{self.name}`"


@dataclass(frozen=True)
class Layout:
    """The folders of one workspace's catalogs, schemas, tables and volumes."""

    warehouse: Path
    volumes: Path

    def catalog(self, catalog: str) -> Path:
        """The folder of a catalog."""
        return self.warehouse / catalog

    def schema(self, catalog: str, schema: str) -> Path:
        """The folder of a schema."""
        return self.warehouse / catalog / schema

    def table(self, name: ObjectName) -> Path:
        """The Delta folder of a table."""
        return self.warehouse / name.catalog / name.schema / name.name

    def volume(self, name: ObjectName) -> Path:
        """The folder of a volume's files."""
        return self.volumes / name.catalog / name.schema / name.name
