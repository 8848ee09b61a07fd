"""Data-quality connections accept exactly the object-store URLs the file layer reads (`lakerun profile`
opens them too), over the API and the dashboard's form, and name what is wrong with any other shape."""

from __future__ import annotations

import html

import httpx
import pytest

from lakerun.engines.locations import READABLE_SCHEMES
from tests.server.conftest import Stack, browser_client
from tests.server.test_dashboard_quality_forms import connection_form, field_error, stored_connections

READABLE = {
    "s3": ("s3", "s3://my-bucket/shop"),
    "s3a": ("s3", "s3a://my-bucket/shop"),
    "abfss": ("abfss", "abfss://landing@myaccount.dfs.core.windows.net/shop"),
    "abfs": ("abfss", "abfs://landing@myaccount.dfs.core.windows.net"),
    "az": ("abfss", "az://landing/shop/2024"),
    "wasbs": ("abfss", "wasbs://landing@myaccount.blob.core.windows.net/shop"),
    "wasb": ("abfss", "wasb://landing/shop"),
}
"""One location per scheme the file layer reads, with the form's source that names it."""

UNREADABLE = [
    ("local", "gs://my-bucket/shop", "gs:// is not a location lakerun reads"),
    ("abfss", "gs://my-bucket/shop", "object stores are s3, s3a, abfss"),
    ("s3", "ftp://files.example.com/shop", "ftp:// is not a location lakerun reads"),
    ("abfss", "az://landing@myaccount.dfs.core.windows.net/shop", "az://<container>[/path]"),
    ("abfss", "wasbs://landing@myaccount.dfs.core.windows.net/shop", ".blob.core.windows.net"),
    ("abfss", "abfss://landing@myaccount.blob.core.windows.net/shop", ".dfs.core.windows.net"),
    ("abfss", "az://Landing_Zone/shop", "container name is 3 to 63"),
]
MISMATCHED = [
    ("abfss", "s3://my-bucket/shop", "starts with one of abfss://, abfs://, az://, wasbs://, wasb://"),
    ("s3", "az://landing/shop", "starts with s3:// or s3a://"),
]
"""Good locations under the wrong source in the form (the API reads the source from the location)."""


@pytest.fixture
def client(stack: Stack) -> httpx.Client:
    return browser_client(stack)


def test_every_readable_scheme_has_a_location_here() -> None:
    assert set(READABLE) == set(READABLE_SCHEMES)


def test_every_readable_location_is_stored_over_the_api_and_shown_as_its_source(
    stack: Stack, client: httpx.Client
) -> None:
    for scheme, (source, location) in READABLE.items():
        created = stack.api.post(
            "/v1/data-quality/connections",
            json={"name": f"api-{scheme}", "kind": "files", "location": location},
        )
        assert created.status_code == 201, created.text
        edit = client.get(f"/quality/connections/{created.json()['id']}/edit").text
        assert f'<option value="{source}" selected>' in edit, scheme
    assert {c["location"] for c in stored_connections(stack)} == {loc for _, loc in READABLE.values()}


def test_every_readable_location_is_stored_through_the_form(stack: Stack, client: httpx.Client) -> None:
    for scheme, (source, location) in READABLE.items():
        form = connection_form(name=f"form-{scheme}", source=source, location=location)
        answer = client.post("/quality/connections", data=form)
        assert answer.status_code == 303, field_error(answer.text, "location")
    assert len(stored_connections(stack)) == len(READABLE)


def test_a_location_of_the_wrong_shape_is_refused_naming_what_is_wrong(
    stack: Stack, client: httpx.Client
) -> None:
    for source, location, message in UNREADABLE + MISMATCHED:
        answer = client.post("/quality/connections", data=connection_form(source=source, location=location))
        assert answer.status_code == 422, location
        assert message in field_error(answer.text, "location")
        assert f'value="{html.escape(location)}"' in answer.text, "the typed location is kept"
    assert stored_connections(stack) == []


def test_the_api_refuses_the_same_locations(stack: Stack) -> None:
    for _source, location, message in UNREADABLE:
        body = {"name": "api", "kind": "files", "location": location}
        answer = stack.api.post("/v1/data-quality/connections", json=body)
        assert answer.status_code == 422, location
        assert answer.json()["detail"].startswith("location:") and message in answer.json()["detail"]
    assert stored_connections(stack) == []
