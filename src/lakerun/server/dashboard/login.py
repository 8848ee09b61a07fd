"""Logging in with an API token (exchanged for a session cookie) and logging out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lakerun.control.plane import ControlPlane
from lakerun.server.dashboard.session import (
    COOKIE,
    SESSION_SECONDS,
    require_same_origin,
    safe_next,
    session_cookie,
)
from lakerun.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The token form; nothing else is shown before login."""
    return render(request, "login.html", next=safe_next(next), problem=None)


@router.post("/login", response_model=None)
def login(
    request: Request, token: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"
) -> Response:
    """Checks the token and sets an HTTP-only session cookie; a wrong token gets the form back with 401.
    Like every dashboard form, it must be posted from this server's own page (login CSRF)."""
    require_same_origin(request)
    plane: ControlPlane = request.app.state.plane
    cookie = session_cookie(plane, token.strip())
    if cookie is None:
        problem = "That API token is not valid." if token.strip() else "Paste an API token first."
        return render(request, "login.html", status_code=401, next=safe_next(next), problem=problem)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    """Forgets the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
