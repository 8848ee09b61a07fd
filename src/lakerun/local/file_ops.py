"""File operations shared by the Workspace and DBFS APIs, with the Databricks errors each case gets."""

from __future__ import annotations

import base64
import binascii
import os
import shutil
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from lakerun.local.errors import DatabricksError, already_exists, invalid_parameter
from lakerun.local.params import request_params


def mtime_ms(path: Path) -> int:
    """Last modification time in milliseconds since the epoch, as Databricks reports it."""
    return int(path.stat().st_mtime * 1000)


def make_dirs(path: Path, shown: str) -> None:
    """`mkdir -p` that refuses, with RESOURCE_ALREADY_EXISTS, when a file sits on the way."""
    for candidate in (path, *path.parents):
        if candidate.exists() and not candidate.is_dir():
            raise already_exists(f"Cannot create directory {shown}: a file exists at that path")
    path.mkdir(parents=True, exist_ok=True)


def remove(path: Path, recursive: bool, not_empty: DatabricksError) -> None:
    """Deletes a file or a directory; a non-empty directory needs `recursive`."""
    if path.is_dir() and not path.is_symlink():
        if any(path.iterdir()) and not recursive:
            raise not_empty
        shutil.rmtree(path)
    else:
        path.unlink()


def write_atomically(path: Path, content: bytes) -> None:
    """Writes a whole file so readers never see half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    temporary.write_bytes(content)
    temporary.replace(path)


def decode_base64(value: Any, field: str) -> bytes:
    """Bytes of a base64 field, or INVALID_PARAMETER_VALUE naming the field."""
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_parameter(f"{field} must be base64-encoded") from exc


async def params_and_upload(request: Request, *fields: str) -> tuple[dict[str, Any], bytes | None]:
    """Parameters of a JSON or multipart request, plus the bytes of the file sent under one of `fields`.

    A multipart file part under any other name is refused, so an upload is never silently dropped.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await request_params(request), None
    params: dict[str, Any] = dict(request.query_params)
    upload: bytes | None = None
    async with request.form(max_part_size=64 * 1024 * 1024) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name not in fields:
                    expected = " or ".join(repr(field) for field in fields)
                    raise invalid_parameter(f"Unexpected file part {name!r}: send the file as {expected}")
                upload = await value.read()
            else:
                params[name] = value
    for field in fields:
        if upload is None and isinstance(params.get(field), str):
            upload = str(params.pop(field)).encode()
    return params, upload
