"""Log lines: secrets masked whatever wrote them, attempt and run ids lifted into JSON fields."""

from __future__ import annotations

import json
import logging

from lakerun.server.logs import JsonFormatter, MaskingFilter, mask


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("lakerun.test", logging.INFO, __file__, 1, message, args, None)


def test_tokens_pats_bearers_query_secrets_and_url_passwords_are_masked() -> None:
    line = mask(
        "GET /v1/events?token=lrk_abcdefghijkl&x=1 Authorization: Bearer lrk_zzzzzzzzzzzz "
        "pat dapi0123456789abcdef postgresql://lakerun:hunter2@db/lakerun client_secret=s3cr3t"
    )
    for secret in ("lrk_abcdefghijkl", "lrk_zzzzzzzzzzzz", "dapi0123456789abcdef", "hunter2", "s3cr3t"):
        assert secret not in line
    assert "postgresql://lakerun:***@db/lakerun" in line and "x=1" in line


def test_json_lines_carry_ids_and_masked_arguments() -> None:
    record = _record(
        "attempt %s not reconciled: run 1234 token=%s",
        "0b9c6a52-4a5e-4f3c-9a57-3c3a1f1b2e77",
        "lrk_secretvalue",
    )
    assert MaskingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["attempt_id"] == "0b9c6a52-4a5e-4f3c-9a57-3c3a1f1b2e77" and line["run_id"] == "1234"
    assert "lrk_secretvalue" not in line["message"] and line["level"] == "info"
