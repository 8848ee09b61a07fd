"""The data-quality forms: create, edit and delete connections and table groups from the dashboard.

Each form is checked on the server; an error is shown next to its field with the values kept (a
location that holds a secret is never echoed back) and nothing is stored. A connection some group
still uses is refused deletion with the groups' names; deleting a group asks first in the page.
"""

from __future__ import annotations

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


def _workspaces(plane: ControlPlane) -> list[str]:
    return [row.name for row, _ in plane.workspaces()]


def _connection_form(
    request: Request, plane: ControlPlane, values: dict[str, str], errors: dict[str, str], action: str,
    *, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "quality_connection_form.html", status_code=status_code, active="quality", values=values,
        errors=errors, action=action, sources=SOURCE_TYPES, source_options=[(s.key, s.label) for s in SOURCE_TYPES],
        workspace_options=[(name, name) for name in _workspaces(plane)],
    )  # fmt: skip


def _connection_spec(values: dict[str, str]) -> catalog.ConnectionSpec:
    """The spec the form describes, checked against the source type the user picked."""
    chosen = source_type(values["source"])
    check_location(chosen, values["location"])
    return catalog.ConnectionSpec(
        values["name"], chosen.kind, values["location"], values["workspace"] or "local"
    )


def _errors_of(exc: Exception, values: dict[str, str]) -> dict[str, str]:
    """The message next to its field (or at the top of the form), with a secret-bearing location dropped."""
    if holds_secret(values.get("location", "")):
        values["location"] = ""
    if isinstance(exc, FieldError):
        return {exc.field: exc.message}
    return {"form": str(exc)}


@router.get("/quality/connections/new", response_class=HTMLResponse)
def new_connection(request: Request, plane: Session) -> HTMLResponse:
    """An empty connection form."""
    values = {"name": "", "source": "local", "location": "", "workspace": "local"}
    return _connection_form(request, plane, values, {}, "/quality/connections")


@router.post("/quality/connections", response_model=None)
async def add_connection(request: Request, plane: SessionPost) -> HTMLResponse | RedirectResponse:
    """Store the connection, or show the form again with the error next to its field."""
    values = await _fields(request)
    try:
        row = catalog.create_connection(plane, _connection_spec(values))
    except (ValueError, LookupError) as exc:
        errors = _errors_of(exc, values)
        return _connection_form(request, plane, values, errors, "/quality/connections", status_code=422)
    return _back(f"Connection {row.name} created: add a table group on it.")


@router.get("/quality/connections/{connection_id}/edit", response_class=HTMLResponse)
def edit_connection(request: Request, connection_id: int, plane: Session) -> HTMLResponse:
    """The connection's form, filled in."""
    try:
        row = catalog.get_connection(plane, connection_id)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))
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
    values = await _fields(request)
    try:
        row = catalog.update_connection(plane, connection_id, _connection_spec(values))
    except (ValueError, LookupError) as exc:
        errors = _errors_of(exc, values)
        action = f"/quality/connections/{connection_id}"
        return _connection_form(request, plane, values, errors, action, status_code=422)
    return _back(f"Connection {row.name} saved.")


@router.post("/quality/connections/{connection_id}/delete")
def remove_connection(connection_id: int, plane: SessionPost) -> RedirectResponse:
    """Delete a connection no group uses; otherwise say which groups use it and keep it."""
    try:
        catalog.delete_connection(plane, connection_id)
    except (ValueError, LookupError) as exc:
        return _back(str(exc), bad=True)
    return _back("Connection deleted.")


def _group_form(
    request: Request, plane: ControlPlane, values: dict[str, str], errors: dict[str, str], action: str,
    *, editing: bool = False, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    options = [("", "— pick one —")] + [(row.name, row.name) for row in catalog.connections(plane)]
    return render(
        request, "quality_group_form.html", status_code=status_code, active="quality", values=values,
        errors=errors, action=action, connection_options=options, editing=editing,
    )  # fmt: skip


def masks(text: str) -> list[str]:
    """Masks typed one per line or separated by commas."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def _group_spec(values: dict[str, str]) -> catalog.GroupSpec:
    if not values["connection"]:
        raise FieldError("connection", "pick the connection whose tables the group profiles")
    return catalog.GroupSpec(
        values["name"], values["connection"], masks(values["include"]), masks(values["exclude"])
    )


def _group_errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, LookupError) and str(exc).startswith("no connection"):
        return {"connection": str(exc)}
    return _errors_of(exc, {})


@router.get("/quality/groups/new", response_class=HTMLResponse)
def new_group(request: Request, plane: Session, connection: str = "") -> HTMLResponse:
    """An empty table-group form (the connection picked when coming from one)."""
    values = {"name": "", "connection": connection, "include": "%", "exclude": ""}
    return _group_form(request, plane, values, {}, "/quality/groups")


@router.post("/quality/groups", response_model=None)
async def add_group(request: Request, plane: SessionPost) -> HTMLResponse | RedirectResponse:
    """Store the table group and open its page, or show the form again with the error next to its field."""
    values = await _fields(request)
    try:
        row = catalog.create_group(plane, _group_spec(values))
    except (ValueError, LookupError) as exc:
        return _group_form(request, plane, values, _group_errors(exc), "/quality/groups", status_code=422)
    return RedirectResponse(
        f"/quality/groups/{row.id}?notice={quote('Table group created: press Profile now.')}", 303
    )


@router.get("/quality/groups/{group_id}/edit", response_class=HTMLResponse)
def edit_group(request: Request, group_id: int, plane: Session) -> HTMLResponse:
    """The table group's form, filled in; its name cannot change."""
    try:
        group, connection = catalog.get_group(plane, group_id)
    except LookupError as exc:
        return render(request, "missing.html", status_code=404, active="quality", problem=str(exc))
    values = {
        "name": group.name, "connection": connection.name,
        "include": "\n".join(group.include), "exclude": "\n".join(group.exclude),
    }  # fmt: skip
    return _group_form(request, plane, values, {}, f"/quality/groups/{group_id}", editing=True)


@router.post("/quality/groups/{group_id}", response_model=None)
async def change_group(
    request: Request, group_id: int, plane: SessionPost
) -> HTMLResponse | RedirectResponse:
    """Save the edited group, or show the form again with the error next to its field."""
    values = await _fields(request)
    try:
        catalog.update_group(plane, group_id, _group_spec(values))
    except (ValueError, LookupError) as exc:
        action = f"/quality/groups/{group_id}"
        return _group_form(request, plane, values, _group_errors(exc), action, editing=True, status_code=422)
    return RedirectResponse(f"/quality/groups/{group_id}?notice={quote('Table group saved.')}", 303)


@router.post("/quality/groups/{group_id}/delete")
def remove_group(group_id: int, plane: SessionPost) -> RedirectResponse:
    """Delete the group with its stored results (the page asked first); refused while it is being profiled."""
    try:
        name = catalog.delete_group(plane, group_id)
    except (ValueError, LookupError) as exc:
        return _back(str(exc), bad=True)
    return _back(f"Table group {name} deleted with its stored results.")
