"""The Data quality page's forms over HTTP, as a browser posts them: connections and table groups created,
edited and deleted; bad input answered with the error next to its field and nothing stored; a connection
still used by a group refused deletion with the group named; secrets never shown back."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.conftest import Stack, browser_client


@pytest.fixture
def client(stack: Stack) -> httpx.Client:
    """A logged-in browser-like client of the stack's dashboard."""
    return browser_client(stack)


def connection_form(**fields: str) -> dict[str, str]:
    """A valid connection form with some fields replaced."""
    return {"name": "shop", "source": "local", "location": "/srv/data/shop", "workspace": "local", **fields}


def field_error(page: str, field: str) -> str:
    """The error text shown next to `field`, checked to be tied to its input for assistive technology."""
    found = re.search(rf'<p id="e-{field}" class="field-error" role="alert">(.*?)</p>', page, re.S)
    assert found, f"no error shown next to {field}"
    assert re.search(rf'id="f-{field}"[^>]*aria-describedby="[^"]*e-{field}"[^>]*aria-invalid="true"', page)
    return html.unescape(found.group(1))


def stored_connections(stack: Stack) -> list[dict[str, Any]]:
    return list(stack.api.get("/v1/data-quality/connections").json())


BAD_CONNECTIONS = [
    ({"location": "data/shop"}, "location", "absolute path"),
    ({"location": "s3://bucket/shop"}, "location", "pick the matching source"),
    ({"source": "dbfs", "location": "/mnt/shop"}, "location", "starts with dbfs:/"),
    ({"source": "volumes", "location": "/Volumes/main/sales"}, "location", "/Volumes/<catalog>/<schema>/<volume>"),
    ({"source": "s3", "location": "s3://Not_A_Bucket/x"}, "location", "valid bucket name"),
    ({"source": "abfss", "location": "abfss://c@acct.blob.core.windows.net/x"}, "location", ".dfs.core.windows.net"),
    ({"source": "postgresql", "location": "mysql://db/shop"}, "location", "postgresql://user@host"),
    ({"source": "postgresql", "location": "env:LAKERUN_SERVER_KEY"}, "location", "control plane's own secret"),
    ({"source": "postgresql", "location": "env:not a name"}, "location", "env:NAME"),
    ({"source": "s3", "location": "env:BUCKET"}, "location", "not a secret"),
    ({"source": "ftp"}, "source", "not one of local, dbfs"),
    ({"name": ""}, "name", "1 to 100 characters"),
    ({"name": " padded"}, "name", "no outer spaces"),
    ({"workspace": "nowhere"}, "workspace", "no workspace registered as 'nowhere'"),
]  # fmt: skip


@pytest.mark.parametrize(("fields", "field", "message"), BAD_CONNECTIONS)
def test_a_bad_connection_is_refused_next_to_its_field_and_nothing_is_stored(
    stack: Stack, client: httpx.Client, fields: dict[str, str], field: str, message: str
) -> None:
    answer = client.post("/quality/connections", data=connection_form(**fields))
    assert answer.status_code == 422
    assert message in field_error(answer.text, field)
    kept = fields.get("location")
    if kept and field != "location":
        assert f'value="{html.escape(kept)}"' in answer.text, "the typed values are kept"
    assert stored_connections(stack) == []


@pytest.mark.parametrize(
    "location",
    [
        "postgresql://reader:hunter2@db.internal/shop",
        "postgresql://reader@db.internal/shop?sslmode=require&Password=hunter2",
    ],
)
def test_a_password_in_a_url_is_refused_and_never_shown_back(
    stack: Stack, client: httpx.Client, location: str
) -> None:
    answer = client.post("/quality/connections", data=connection_form(source="postgresql", location=location))
    assert answer.status_code == 422 and "env:NAME" in field_error(answer.text, "location")
    assert "hunter2" not in answer.text
    assert stored_connections(stack) == []


VALID = [
    ("local", None),
    ("dbfs", "dbfs:/mnt/shop"),
    ("volumes", "/Volumes/main/sales/landing/shop"),
    ("s3", "s3://my-bucket/shop"),
    ("abfss", "abfss://landing@myaccount.dfs.core.windows.net/shop"),
    ("postgresql", "env:SHOP_DB_URL"),
    ("duckdb", "/srv/data/shop.duckdb"),
]


def test_connections_of_every_source_are_stored_and_listed(
    stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    for source, location in VALID:
        form = connection_form(name=f"c-{source}", source=source, location=location or str(tmp_path))
        answer = client.post("/quality/connections", data=form)
        assert answer.status_code == 303, field_error(answer.text, "location")
    stored = {c["name"]: c for c in stored_connections(stack)}
    assert stored["c-abfss"]["kind"] == "files" and stored["c-postgresql"]["kind"] == "postgresql"
    assert stored["c-duckdb"]["kind"] == "duckdb" and stored["c-s3"]["location"] == "s3://my-bucket/shop"
    listing = client.get("/quality").text
    for label in (
        "Local folder",
        "DBFS",
        "Unity Catalog volume",
        "Amazon S3",
        "Azure Data Lake Storage",
        "PostgreSQL",
    ):
        assert f"<td>{label}</td>" in listing
    edit = client.get(f"/quality/connections/{stored['c-volumes']['id']}/edit").text
    assert '<option value="volumes" selected>' in edit


def make_connection(client: httpx.Client, folder: Path, name: str = "shop-files") -> None:
    answer = client.post("/quality/connections", data=connection_form(name=name, location=str(folder)))
    assert answer.status_code == 303, answer.text


def group_form(**fields: str) -> dict[str, str]:
    return {"name": "shop", "connection": "shop-files", "include": "%", "exclude": "", **fields}


def stored_groups(stack: Stack) -> list[dict[str, Any]]:
    return list(stack.api.get("/v1/data-quality/table-groups").json())


BAD_GROUPS = [
    ({"connection": ""}, "connection", "pick the connection"),
    ({"connection": "nope"}, "connection", "no connection `nope`"),
    ({"include": " , \n"}, "include", "at least one include mask"),
    ({"name": "bad\x07name"}, "name", "no control characters"),
    ({"exclude": "x" * 301}, "exclude", "1 to 300 characters"),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_GROUPS)
def test_a_bad_table_group_is_refused_next_to_its_field_and_nothing_is_stored(
    stack: Stack, client: httpx.Client, tmp_path: Path, fields: dict[str, str], field: str, message: str
) -> None:
    make_connection(client, tmp_path)
    answer = client.post("/quality/groups", data=group_form(**fields))
    assert answer.status_code == 422
    assert message in field_error(answer.text, field)
    assert stored_groups(stack) == []


def test_groups_are_created_edited_and_keep_their_name(
    stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    make_connection(client, tmp_path)
    make_connection(client, tmp_path / "other", "other-files")
    created = client.post("/quality/groups", data=group_form(include="orders%, customers%", exclude="tmp_%"))
    assert created.status_code == 303
    group = stored_groups(stack)[0]
    assert created.headers["location"].startswith(f"/quality/groups/{group['id']}")
    assert group["include"] == ["orders%", "customers%"] and group["exclude"] == ["tmp_%"]
    duplicate = client.post("/quality/groups", data=group_form())
    assert duplicate.status_code == 422 and "already exists" in field_error(duplicate.text, "name")

    edit = client.get(f"/quality/groups/{group['id']}/edit").text
    assert "orders%\ncustomers%</textarea>" in edit and 'name="name" value="shop"' in edit
    saved = client.post(
        f"/quality/groups/{group['id']}", data=group_form(connection="other-files", include="%\n", exclude="")
    )
    assert saved.status_code == 303
    after = stored_groups(stack)[0]
    other = next(c for c in stored_connections(stack) if c["name"] == "other-files")
    assert after["connection_id"] == other["id"] and after["include"] == ["%"] and after["exclude"] == []
    renamed = client.post(f"/quality/groups/{group['id']}", data=group_form(name="renamed"))
    assert renamed.status_code == 422 and "keeps its name" in field_error(renamed.text, "name")
    assert stored_groups(stack)[0]["name"] == "shop"


def test_editing_a_connection_validates_like_creating_it(
    stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    make_connection(client, tmp_path)
    make_connection(client, tmp_path, "taken")
    connection = next(c for c in stored_connections(stack) if c["name"] == "shop-files")
    url = f"/quality/connections/{connection['id']}"
    bad = client.post(url, data=connection_form(name="shop-files", source="s3", location="s3://x"))
    assert bad.status_code == 422 and "bucket" in field_error(bad.text, "location")
    clash = client.post(url, data=connection_form(name="taken", location=str(tmp_path)))
    assert clash.status_code == 422 and "already exists" in field_error(clash.text, "name")
    assert next(c for c in stored_connections(stack) if c["id"] == connection["id"]) == connection
    moved = client.post(url, data=connection_form(name="lake", source="s3", location="s3://my-bucket/shop"))
    assert moved.status_code == 303
    changed = next(c for c in stored_connections(stack) if c["id"] == connection["id"])
    assert (changed["name"], changed["location"]) == ("lake", "s3://my-bucket/shop")


def test_a_connection_used_by_a_group_is_not_deleted_and_names_the_group(
    stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    make_connection(client, tmp_path)
    assert client.post("/quality/groups", data=group_form()).status_code == 303
    assert client.post("/quality/groups", data=group_form(name="shop-2")).status_code == 303
    connection = stored_connections(stack)[0]
    refused = client.post(f"/quality/connections/{connection['id']}/delete")
    assert refused.status_code == 303 and "bad=1" in refused.headers["location"]
    page = client.get(refused.headers["location"]).text
    assert "is used by table group(s) shop, shop-2" in html.unescape(page) and 'class="notice bad"' in page
    assert stored_connections(stack) == [connection]

    for group in stored_groups(stack):
        assert client.post(f"/quality/groups/{group['id']}/delete").status_code == 303
    assert stored_groups(stack) == []
    assert client.post(f"/quality/connections/{connection['id']}/delete").status_code == 303
    assert stored_connections(stack) == []
    missing = client.post(f"/quality/connections/{connection['id']}/delete")
    assert "no connection" in html.unescape(client.get(missing.headers["location"]).text)


def test_the_forms_refuse_other_origins(stack: Stack, tmp_path: Path) -> None:
    make_connection(browser_client(stack), tmp_path)
    evil = browser_client(stack, origin="http://evil.example")
    assert evil.post("/quality/connections", data=connection_form(name="x")).status_code == 403
    assert evil.post("/quality/connections/1/delete").status_code == 403
    assert evil.post("/quality/groups", data=group_form()).status_code == 403
    assert [c["name"] for c in stored_connections(stack)] == ["shop-files"] and stored_groups(stack) == []


@pytest.mark.slow
def test_a_profiled_group_shows_its_profile_and_column_charts_and_is_deleted_cleanly(
    stack: Stack, client: httpx.Client, tmp_path: Path
) -> None:
    from tests.server.test_data_quality import ROWS, write_tables

    write_tables(tmp_path / "shop")
    make_connection(client, tmp_path / "shop")
    assert client.post("/quality/groups", data=group_form(exclude="scratch%")).status_code == 303
    group_id = stored_groups(stack)[0]["id"]
    assert client.post(f"/quality/groups/{group_id}/profile").status_code == 303
    run_id = stack.api.get(f"/v1/data-quality/table-groups/{group_id}/profile-runs").json()[0]["id"]
    assert stack.wait(run_id, timeout=180)["status"] == "SUCCESS"

    page = html.unescape(client.get(f"/quality/groups/{group_id}").text)
    assert "Latest profile" in page and 'data-anomaly="contacts|note|No_Values"' in page
    assert f"/quality/runs/{run_id}/column?table=orders&column=amount" in page
    amount = client.get(f"/quality/runs/{run_id}/column", params={"table": "orders", "column": "amount"})
    counts = [int(c) for c in re.findall(r'class="hbin" data-count="(\d+)"', amount.text)]
    assert amount.status_code == 200 and len(counts) == 20 and sum(counts) == ROWS
    assert re.search(r'data-share="Null".*?<b>0.0%</b>', amount.text, re.S)
    assert re.search(r'data-share="Distinct".*?<b>100.0%</b>', amount.text, re.S)
    email = client.get(f"/quality/runs/{run_id}/column", params={"table": "contacts", "column": "email"}).text
    assert "Patterns of email" in email and "aaa-aa-aaaaa" in email and "No top values measured" in email
    note = client.get(f"/quality/runs/{run_id}/column", params={"table": "contacts", "column": "note"}).text
    assert "Top values of note" in note and "(empty)" in note and "No_Values" in note
    unknown = client.get(f"/quality/runs/{run_id}/column", params={"table": "orders", "column": "nope"})
    assert unknown.status_code == 404 and "no column 'nope'" in html.unescape(unknown.text)

    assert client.post(f"/quality/groups/{group_id}/delete").status_code == 303
    assert client.post("/quality/groups", data=group_form()).status_code == 303
    fresh = stored_groups(stack)[0]
    assert stack.api.get(f"/v1/data-quality/table-groups/{fresh['id']}/profile-runs").json() == []
    assert stack.api.get(f"/v1/runs/{run_id}").json()["subject"]["key"] == f"shop#deleted-{group_id}"


@pytest.mark.slow
def test_a_group_being_profiled_is_not_deleted(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.server.conftest import running_stack, workspace_with_faults
    from tests.server.test_data_quality import write_tables

    write_tables(tmp_path / "shop")
    slow_launch = [{"kind": "latency", "path": "jobs/run-now", "latency_ms": 15_000}]
    with (
        workspace_with_faults(tmp_path / "slow", slow_launch) as workspace,
        running_stack(database_url, tmp_path / "home", workspace, monkeypatch) as stack,
    ):
        client = browser_client(stack)
        make_connection(client, tmp_path / "shop")
        assert client.post("/quality/groups", data=group_form()).status_code == 303
        group_id = stored_groups(stack)[0]["id"]
        assert client.post(f"/quality/groups/{group_id}/profile").status_code == 303
        refused = client.post(f"/quality/groups/{group_id}/delete")
        notice = html.unescape(client.get(refused.headers["location"]).text)
        assert "has a profile run in progress" in notice and len(stored_groups(stack)) == 1
        run_id = stack.api.get(f"/v1/data-quality/table-groups/{group_id}/profile-runs").json()[0]["id"]
        assert stack.wait(run_id, timeout=240)["status"] == "SUCCESS"
        assert client.post(f"/quality/groups/{group_id}/delete").status_code == 303
        assert stored_groups(stack) == []


def trend_dots(page: str) -> list[float]:
    """The scores the group page's trend chart shows, one per dot, oldest first."""
    section = re.search(r'<h2 id="sor">Score trend over runs</h2>(.*?)</section>', page, re.S)
    if not section:
        return []
    return [
        float(score) for score in re.findall(r'class="dot"><title>[^<]*: ([\d.]+)</title>', section.group(1))
    ]


@pytest.mark.slow
def test_the_score_trend_shows_from_the_first_run(stack: Stack, client: httpx.Client, tmp_path: Path) -> None:
    from tests.server.test_data_quality import write_tables

    write_tables(tmp_path / "shop")
    make_connection(client, tmp_path / "shop")
    assert client.post("/quality/groups", data=group_form()).status_code == 303
    group_id = stored_groups(stack)[0]["id"]
    never = client.get(f"/quality/groups/{group_id}")
    assert never.status_code == 200 and "Never profiled" in never.text and trend_dots(never.text) == []

    scores = []
    for runs in (1, 2):
        assert client.post(f"/quality/groups/{group_id}/profile").status_code == 303
        run_id = stack.api.get(f"/v1/data-quality/table-groups/{group_id}/profile-runs").json()[0]["id"]
        assert stack.wait(run_id, timeout=180)["status"] == "SUCCESS"
        scores.append(
            round(stack.api.get(f"/v1/data-quality/profile-runs/{run_id}").json()["score"] * 100, 1)
        )
        for url in (f"/quality/groups/{group_id}", f"/ui/quality/groups/{group_id}"):
            page = client.get(url)
            assert page.status_code == 200 and trend_dots(page.text) == scores, (runs, url)
