"""The data-quality forms: create, edit and delete connections and table groups from the dashboard.

Each form is checked on the server; an error is shown next to its field with the values kept (a
location that holds a secret is never echoed back) and nothing is stored. A connection some group
still uses is refused deletion with the groups' names; deleting a group asks first in the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lakerun.control.plane import ControlPlane
from lakerun.control.profiling import catalog
from lakerun.control.profiling.sources import (
    SOURCE_TYPES,
    FieldError,
    check_location,
    holds_secret,
    source_type,
    source_type_of,
)
from lakerun.errors import ConflictError
from lakerun.server.dashboard.session import Session, SessionPost
from lakerun.server.dashboard.templating import render

router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("name", "source", "location", "workspace", "connection", "include", "exclude")


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name) or "") for name in FORM_FIELDS}


def _back(notice: str, bad: bool = False) -> RedirectResponse:
    flag = "&bad=1" if bad else ""
    return RedirectResponse(f"/quality?notice={quote(notice[:300])}{flag}", status_code=303)


def _connection_form(
    request: Request, plane: ControlPlane, values: dict[str, str], errors: dict[str, str], action: str
) -> HTMLResponse:
    return render(
        request, "quality_connection_form.html", status_code=422 if errors else 200, active="quality",
        values=values, errors=errors, action=action, sources=SOURCE_TYPES,
        source_options=[(s.key, s.label) for s in SOURCE_TYPES],
        workspace_options=[(row.name, row.name) for row, _ in plane.workspaces()],
    )  # fmt: skip


def _group_form(
    request: Request, plane: ControlPlane, values: dict[str, str], errors: dict[str, str], action: str
) -> HTMLResponse:
    options = [("", "— pick one —")] + [(row.name, row.name) for row in catalog.connections(plane)]
    return render(
        request, "quality_group_form.html", status_code=422 if errors else 200, active="quality",
        values=values, errors=errors, action=action, connection_options=options,
        editing=action != "/quality/groups",
    )  # fmt: skip


Form = Callable[[Request, ControlPlane, dict[str, str], dict[str, str], str], HTMLResponse]


def _errors_of(exc: Exception, values: dict[str, str]) -> dict[str, str]:
    """The message next to its field (or at the top of the form), with a secret-bearing location dropped."""
    if holds_secret(values.get("location", "")):
        values["location"] = ""
    if isinstance(exc, FieldError):
        return {exc.field: exc.message}
    if isinstance(exc, LookupError) and str(exc).startswith("no connection `"):
        return {"connection": str(exc)}
    return {"form": str(exc)}


async def _submit(
    request: Request, plane: ControlPlane, form: Form, action: str, save: Callable[[dict[str, str]], Any]
) -> Any:
    """Saves what the form holds and returns what `save` returned, or the form again with the error (422)."""
    values = await _fields(request)
    try:
        return save(values)
    except (ValueError, LookupError, ConflictError) as exc:
        return form(request, plane, values, _errors_of(exc, values), action)


def _connection_spec(values: dict[str, str]) -> catalog.ConnectionSpec:
    """The spec the form describes, checked against the source type the user picked."""
    chosen = source_type(values["source"])
    check_location(chosen, values["location"])
    return catalog.ConnectionSpec(
        values["name"], chosen.kind, values["location"], values["workspace"] or "local"
    )


def masks(text: str) -> list[str]:
    """Masks typed one per line or separated by commas."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def _group_spec(values: dict[str, str]) -> catalog.GroupSpec:
    if not values["connection"]:
        raise FieldError("connection", "pick the connection whose tables the group profiles")
    return catalog.GroupSpec(
        values["name"], values["connection"], masks(values["include"]), masks(values["exclude"])
    )


def _missing(request: Request, exc: LookupError) -> HTMLResponse:
    return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))


@router.get("/quality/connections/new", response_class=HTMLResponse)
def new_connection(request: Request, plane: Session) -> HTMLResponse:
    """An empty connection form."""
    values = {"name": "", "source": "local", "location": "", "workspace": "local"}
    return _connection_form(request, plane, values, {}, "/quality/connections")


@router.post("/quality/connections", response_model=None)
async def add_connection(request: Request, plane: SessionPost) -> HTMLResponse | RedirectResponse:
    """Store the connection, or show the form again with the error next to its field."""

    def save(values: dict[str, str]) -> RedirectResponse:
        row = catalog.create_connection(plane, _connection_spec(values))
        return _back(f"Connection {row.name} created: add a table group on it.")

    answer: HTMLResponse | RedirectResponse = await _submit(
        request, plane, _connection_form, "/quality/connections", save
    )
    return answer


@router.get("/quality/connections/{connection_id}/edit", response_class=HTMLResponse)
def edit_connection(request: Request, connection_id: int, plane: Session) -> HTMLResponse:
    """The connection's form, filled in."""
    try:
        row = catalog.get_connection(plane, connection_id)
    except LookupError as exc:
        return _missing(request, exc)
    values = {
        "name": row.name, "source": source_type_of(row.kind, row.location).key,
        "location": row.location, "workspace": row.workspace_name,
    }  # fmt: skip
    return _connection_form(request, plane, values, {}, f"/quality/connections/{connection_id}")


@router.post("/quality/connections/{connection_id}", response_model=None)
async def change_connection(
    request: Request, connection_id: int, plane: SessionPost
) -> HTMLResponse | RedirectResponse:
    """Save the edited connection, or show the form again with the error next to its field."""

    def save(values: dict[str, str]) -> RedirectResponse:
        row = catalog.update_connection(plane, connection_id, _connection_spec(values))
        return _back(f"Connection {row.name} saved.")

    action = f"/quality/connections/{connection_id}"
    answer: HTMLResponse | RedirectResponse = await _submit(request, plane, _connection_form, action, save)
    return answer


@router.post("/quality/connections/{connection_id}/delete")
def remove_connection(connection_id: int, plane: SessionPost) -> RedirectResponse:
    """Delete a connection no group uses; otherwise say which groups use it and keep it."""
    try:
        catalog.delete_connection(plane, connection_id)
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(str(exc), bad=True)
    return _back("Connection deleted.")


def _to_group(group_id: int, notice: str) -> RedirectResponse:
    return RedirectResponse(f"/quality/groups/{group_id}?notice={quote(notice)}", 303)


@router.get("/quality/groups/new", response_class=HTMLResponse)
def new_group(request: Request, plane: Session, connection: str = "") -> HTMLResponse:
    """An empty table-group form (the connection picked when coming from one)."""
    values = {"name": "", "connection": connection, "include": "%", "exclude": ""}
    return _group_form(request, plane, values, {}, "/quality/groups")


@router.post("/quality/groups", response_model=None)
async def add_group(request: Request, plane: SessionPost) -> HTMLResponse | RedirectResponse:
    """Store the table group and open its page, or show the form again with the error next to its field."""

    def save(values: dict[str, str]) -> RedirectResponse:
        return _to_group(
            catalog.create_group(plane, _group_spec(values)).id, "Table group created: press Profile now."
        )

    answer: HTMLResponse | RedirectResponse = await _submit(
        request, plane, _group_form, "/quality/groups", save
    )
    return answer


@router.get("/quality/groups/{group_id}/edit", response_class=HTMLResponse)
def edit_group(request: Request, group_id: int, plane: Session) -> HTMLResponse:
    """The table group's form, filled in; its name cannot change."""
    try:
        group, connection = catalog.get_group(plane, group_id)
    except LookupError as exc:
        return _missing(request, exc)
    values = {
        "name": group.name, "connection": connection.name,
        "include": "\n".join(group.include), "exclude": "\n".join(group.exclude),
    }  # fmt: skip
    return _group_form(request, plane, values, {}, f"/quality/groups/{group_id}")


@router.post("/quality/groups/{group_id}", response_model=None)
async def change_group(
    request: Request, group_id: int, plane: SessionPost
) -> HTMLResponse | RedirectResponse:
    """Save the edited group, or show the form again with the error next to its field."""

    def save(values: dict[str, str]) -> RedirectResponse:
        catalog.update_group(plane, group_id, _group_spec(values))
        return _to_group(group_id, "Table group saved.")

    answer: HTMLResponse | RedirectResponse = await _submit(
        request, plane, _group_form, f"/quality/groups/{group_id}", save
    )
    return answer


@router.post("/quality/groups/{group_id}/delete")
def remove_group(group_id: int, plane: SessionPost) -> RedirectResponse:
    """Delete the group with its stored results (the page asked first); refused while it is being profiled."""
    try:
        name = catalog.delete_group(plane, group_id)
    except (ValueError, LookupError, ConflictError) as exc:
        return _back(str(exc), bad=True)
    return _back(f"Table group {name} deleted with its stored results.")
