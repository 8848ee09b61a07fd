"""Dashboard sessions: an API token exchanged once for a signed, HTTP-only cookie that never holds the token."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, WebSocket
from starlette.requests import HTTPConnection

from lakerun.control.plane import ControlPlane
from lakerun.control.tokens import is_valid_token, token_hash
from lakerun.store.records import TokenRepository

COOKIE = "lakerun_session"
SESSION_SECONDS = 12 * 3600


class LoginRequiredError(Exception):
    """The page needs a session; the app answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__("login required")
        self.next_path = next_path


def _plane(conn: HTTPConnection) -> ControlPlane:
    plane: ControlPlane = conn.app.state.plane
    return plane


def _signature(key: bytes, hashed: str, expires: int) -> str:
    return hmac.new(key, f"dashboard|{hashed}|{expires}".encode(), hashlib.sha256).hexdigest()


def session_cookie(plane: ControlPlane, token: str) -> str | None:
    """The cookie value for a valid API token (its hash, an expiry and a signature), or None if invalid."""
    if not is_valid_token(plane.ctx, token):
        return None
    hashed, expires = token_hash(token), int(time.time()) + SESSION_SECONDS
    return f"{hashed}.{expires}.{_signature(plane.ctx.server_key, hashed, expires)}"


def session_valid(plane: ControlPlane, cookie: str | None) -> bool:
    """True when the cookie is signed by this server, unexpired, and its token is still issued."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    hashed, expires, signature = parts[0], int(parts[1]), parts[2]
    if expires < time.time():
        return False
    if not hmac.compare_digest(signature, _signature(plane.ctx.server_key, hashed, expires)):
        return False
    with plane.ctx.sessions() as session:
        return TokenRepository(session).exists(hashed)


def require_session(request: Request) -> ControlPlane:
    """The control plane, for a request with a valid session; otherwise a redirect to the login page."""
    plane = _plane(request)
    if not session_valid(plane, request.cookies.get(COOKIE)):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(target)
    return plane


def require_session_post(request: Request) -> ControlPlane:
    """Like `require_session`, and refuses state changes sent from another origin (CSRF)."""
    plane = require_session(request)
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None or urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "dashboard actions must come from the dashboard's own pages")
    return plane


def websocket_session_ok(websocket: WebSocket) -> bool:
    """True when a WebSocket handshake comes from the dashboard's own origin with a valid session cookie."""
    origin = websocket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("host"):
        return False
    return session_valid(_plane(websocket), websocket.cookies.get(COOKIE))


def safe_next(path: str | None) -> str:
    """A local path to return to after login; anything else (another host, a scheme) becomes `/`."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


Session = Annotated[ControlPlane, Depends(require_session)]
SessionPost = Annotated[ControlPlane, Depends(require_session_post)]
