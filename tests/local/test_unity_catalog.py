"""Unity Catalog through the official SDK, consistent with SQL statements and `/Volumes` files."""

from __future__ import annotations

import io

import pytest
from databricks.sdk.errors import NotFound, ResourceAlreadyExists
from databricks.sdk.service.catalog import VolumeType
from databricks.sdk.service.sql import StatementState


def sql(client, statement: str) -> None:
    response = client.statement_execution.execute_statement(statement=statement, warehouse_id="local")
    assert response.status.state == StatementState.SUCCEEDED, response.status.error


def test_catalogs_schemas_and_tables_follow_sql(ws_client) -> None:
    assert "main" in [c.name for c in ws_client.catalogs.list()]
    ws_client.catalogs.create(name="Lake")
    assert ws_client.catalogs.get("lake").name == "lake"
    with pytest.raises(ResourceAlreadyExists):
        ws_client.catalogs.create(name="lake")
    ws_client.schemas.create(name="bronze", catalog_name="lake")
    assert sorted(s.name for s in ws_client.schemas.list(catalog_name="lake")) == ["bronze", "default"]
    sql(
        ws_client,
        "CREATE TABLE lake.bronze.events (id BIGINT NOT NULL, kind STRING, at TIMESTAMP, amount DECIMAL(10,2))",
    )
    sql(ws_client, "CREATE SCHEMA lake.silver")
    assert ws_client.schemas.get("lake.silver").full_name == "lake.silver"

    listed = list(ws_client.tables.list(catalog_name="lake", schema_name="bronze"))
    assert [t.full_name for t in listed] == ["lake.bronze.events"]
    table = ws_client.tables.get("lake.bronze.events")
    assert table.data_source_format.value == "DELTA" and table.table_type.value == "MANAGED"
    columns = [(c.name, c.type_name.value, c.type_text, c.nullable) for c in table.columns]
    assert columns == [
        ("id", "LONG", "BIGINT", False),
        ("kind", "STRING", "STRING", True),
        ("at", "TIMESTAMP", "TIMESTAMP", True),
        ("amount", "DECIMAL", "DECIMAL(10,2)", True),
    ]
    assert ws_client.tables.exists("lake.bronze.events").table_exists
    ws_client.tables.delete("lake.bronze.events")
    assert not ws_client.tables.exists("lake.bronze.events").table_exists
    with pytest.raises(NotFound):
        ws_client.tables.get("lake.bronze.events")
    with pytest.raises(NotFound):
        list(ws_client.schemas.list(catalog_name="nowhere"))
    ws_client.catalogs.delete("lake", force=True)
    assert "lake" not in [c.name for c in ws_client.catalogs.list()]


def test_volumes_hold_the_files_of_their_volumes_path(ws_client, local_workspace) -> None:
    volume = ws_client.volumes.create(
        catalog_name="main", schema_name="default", name="landing", volume_type=VolumeType.MANAGED
    )
    assert volume.full_name == "main.default.landing"
    ws_client.files.upload("/Volumes/main/default/landing/in.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert (local_workspace.config.root / "volumes" / "main" / "default" / "landing" / "in.csv").exists()
    assert [v.name for v in ws_client.volumes.list(catalog_name="main", schema_name="default")] == ["landing"]
    assert ws_client.volumes.read("main.default.landing").volume_type == VolumeType.MANAGED
    ws_client.volumes.delete("main.default.landing")
    with pytest.raises(NotFound):
        ws_client.volumes.read("main.default.landing")


def test_sql_creates_volumes_the_api_lists(ws_client) -> None:
    sql(ws_client, "CREATE VOLUME IF NOT EXISTS main.default.raw")
    sql(ws_client, "CREATE VOLUME IF NOT EXISTS main.default.raw")
    assert [v.full_name for v in ws_client.volumes.list(catalog_name="main", schema_name="default")] == [
        "main.default.raw"
    ]
    sql(ws_client, "DROP VOLUME main.default.raw")
    assert list(ws_client.volumes.list(catalog_name="main", schema_name="default")) == []
