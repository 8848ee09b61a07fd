"""`/v1/data-quality` connections and table groups changed and deleted through the API, with the rules the
dashboard's forms follow: 422 naming the field and nothing changed, 409 for a connection still in use."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import Stack


def test_connections_and_groups_are_replaced_and_deleted_by_the_rules(stack: Stack, tmp_path: Path) -> None:
    api = stack.api
    body = {"name": "lake", "kind": "files", "location": str(tmp_path)}
    connection = api.post("/v1/data-quality/connections", json=body).json()
    group = api.post("/v1/data-quality/table-groups", json={"name": "g", "connection": "lake"}).json()

    bad = api.put(f"/v1/data-quality/connections/{connection['id']}", json={**body, "location": "s3://B/x"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("location:") and "bucket" in bad.text
    moved = api.put(
        f"/v1/data-quality/connections/{connection['id']}", json={**body, "location": "s3://my-bucket/lake"}
    )
    assert moved.status_code == 200 and moved.json()["location"] == "s3://my-bucket/lake"
    assert api.get("/v1/data-quality/connections").json() == [moved.json()]

    renamed = api.put(
        f"/v1/data-quality/table-groups/{group['id']}", json={"name": "h", "connection": "lake"}
    )
    assert renamed.status_code == 422 and "keeps its name" in renamed.text
    masked = api.put(
        f"/v1/data-quality/table-groups/{group['id']}",
        json={"name": "g", "connection": "lake", "include": ["a%"]},
    )
    assert masked.status_code == 200 and masked.json()["include"] == ["a%"]

    in_use = api.delete(f"/v1/data-quality/connections/{connection['id']}")
    assert in_use.status_code == 409 and "table group(s) g" in in_use.text
    assert len(api.get("/v1/data-quality/connections").json()) == 1
    assert api.delete(f"/v1/data-quality/table-groups/{group['id']}").status_code == 204
    assert api.delete(f"/v1/data-quality/table-groups/{group['id']}").status_code == 404
    assert api.delete(f"/v1/data-quality/connections/{connection['id']}").status_code == 204
    assert api.get("/v1/data-quality/connections").json() == []
