"""The lakerun client for application backends: `Lakerun` (blocking) and `AsyncLakerun` (asyncio), over httpx.

Typed with the API's own pydantic schemas; importing it pulls in neither FastAPI nor SQLAlchemy.
"""

from __future__ import annotations

from lakerun.client.async_client import AsyncLakerun
from lakerun.client.calls import RunEvent
from lakerun.client.errors import (
    ApiError,
    ConflictError,
    LakerunError,
    NotFoundError,
    ServerError,
    UnauthorizedError,
    UnreachableError,
    ValidationError,
    WaitTimeoutError,
)
from lakerun.client.sync import Lakerun
from lakerun.server.runs.schemas import (
    AttemptDetailOut,
    AttemptOut,
    AttemptPage,
    BulkItemOut,
    SubjectHistoryOut,
    SubjectOut,
    TriggerBody,
)

__all__ = [
    "ApiError",
    "AsyncLakerun",
    "AttemptDetailOut",
    "AttemptOut",
    "AttemptPage",
    "BulkItemOut",
    "ConflictError",
    "Lakerun",
    "LakerunError",
    "NotFoundError",
    "RunEvent",
    "ServerError",
    "SubjectHistoryOut",
    "SubjectOut",
    "TriggerBody",
    "UnauthorizedError",
    "UnreachableError",
    "ValidationError",
    "WaitTimeoutError",
]
