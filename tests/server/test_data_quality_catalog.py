"""`/v1/data-quality` connections and table groups changed and deleted through the API, with the rules the
dashboard's forms follow: 422 naming the field and nothing changed, 409 for a connection still in use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

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


def test_groups_added_while_their_connection_is_deleted_leave_no_orphan(stack: Stack, tmp_path: Path) -> None:
    """Eight threads add groups on a connection while a ninth deletes it: each request gets a clear 2xx/4xx,
    and either the connection is gone with no group on it, or it stays with the groups that made it."""
    api = stack.api
    for round_ in range(3):
        name = f"lake{round_}"
        body = {"name": name, "kind": "files", "location": str(tmp_path)}
        connection = api.post("/v1/data-quality/connections", json=body).json()

        def add(index: int, connection_name: str = name, prefix: str = f"r{round_}g") -> int:
            group = {"name": f"{prefix}{index}", "connection": connection_name}
            return httpx.post(
                f"{stack.server.url}/v1/data-quality/table-groups",
                json=group,
                headers=api.headers,
                timeout=90,
            ).status_code

        def delete(connection_id: int = connection["id"]) -> int:
            url = f"{stack.server.url}/v1/data-quality/connections/{connection_id}"
            return httpx.delete(url, headers=api.headers, timeout=90).status_code

        with ThreadPoolExecutor(max_workers=9) as pool:
            adds = [pool.submit(add, i) for i in range(8)]
            deleted = pool.submit(delete)
            codes = [f.result() for f in adds]
        groups = [
            g for g in api.get("/v1/data-quality/table-groups").json() if g["name"].startswith(f"r{round_}g")
        ]
        kept = [c for c in api.get("/v1/data-quality/connections").json() if c["id"] == connection["id"]]
        assert set(codes) <= {201, 404} and deleted.result() in {204, 409}, (codes, deleted.result())
        assert len(groups) == codes.count(201)
        if deleted.result() == 204:
            assert not kept and not groups
        else:
            assert kept and groups and all(g["connection_id"] == connection["id"] for g in groups)
