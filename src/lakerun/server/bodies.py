"""Reading a request body within a size limit, so an oversized one is refused before it is read whole."""

from __future__ import annotations

from fastapi import HTTPException, Request


def too_large(limit: int, what: str) -> HTTPException:
    """The 413 naming what was too large and the limit."""
    return HTTPException(413, f"{what} is larger than {limit} bytes ({limit / (1024 * 1024):g} MB)")


async def read_limited(request: Request, limit: int, what: str = "batch body") -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit` (declared or actually sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit, what)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, what)
        chunks.append(chunk)
    return b"".join(chunks)
