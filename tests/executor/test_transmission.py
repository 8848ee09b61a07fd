"""Transmission to the platform: batches, gzip, Bearer or HMAC, retries under one idempotency key."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from lakerun.executor.entrypoint import run
from lakerun.runtime.signing import sign
from tests.executor import sample_data
from tests.executor.conftest import Platform

pytestmark = pytest.mark.core


def _extract_then_send(
    tmp_path: Path, db: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict]:
    data = tmp_path / "data"
    sample_data.write_csv(data / "a.csv")
    sample_data.write_parquet(data / "b.parquet")
    assert run(["metadata_extraction", str(data), "auto", "t", "--metadata-db", str(db)]) == 0
    capsys.readouterr()
    code = run(["api_transmission", str(data), "auto", "t", "--metadata-db", str(db), *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_retried_batch_reaches_the_platform_once(
    tmp_path: Path,
    metadata_db: Path,
    platform: Platform,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKERUN_API_KEY", "key-1")
    platform.drop_first_response = True
    args = ["--api-endpoint", platform.url, "--batch-records", "4"]
    code, result = _extract_then_send(tmp_path, metadata_db, args, capsys)
    assert code == 0, result
    assert result["batches"] == 3 and result["record_count"] == 1 + 2 + 8
    keys = [r["Idempotency-Key"] for r in platform.requests]
    assert len(keys) == 6 and len(set(keys)) == 3
    assert len(platform.stored) == 3
    records = [r for batch in platform.stored.values() for r in batch["records"]]
    assert len(records) == 11
    assert all(r["Content-Encoding"] == "gzip" for r in platform.requests)


def test_hmac_signature_over_the_gzip_body(
    tmp_path: Path,
    metadata_db: Path,
    platform: Platform,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKERUN_API_KEY", "shared-secret")
    code, _result = _extract_then_send(
        tmp_path, metadata_db, ["--api-endpoint", platform.url, "--api-auth", "hmac"], capsys
    )
    assert code == 0
    [headers] = platform.requests
    [body] = platform.bodies
    assert "Authorization" not in headers
    assert headers["X-Lakerun-Signature"] == sign("shared-secret", headers["X-Lakerun-Timestamp"], body)
    assert json.loads(gzip.decompress(body))["records"]


def test_platform_refusal_fails_the_job(
    tmp_path: Path,
    metadata_db: Path,
    platform: Platform,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKERUN_API_KEY", "wrong")
    platform.answer_status = 401
    code, result = _extract_then_send(tmp_path, metadata_db, ["--api-endpoint", platform.url], capsys)
    assert code == 1
    assert "401" in result["error"]
    assert len(platform.requests) == 1


def test_missing_endpoint_is_named(
    tmp_path: Path, metadata_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _extract_then_send(tmp_path, metadata_db, [], capsys)
    assert code == 1 and "LAKERUN_API_ENDPOINT" in result["error"]
