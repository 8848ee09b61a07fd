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
from lakerun.control.tokens import TokenInfo, authenticate, token_hash, valid_hash
from lakerun.errors import LakerunError

COOKIE = "lakerun_session"
SESSION_SECONDS = 12 * 3600


class LoginRequiredError(LakerunError):
    """The page needs a session; the app answers with a redirect to the login page."""

    http_status = 401
    code = "login_required"

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
    if authenticate(plane.ctx, token) is None:
        return None
    hashed, expires = token_hash(token), int(time.time()) + SESSION_SECONDS
    return f"{hashed}.{expires}.{_signature(plane.ctx.server_key, hashed, expires)}"


def session_token(plane: ControlPlane, cookie: str | None) -> TokenInfo | None:
    """The token behind a session cookie signed by this server and unexpired, while that token is still valid."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    hashed, expires, signature = parts[0], int(parts[1]), parts[2]
    if expires < time.time():
        return None
    if not hmac.compare_digest(signature, _signature(plane.ctx.server_key, hashed, expires)):
        return None
    return valid_hash(plane.ctx, hashed)


def session_valid(plane: ControlPlane, cookie: str | None) -> bool:
    """True when the cookie is signed by this server, unexpired, and its token is neither revoked nor expired."""
    return session_token(plane, cookie) is not None


def require_session(request: Request) -> ControlPlane:
    """The control plane, for a request with a valid session; otherwise a redirect to the login page."""
    plane = _plane(request)
    if not session_valid(plane, request.cookies.get(COOKIE)):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(target)
    return plane


def require_session_post(request: Request) -> ControlPlane:
    """Like `require_session`, refuses state changes sent from another origin (CSRF) and from `read` tokens."""
    plane = require_session(request)
    require_same_origin(request)
    token = session_token(plane, request.cookies.get(COOKIE))
    if token is None or not token.allows("trigger"):
        raise HTTPException(403, "this session's API token has scope 'read'; actions need 'trigger'")
    return plane


def require_same_origin(request: Request) -> None:
    """Refuses a form post whose Origin (or Referer) is not this server (CSRF)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None or urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "dashboard forms must be posted from the dashboard's own pages")


def websocket_session(websocket: WebSocket) -> TokenInfo | None:
    """The session's token when a WebSocket handshake comes from the dashboard's own origin with a valid cookie."""
    origin = websocket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("host"):
        return None
    return session_token(_plane(websocket), websocket.cookies.get(COOKIE))


def safe_next(path: str | None) -> str:
    """A local path to return to after login; anything else (another host, a scheme) becomes `/`."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


Session = Annotated[ControlPlane, Depends(require_session)]
SessionPost = Annotated[ControlPlane, Depends(require_session_post)]
