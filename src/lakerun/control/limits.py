"""Bounds of a trigger's fields, free of imports so the API schemas and the client library can share them."""

FIELD_LENGTHS = {
    "subject_key": 300,
    "subject_kind": 100,
    "workspace": 100,
    "job_key": 200,
    "idempotency_key": 200,
    "triggered_by": 100,
}
"""Longest value of each text field (the column sizes of `store.models`)."""
MAX_TIMEOUT_SECONDS = 366 * 24 * 3600
"""The longest deadline a trigger may ask for: a year and a day."""
