"""Endpoints of the local workspace: Unity Catalog catalogs, schemas, tables and volumes.

They read and change the same folders the SQL warehouse uses, so what a statement creates is listed
here at once, and a volume created here holds the files of `/Volumes/<catalog>/<schema>/<volume>`.
Comments and properties are accepted but not kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from lakerun.local.api.sql import sql_feature
from lakerun.local.errors import DatabricksError, invalid_parameter
from lakerun.local.params import as_bool, request_params, required
from lakerun.local.sql.errors import SqlError
from lakerun.local.sql.names import ObjectName

if TYPE_CHECKING:
    from lakerun.local.sql.catalog import UnityCatalog

router = APIRouter(prefix="/unity-catalog")
OWNER = "local-user"
NOT_FOUND = {
    "NO_SUCH_CATALOG_EXCEPTION": "CATALOG_DOES_NOT_EXIST",
    "SCHEMA_NOT_FOUND": "SCHEMA_DOES_NOT_EXIST",
    "TABLE_OR_VIEW_NOT_FOUND": "TABLE_DOES_NOT_EXIST",
    "VOLUME_NOT_FOUND": "NOT_FOUND",
}
T = TypeVar("T")


def on_startup(app: FastAPI) -> None:
    """Nothing to open: the SQL feature opens the catalog both share."""


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release."""


def _catalog(request: Request) -> UnityCatalog:
    return sql_feature(request).catalog()


async def _call(action: Callable[[], T]) -> T:
    """Runs a catalog operation off the event loop, with its errors in the Unity Catalog API's shape."""
    try:
        return await run_in_threadpool(action)
    except SqlError as exc:
        if exc.error_class in NOT_FOUND:
            raise DatabricksError(404, NOT_FOUND[exc.error_class], exc.message) from exc
        if exc.error_class.endswith("ALREADY_EXISTS"):
            raise DatabricksError(409, "RESOURCE_ALREADY_EXISTS", exc.message) from exc
        if exc.error_class == "SCHEMA_NOT_EMPTY":
            raise DatabricksError(400, "INVALID_STATE", exc.message) from exc
        raise invalid_parameter(exc.message) from exc


def _catalog_info(name: str) -> dict[str, Any]:
    return {"name": name, "full_name": name, "owner": OWNER, "catalog_type": "MANAGED_CATALOG"}


def _schema_info(catalog: str, schema: str) -> dict[str, Any]:
    return {"name": schema, "catalog_name": catalog, "full_name": f"{catalog}.{schema}", "owner": OWNER}


def _volume_info(catalog: UnityCatalog, name: ObjectName) -> dict[str, Any]:
    return {
        "name": name.name,
        "catalog_name": name.catalog,
        "schema_name": name.schema,
        "full_name": name.full_name,
        "volume_type": "MANAGED",
        "storage_location": catalog.layout.volume(name).as_uri(),
        "owner": OWNER,
    }


def _table_info(catalog: UnityCatalog, name: ObjectName) -> dict[str, Any]:
    from lakerun.local.sql import tables

    return catalog.table_info(name, tables.schema_of(catalog.table_path(name)))


@router.get("/catalogs")
async def list_catalogs(request: Request) -> dict[str, Any]:
    """Every catalog."""
    catalog = _catalog(request)
    return {"catalogs": [_catalog_info(name) for name in await _call(catalog.catalogs)]}


@router.post("/catalogs")
async def create_catalog(request: Request) -> dict[str, Any]:
    """A new catalog (with a `default` schema, as Databricks creates one)."""
    name = str(required(await request_params(request), "name"))
    await _call(lambda: _catalog(request).create_catalog(name))
    return _catalog_info(name.lower())


@router.get("/catalogs/{name}")
async def get_catalog(request: Request, name: str) -> dict[str, Any]:
    """One catalog."""
    await _call(lambda: _catalog(request).require_catalog(name))
    return _catalog_info(name.lower())


@router.delete("/catalogs/{name}")
async def delete_catalog(request: Request, name: str) -> dict[str, Any]:
    """Removes a catalog; `force` also removes what it holds."""
    force = as_bool(await request_params(request), "force")
    await _call(lambda: _catalog(request).drop_catalog(name, cascade=force))
    return {}


@router.get("/schemas")
async def list_schemas(request: Request) -> dict[str, Any]:
    """The schemas of `catalog_name`."""
    catalog_name = str(required(await request_params(request), "catalog_name")).lower()
    names = await _call(lambda: _catalog(request).schemas(catalog_name))
    return {"schemas": [_schema_info(catalog_name, name) for name in names]}


@router.post("/schemas")
async def create_schema(request: Request) -> dict[str, Any]:
    """A new schema in `catalog_name`."""
    params = await request_params(request)
    catalog_name, name = str(required(params, "catalog_name")), str(required(params, "name"))
    await _call(lambda: _catalog(request).create_schema(catalog_name, name))
    return _schema_info(catalog_name.lower(), name.lower())


@router.get("/schemas/{full_name}")
async def get_schema(request: Request, full_name: str) -> dict[str, Any]:
    """One schema, by `catalog.schema`."""
    catalog_name, schema = _two_parts(full_name)
    await _call(lambda: _catalog(request).require_schema(catalog_name, schema))
    return _schema_info(catalog_name.lower(), schema.lower())


@router.delete("/schemas/{full_name}")
async def delete_schema(request: Request, full_name: str) -> dict[str, Any]:
    """Removes a schema; `force` also removes its tables and volumes."""
    catalog_name, schema = _two_parts(full_name)
    force = as_bool(await request_params(request), "force")
    await _call(lambda: _catalog(request).drop_schema(catalog_name, schema, cascade=force))
    return {}


@router.get("/tables")
async def list_tables(request: Request) -> dict[str, Any]:
    """The tables of a schema, with their columns (unless `omit_columns`)."""
    params = await request_params(request)
    catalog_name, schema = str(required(params, "catalog_name")), str(required(params, "schema_name"))
    catalog = _catalog(request)

    def listing() -> list[dict[str, Any]]:
        infos = [
            _table_info(catalog, ObjectName.of(catalog_name, schema, t))
            for t in catalog.tables(catalog_name, schema)
        ]
        if as_bool(params, "omit_columns"):
            for info in infos:
                info.pop("columns", None)
        return infos

    return {"tables": await _call(listing)}


@router.get("/tables/{full_name}/exists")
async def table_exists(request: Request, full_name: str) -> dict[str, Any]:
    """Whether a table exists."""
    return {"table_exists": await _call(lambda: _catalog(request).has_table(ObjectName.parse(full_name)))}


@router.get("/tables/{full_name}")
async def get_table(request: Request, full_name: str) -> dict[str, Any]:
    """One table with its columns."""
    catalog = _catalog(request)
    return await _call(lambda: _table_info(catalog, ObjectName.parse(full_name)))


@router.delete("/tables/{full_name}")
async def delete_table(request: Request, full_name: str) -> dict[str, Any]:
    """Drops a table and its files."""
    await _call(lambda: _catalog(request).drop_table(ObjectName.parse(full_name)))
    return {}


@router.post("/volumes")
async def create_volume(request: Request) -> dict[str, Any]:
    """A new managed volume; its files live under `/Volumes/<catalog>/<schema>/<name>`."""
    params = await request_params(request)
    if str(params.get("volume_type") or "MANAGED").upper() != "MANAGED":
        raise invalid_parameter("Only MANAGED volumes exist in the local workspace")
    name = ObjectName.of(
        str(required(params, "catalog_name")),
        str(required(params, "schema_name")),
        str(required(params, "name")),
    )
    catalog = _catalog(request)
    await _call(lambda: catalog.create_volume(name))
    return _volume_info(catalog, name)


@router.get("/volumes")
async def list_volumes(request: Request) -> dict[str, Any]:
    """The volumes of a schema."""
    params = await request_params(request)
    catalog_name, schema = str(required(params, "catalog_name")), str(required(params, "schema_name"))
    catalog = _catalog(request)
    names = await _call(lambda: catalog.volumes(catalog_name, schema))
    return {"volumes": [_volume_info(catalog, ObjectName.of(catalog_name, schema, name)) for name in names]}


@router.get("/volumes/{full_name}")
async def read_volume(request: Request, full_name: str) -> dict[str, Any]:
    """One volume."""
    catalog = _catalog(request)
    name = await _call(lambda: ObjectName.parse(full_name))
    await _call(lambda: catalog.require_volume(name))
    return _volume_info(catalog, name)


@router.delete("/volumes/{full_name}")
async def delete_volume(request: Request, full_name: str) -> dict[str, Any]:
    """Removes a volume and its files."""
    await _call(lambda: _catalog(request).drop_volume(ObjectName.parse(full_name)))
    return {}


def _two_parts(full_name: str) -> tuple[str, str]:
    parts = full_name.split(".")
    if len(parts) != 2:
        raise invalid_parameter(f"{full_name!r} is not a `catalog.schema` name")
    return parts[0], parts[1]
