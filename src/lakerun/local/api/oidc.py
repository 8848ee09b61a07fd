"""The workspace's OIDC endpoints: what the databricks-sdk's `oauth-m2m` auth discovers and calls.

The SDK reads `oidc_endpoint` from `/.well-known/databricks-config`, fetches
`<oidc_endpoint>/.well-known/oauth-authorization-server` and POSTs a form
`grant_type=client_credentials&scope=all-apis` with HTTP Basic client auth to its `token_endpoint`.
These endpoints are public: they are how a client gets a bearer token in the first place.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from lakerun.local.oauth import SUPPORTED_SCOPES, OAuthError, TokenIssuer, invalid_client

router = APIRouter()
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def on_startup(app: FastAPI) -> None:
    """Opens the token issuer over the configured service principals."""
    config = app.state.config
    app.state.oauth = TokenIssuer(app.state.db, config.oauth_clients, config.oauth_token_seconds)


def on_shutdown(app: FastAPI) -> None:
    """Nothing to release: issued token hashes live in the shared state file."""


def oidc_base(request: Request) -> str:
    """The OIDC root as the caller reached this server, so discovered URLs work from its side."""
    return f"{str(request.base_url).rstrip('/')}/oidc"


@router.get("/oidc/.well-known/oauth-authorization-server")
def discovery(request: Request) -> dict[str, Any]:
    """RFC 8414 metadata: where to get tokens and how clients may authenticate there."""
    base = oidc_base(request)
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/v1/authorize",
        "token_endpoint": f"{base}/v1/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": sorted(SUPPORTED_SCOPES),
        "response_types_supported": [],
    }


@router.get("/oidc/v1/authorize")
def authorize() -> JSONResponse:
    """User-to-machine login is not offered: say so in OAuth's shape instead of a bare 404."""
    error = OAuthError(
        400,
        "unsupported_response_type",
        "The local workspace has no interactive login; use the client_credentials grant (OAuth M2M).",
    )
    return JSONResponse(error.body(), status_code=error.status)


@router.post("/oidc/v1/token")
async def token(request: Request) -> JSONResponse:
    """The client credentials grant: a service principal's id and secret for an access token."""
    try:
        form = await _form(request)
        client_id, client_secret = _client_credentials(request, form)
        issuer: TokenIssuer = request.app.state.oauth
        issuer.authenticate(client_id, client_secret)
        _check_grant_type(form.get("grant_type"))
        issued = issuer.issue(client_id, _scope(form.get("scope")))
    except OAuthError as exc:
        challenge = {"WWW-Authenticate": 'Basic realm="lakerun"'} if exc.status == 401 else {}
        return JSONResponse(exc.body(), status_code=exc.status, headers=NO_STORE | challenge)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers=NO_STORE)


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise OAuthError(
            400, "invalid_request", "Token requests must be form-encoded (application/x-www-form-urlencoded)."
        )
    items = (await request.form()).multi_items()
    names = [name for name, _ in items]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise OAuthError(400, "invalid_request", f"Parameters sent more than once: {', '.join(repeated)}.")
    return {name: str(value) for name, value in items}


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """The client id and secret from HTTP Basic (client_secret_basic) or form fields (client_secret_post)."""
    header = request.headers.get("authorization", "")
    in_form = "client_id" in form or "client_secret" in form
    if header and in_form:
        raise OAuthError(
            400,
            "invalid_request",
            "Use one client authentication method: HTTP Basic or form fields, not both.",
        )
    if header:
        return _basic_credentials(header)
    if not form.get("client_id") or not form.get("client_secret"):
        raise OAuthError(
            401,
            "invalid_client",
            "Client authentication is required: HTTP Basic, or client_id and client_secret form fields.",
        )
    return form["client_id"], form["client_secret"]


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(
            401, "invalid_client", f"Unsupported client authentication scheme {scheme!r}; use Basic."
        )
    try:
        client_id, sep, client_secret = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError(401, "invalid_client", "Malformed HTTP Basic credentials.") from exc
    if not sep or not client_id:
        raise invalid_client()
    return client_id, client_secret


def _check_grant_type(grant_type: str | None) -> None:
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required (client_credentials).")
    if grant_type != "client_credentials":
        raise OAuthError(
            400,
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported; use client_credentials.",
        )


def _scope(requested: str | None) -> str:
    """The granted scope: `all-apis` when none is asked for; unknown scopes are named in the error."""
    scopes = (requested or "all-apis").split()
    unknown = [scope for scope in scopes if scope not in SUPPORTED_SCOPES]
    if unknown:
        supported = ", ".join(sorted(SUPPORTED_SCOPES))
        raise OAuthError(
            400, "invalid_scope", f"Unsupported scope {' '.join(unknown)!r}; supported: {supported}."
        )
    return " ".join(scopes)
