"""API tokens over HTTP (admin scope): create (the token is shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from lakerun.control.tokens import TokenInfo, create_token, list_tokens, parse_duration, revoke_token
from lakerun.server.auth import Caller, Plane

router = APIRouter(tags=["tokens"])


class TokenBody(BaseModel):
    """A token to create."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(
        min_length=1, max_length=100, description="What the token is for, e.g. `portal-backend`."
    )
    scope: Literal["read", "trigger", "admin"] = Field("read", description="What the token may do.")
    expires_in: str | None = Field(
        None, description="Lifetime such as `30d`, `12h`, `90m`; never expires if empty."
    )


class TokenOut(BaseModel):
    """A token's record; never the token itself."""

    id: int
    name: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenOut:
        """From what the control plane knows of a token."""
        return cls(
            id=info.id,
            name=info.name,
            scope=info.scope,
            created_at=info.created_at,
            expires_at=info.expires_at,
            revoked_at=info.revoked_at,
        )


class CreatedTokenOut(TokenOut):
    """A new token's record and, this once, the token."""

    token: str


@router.post("/tokens", status_code=201, response_model=CreatedTokenOut)
def create(body: TokenBody, plane: Plane, _: Caller) -> CreatedTokenOut:
    """Issue a token; its value is in this answer only."""
    expires_in = parse_duration(body.expires_in) if body.expires_in else None
    token, info = create_token(plane.ctx, body.name, body.scope, expires_in)
    return CreatedTokenOut(**TokenOut.of(info).model_dump(), token=token)


@router.get("/tokens", response_model=list[TokenOut])
def list_all(plane: Plane, _: Caller) -> list[TokenOut]:
    """Every token issued, newest first, with its scope, expiry and revocation."""
    return [TokenOut.of(info) for info in list_tokens(plane.ctx)]


@router.delete("/tokens/{name_or_id}", response_model=list[TokenOut])
def revoke(name_or_id: str, plane: Plane, _: Caller) -> list[TokenOut]:
    """Revoke the token with this id, or every token with this name; open WebSockets close within a second."""
    return [TokenOut.of(info) for info in revoke_token(plane.ctx, name_or_id)]
