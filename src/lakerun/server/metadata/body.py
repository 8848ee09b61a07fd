"""Reading an ingest body within a size limit, gzip or plain by `Content-Encoding`, refusing gzip bombs."""

from __future__ import annotations

import zlib

from fastapi import HTTPException

from lakerun.server.bodies import too_large

MAX_BODY_BYTES = 50 * 1024 * 1024
"""The most a batch may take on the wire and once decompressed (the executor sends ~500 records)."""
_GZIP = 16 + zlib.MAX_WBITS


def decoded(body: bytes, content_encoding: str | None, limit: int = MAX_BODY_BYTES) -> bytes:
    """The JSON bytes of a body sent plain or with `Content-Encoding: gzip`, at most `limit` of them."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported; send gzip or plain JSON")
    inflater = zlib.decompressobj(_GZIP)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise HTTPException(400, f"body is not valid gzip (Content-Encoding: gzip): {exc}") from None
    if len(data) > limit:
        raise too_large(limit, "batch body")
    if not inflater.eof:
        raise HTTPException(400, "body is not valid gzip (Content-Encoding: gzip): the stream is truncated")
    if inflater.unused_data:
        raise HTTPException(400, "body has data after the gzip stream; send one gzip member per batch")
    return data
