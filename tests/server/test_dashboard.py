"""The dashboard over HTTP: login and sessions, CSRF refusal, filters and paging, live fields, the live feed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from lakerun.control.status import Status
from lakerun.server.dashboard.session import COOKIE
from lakerun.store.attempts import AttemptFilter
from lakerun.store.models import utcnow
from tests.server.dashboard_support import Dashboard, serve_dashboard


@pytest.fixture
def dash(tmp_path: Path, database_url: str) -> Iterator[Dashboard]:
    """The dashboard on SQLite, then on PostgreSQL (the `database_url` fixture's two databases)."""
    served = serve_dashboard(tmp_path / "home", database_url)
    yield served
    served.server.stop()
    served.plane.stop()


@pytest.mark.parametrize(
    "path", ["/", "/subjects", "/workspaces", "/ui/runs/rows", "/pipelines", "/quality", "/metadata"]
)
def test_every_page_needs_a_login(dash: Dashboard, path: str) -> None:
    dash.attempt("secret-flow")
    response = dash.client(logged_in=False).get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert "secret-flow" not in response.text


def test_a_wrong_token_is_refused_and_the_cookie_never_holds_the_token(dash: Dashboard) -> None:
    client = dash.client(logged_in=False)
    refused = client.post("/login", data={"token": "lrk_wrong"})
    assert refused.status_code == 401
    assert "not valid" in refused.text
    assert COOKIE not in client.cookies
    accepted = client.post("/login", data={"token": dash.token, "next": "/subjects"})
    assert accepted.headers["location"] == "/subjects"
    set_cookie = accepted.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie
    assert dash.token not in accepted.headers["set-cookie"]
    assert client.get("/subjects").status_code == 200


def test_a_tampered_cookie_or_a_foreign_next_gets_nowhere(dash: Dashboard) -> None:
    client = dash.client(logged_in=False)
    assert (
        client.post("/login", data={"token": dash.token, "next": "//evil.example/x"}).headers["location"]
        == "/"
    )
    hashed, expires, signature = client.cookies[COOKIE].split(".")
    client.cookies.set(COOKIE, f"{hashed}.{int(expires) + 10**6}.{signature}")
    assert client.get("/").status_code == 303


def test_actions_from_another_origin_are_refused_and_change_nothing(dash: Dashboard) -> None:
    failed = dash.attempt("orders", status=Status.FAILED)
    client = dash.client()
    client.headers["Origin"] = "http://evil.example"
    assert client.post(f"/runs/{failed}/retry").status_code == 403
    _, total = dash.plane.list_attempts(AttemptFilter())
    assert total == 1


def test_runs_are_filtered_and_paged_on_the_server(dash: Dashboard) -> None:
    for number in range(55):
        dash.attempt(f"table-{number:02d}", kind="table_group")
    failed = dash.attempt("orders", status=Status.FAILED)
    client = dash.client()
    first = client.get("/")
    assert first.text.count("data-attempt=") == 50
    assert "56 runs · page 1 of 2" in first.text
    second = client.get("/ui/runs/rows", params={"page": 2})
    assert second.text.count("data-attempt=") == 6
    only_failed = client.get("/", params={"status": "failed"})
    assert only_failed.text.count("data-attempt=") == 1 and failed in only_failed.text
    assert "boom: it broke" in only_failed.text
    by_subject = client.get("/", params={"subject": "table-07", "kind": "table_group"})
    assert by_subject.text.count("data-attempt=") == 1
    later = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.get("/", params={"since": later}).text.count("data-attempt=") == 0


def test_bad_filters_are_named_not_fatal(dash: Dashboard) -> None:
    dash.attempt("orders")
    response = dash.client().get("/", params={"status": "EXPLODED", "since": "yesterday"})
    assert response.status_code == 200
    assert "status &#39;EXPLODED&#39; is not one of" in response.text
    assert "since &#39;yesterday&#39; is not a date" in response.text
    assert response.text.count("data-attempt=") == 1


def test_running_work_shows_its_task_message_and_time_left(dash: Dashboard) -> None:
    start = utcnow() - timedelta(seconds=100)
    dash.attempt("claims", kind="layer", status=Status.SUCCESS, started_at=start, finished_at=utcnow())
    running = dash.attempt(
        "claims", kind="layer", status=Status.RUNNING, started_at=utcnow() - timedelta(seconds=40)
    )
    dash.progress(running, "silver", "joining claims to policies", 0.4)
    page = dash.client().get(f"/runs/{running}").text
    assert "now: silver" in page and "joining claims to policies" in page
    assert 'aria-valuenow="40"' in page
    left = re.search(r"≈ ([\d.]+)s left", page)
    assert left is not None and 30 < float(left.group(1)) <= 60


def test_a_run_not_yet_executing_says_it_waits_for_compute(dash: Dashboard) -> None:
    queued = dash.attempt("orders", status=Status.QUEUED)
    assert "Queued · waiting for compute" in dash.client().get(f"/runs/{queued}").text


def test_history_lists_attempts_newest_first_with_errors(dash: Dashboard) -> None:
    ids = [
        dash.attempt("orders", kind="flow", status=s) for s in (Status.SUCCESS, Status.FAILED, Status.RUNNING)
    ]
    subjects = dash.client().get("/subjects").text
    assert f'<a href="/runs/{ids[-1]}"><span class="badge s-RUNNING">Running</span></a>' in subjects
    page = dash.client().get("/subjects/flow/orders").text
    numbers = [page.index(f">#{n}<") for n in (3, 2, 1)]
    assert numbers == sorted(numbers)
    assert "boom: it broke" in page


def test_subjects_are_found_by_key_and_paged(dash: Dashboard) -> None:
    for number in range(103):
        dash.attempt(f"flow-{number:03d}", kind="flow", status=Status.SUCCESS)
    client = dash.client()
    first = client.get("/subjects").text
    assert "103 subjects · page 1 of 2" in first and 'href="/subjects?page=2" rel="next"' in first
    assert first.count('name="subject"') == 100
    assert client.get("/subjects?page=2").text.count('name="subject"') == 3
    found = client.get("/subjects", params={"q": "FLOW-04", "kind": "flow"}).text
    assert "10 subjects · page 1 of 1" in found and ">flow-045</a>" in found and ">flow-050</a>" not in found
    assert "No subject matches." in client.get("/subjects", params={"q": "nothing-like-it"}).text


def test_metadata_page_shows_tenants_and_their_records(dash: Dashboard) -> None:
    client = dash.client()
    assert "Nothing received yet" in client.get("/metadata").text
    records = [
        {"kind": "source", "data": {"source_id": "s1", "tenant_id": "acme", "source_path": "s3://lake/raw"}},
        {
            "kind": "table",
            "data": {"source_id": "s1", "table_id": "t1", "table_name": "orders.csv", "row_count": 42},
        },
        {
            "kind": "column",
            "data": {"table_id": "t1", "column_id": "c1", "column_name": "amount", "data_type": "double"},
        },
    ]
    batch = {"run_id": "run-7", "tenant_id": "acme", "batch": 1, "batches": 1, "records": records}
    sent = httpx.post(
        dash.url + "/v1/metadata/batches",
        json=batch,
        headers={"Authorization": f"Bearer {dash.token}", "Idempotency-Key": "run-7-1"},
    )
    assert sent.status_code == 200, sent.text
    page = client.get("/metadata").text
    assert ">acme</a>" in page and "Records of acme" in page
    assert "orders.csv" in page and "row_count: 42" in page and "s3://lake/raw" in page and "run-7" in page
    columns = client.get("/metadata", params={"tenant": "acme", "kind": "column"}).text
    assert "amount" in columns and "data_type: double" in columns and "orders.csv" not in columns


def test_the_live_feed_needs_a_session_and_streams_run_events(dash: Dashboard) -> None:
    ws_url = dash.url.replace("http", "ws") + "/ui/events"
    with pytest.raises(InvalidStatus), connect(ws_url):
        pass
    cookie = dash.client().cookies[COOKIE]
    foreign = {"Cookie": f"{COOKIE}={cookie}", "Origin": "http://evil.example"}
    with pytest.raises(InvalidStatus), connect(ws_url, additional_headers=foreign):
        pass
    with connect(ws_url, additional_headers={"Cookie": f"{COOKIE}={cookie}"}) as socket:
        attempt = dash.attempt("orders")
        events = [json.loads(socket.recv(timeout=10)) for _ in range(2)]
    created = next(e for e in events if e["type"] == "run.created")
    assert created["attempt_id"] == attempt and created["subject"] == {"kind": "flow", "key": "orders"}


def test_a_pipeline_task_s_layer_figures_show_on_the_run_page(dash: Dashboard) -> None:
    from lakerun.control.callbacks import attempt_secret
    from lakerun.executor.callbacks import CallbackClient
    from lakerun.pipeline.callback_progress import CallbackProgress
    from lakerun.pipeline.report import ExpectationOutcome, LayerResult

    attempt = dash.attempt("pet_claims", kind="pipeline", status=Status.RUNNING)
    secret = attempt_secret(dash.plane.ctx.server_key, attempt)
    progress = CallbackProgress(CallbackClient(attempt, f"{dash.url}/v1/attempts/{attempt}/events", secret))
    progress.stage("bronze", "reading raw files", 0.5)
    outcome = ExpectationOutcome(
        name="amount_not_negative", type="non_negative", action="drop", failed_rows=7
    )
    progress.finished(
        LayerResult(
            "pet_claims",
            "bronze",
            "duckdb",
            "abc",
            rows_in=1000,
            rows_out=993,
            rows_dropped=7,
            expectations=[outcome],
        )
    )
    page = dash.client().get(f"/runs/{attempt}").text
    assert "now: bronze" in page and "reading raw files" in page
    layers = page[page.index('id="layers-h"') :]
    assert "1,000" in layers and "993" in layers and "amount_not_negative: 7" in layers


def test_unknown_runs_and_subjects_get_a_page_saying_so(dash: Dashboard) -> None:
    client = dash.client()
    missing_run = client.get("/runs/not-an-attempt")
    assert missing_run.status_code == 404 and "no attempt not-an-attempt" in missing_run.text
    missing_subject = client.get("/subjects/flow/nobody")
    assert missing_subject.status_code == 404 and "no subject flow/nobody" in missing_subject.text


def claims_assessment(rows: int) -> dict:
    """A real quality assessment of a small dirty table (padded and mixed-case species, missing amounts)."""
    import pyarrow as pa

    from lakerun.engines.duckdb_engine import DuckDBEngine
    from lakerun.quality import assess

    species = [" dog", "Dog", "cat", "dog"] * (rows // 4)
    amounts = [None if i % 10 == 0 else float(i) for i in range(len(species))]
    engine = DuckDBEngine()
    try:
        engine.register("claims", pa.table({"species": species, "amount": amounts}))
        return assess(engine, "claims").to_dict()
    finally:
        engine.close()


def complete_with(dash: Dashboard, attempt_id: str, result: dict) -> None:
    from lakerun.control.callbacks import attempt_secret
    from lakerun.executor.callbacks import CallbackClient

    secret = attempt_secret(dash.plane.ctx.server_key, attempt_id)
    client = CallbackClient(attempt_id, f"{dash.url}/v1/attempts/{attempt_id}/events", secret)
    client.send("completed", {"result": result})


def test_a_run_whose_result_is_a_quality_assessment_shows_scores_anomalies_and_charts(
    dash: Dashboard,
) -> None:
    results = [claims_assessment(40), claims_assessment(80)]
    attempts = [dash.attempt("claims", kind="table_group", status=Status.RUNNING) for _ in results]
    for attempt, result in zip(attempts, results, strict=True):
        complete_with(dash, attempt, result)
    page = dash.client().get(f"/runs/{attempts[-1]}").text
    assert results[-1]["anomalies"], "the dirty table must raise anomalies"
    assert f"{results[-1]['score'] * 100:.1f}" in page
    assert {a["anomaly_type"].replace("_", " ") for a in results[-1]["anomalies"]} <= set(
        re.findall(r"<td>([A-Za-z ]+)</td><td>", page)
    )
    assert "Top values" in page and 'aria-label="Column species"' in page and 'class="qstrip"' in page
    assert '<pre class="json">' not in page
    history = dash.client().get("/subjects/table_group/claims").text
    assert "Quality score over runs" in history and history.count('class="dot"') == 2
    assert f"<b>{results[0]['score'] * 100:.1f}</b>" in history
