"""The local Unity Catalog: catalogs and schemas are folders, tables Delta folders, volumes file folders.

The SQL warehouse and the Unity Catalog API both go through here, so a table created by a statement
(or written by a pipeline under the warehouse root) is listed by `w.tables.list` at once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa

from lakerun.local.sql.errors import SqlError, schema_not_found, table_not_found
from lakerun.local.sql.names import DEFAULT_CATALOG, DEFAULT_SCHEMA, Layout, ObjectName, identifier
from lakerun.local.sql.values import column_info, type_text

DELTA_LOG = "_delta_log"


class UnityCatalog:
    """Catalogs, schemas, tables and volumes of one workspace, kept on disk under its root."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.layout.schema(DEFAULT_CATALOG, DEFAULT_SCHEMA).mkdir(parents=True, exist_ok=True)
        self.layout.volumes.mkdir(parents=True, exist_ok=True)

    # -- catalogs and schemas ---------------------------------------------------------------

    def catalogs(self) -> list[str]:
        """Every catalog, by name."""
        return sorted(p.name for p in self.layout.warehouse.iterdir() if p.is_dir())

    def require_catalog(self, catalog: str) -> Path:
        """The catalog's folder, or CATALOG_NOT_FOUND."""
        folder = self.layout.catalog(identifier(catalog, "catalog"))
        if not folder.is_dir():
            raise SqlError("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{catalog}' was not found.", "42704")
        return folder

    def create_catalog(self, catalog: str, if_not_exists: bool = False) -> None:
        """A new, empty catalog with its `default` schema."""
        folder = self.layout.catalog(identifier(catalog, "catalog"))
        if folder.is_dir():
            if if_not_exists:
                return
            raise SqlError("CATALOG_ALREADY_EXISTS", f"Catalog '{catalog.lower()}' already exists.", "42P04")
        (folder / DEFAULT_SCHEMA).mkdir(parents=True)

    def drop_catalog(self, catalog: str, cascade: bool = False, if_exists: bool = False) -> None:
        """Removes a catalog (with `cascade`, whatever it holds)."""
        if if_exists and not self.layout.catalog(catalog.lower()).is_dir():
            return
        folder = self.require_catalog(catalog)
        if not cascade and any(self.tables(folder.name, s) for s in self.schemas(folder.name)):
            raise SqlError("SCHEMA_NOT_EMPTY", f"Catalog '{folder.name}' is not empty; use CASCADE.", "2BP01")
        shutil.rmtree(folder)
        shutil.rmtree(self.layout.volumes / folder.name, ignore_errors=True)

    def schemas(self, catalog: str) -> list[str]:
        """The schemas of a catalog."""
        return sorted(p.name for p in self.require_catalog(catalog).iterdir() if p.is_dir())

    def require_schema(self, catalog: str, schema: str) -> Path:
        """The schema's folder, or SCHEMA_NOT_FOUND."""
        self.require_catalog(catalog)
        folder = self.layout.schema(catalog.lower(), identifier(schema, "schema"))
        if not folder.is_dir():
            raise schema_not_found(catalog.lower(), schema.lower())
        return folder

    def create_schema(self, catalog: str, schema: str, if_not_exists: bool = False) -> None:
        """A new, empty schema."""
        self.require_catalog(catalog)
        folder = self.layout.schema(catalog.lower(), identifier(schema, "schema"))
        if folder.is_dir():
            if if_not_exists:
                return
            raise SqlError(
                "SCHEMA_ALREADY_EXISTS",
                f"Cannot create schema `{schema.lower()}` because it already exists.",
                "42P06",
            )
        folder.mkdir()

    def drop_schema(self, catalog: str, schema: str, cascade: bool = False, if_exists: bool = False) -> None:
        """Removes a schema (with `cascade`, its tables and volumes)."""
        if if_exists and not self.layout.schema(catalog.lower(), schema.lower()).is_dir():
            return
        folder = self.require_schema(catalog, schema)
        if not cascade and (self.tables(catalog, schema) or self.volumes(catalog, schema)):
            raise SqlError(
                "SCHEMA_NOT_EMPTY",
                f"Cannot drop schema `{schema.lower()}` because it contains objects.",
                "2BP01",
            )
        shutil.rmtree(folder)
        shutil.rmtree(self.layout.volumes / catalog.lower() / schema.lower(), ignore_errors=True)

    # -- tables ---------------------------------------------------------------------------

    def tables(self, catalog: str, schema: str) -> list[str]:
        """The Delta tables of a schema."""
        folder = self.require_schema(catalog, schema)
        return sorted(p.name for p in folder.iterdir() if (p / DELTA_LOG).is_dir())

    def has_table(self, name: ObjectName) -> bool:
        """Whether the table exists."""
        return (self.layout.table(name) / DELTA_LOG).is_dir()

    def table_path(self, name: ObjectName) -> Path:
        """The Delta folder of an existing table, or TABLE_OR_VIEW_NOT_FOUND."""
        if not self.has_table(name):
            raise table_not_found(name.quoted)
        return self.layout.table(name)

    def drop_table(self, name: ObjectName, if_exists: bool = False) -> None:
        """Removes a table and its files."""
        if if_exists and not self.has_table(name):
            return
        shutil.rmtree(self.table_path(name))

    def table_info(self, name: ObjectName, schema: pa.Schema) -> dict[str, Any]:
        """The `TableInfo` of the Unity Catalog API, with its columns."""
        path = self.table_path(name)
        columns = column_info(schema)
        for column, field in zip(columns, schema, strict=True):
            column.update(nullable=field.nullable, type_json=_type_json(field))
        created = int(path.stat().st_ctime * 1000)
        return {
            "name": name.name,
            "catalog_name": name.catalog,
            "schema_name": name.schema,
            "full_name": name.full_name,
            "table_type": "MANAGED",
            "data_source_format": "DELTA",
            "storage_location": path.as_uri(),
            "columns": columns,
            "owner": "local-user",
            "created_at": created,
            "updated_at": int((path / DELTA_LOG).stat().st_mtime * 1000),
        }

    # -- volumes --------------------------------------------------------------------------

    def volumes(self, catalog: str, schema: str) -> list[str]:
        """The volumes of a schema."""
        self.require_schema(catalog, schema)
        folder = self.layout.volumes / catalog.lower() / schema.lower()
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def create_volume(self, name: ObjectName) -> Path:
        """A new managed volume; its files appear under `/Volumes/<catalog>/<schema>/<volume>`."""
        self.require_schema(name.catalog, name.schema)
        folder = self.layout.volume(name)
        if folder.is_dir():
            raise SqlError("VOLUME_ALREADY_EXISTS", f"Volume {name.quoted} already exists.", "42000")
        folder.mkdir(parents=True)
        return folder

    def require_volume(self, name: ObjectName) -> Path:
        """The folder of an existing volume."""
        folder = self.layout.volume(name)
        if not folder.is_dir():
            raise SqlError("VOLUME_NOT_FOUND", f"Volume {name.quoted} does not exist.", "42704")
        return folder

    def drop_volume(self, name: ObjectName) -> None:
        """Removes a volume and its files."""
        shutil.rmtree(self.require_volume(name))


def _type_json(field: pa.Field) -> str:
    return json.dumps(
        {
            "name": field.name,
            "type": type_text(field.type).lower(),
            "nullable": field.nullable,
            "metadata": {},
        }
    )
