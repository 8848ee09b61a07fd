"""Making the registered workspaces match a configuration file: added, changed, removed, never duplicated."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lakerun.control.context import ControlContext
from lakerun.control.workspaces import REMOVED, WorkspaceSpec
from lakerun.store.models import AttemptRow, JobRow, WorkspaceRow

COMPARED = ("host", "auth_type", "token_ref", "client_id", "client_secret_ref", "default_cluster_id")


@dataclass
class SyncReport:
    """What one synchronisation did, by workspace name."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    """Removed from the file but referenced by attempts or jobs: kept for history, never used again."""

    def lines(self) -> list[str]:
        """One human line per non-empty group, for the start-up banner."""
        groups = {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "retired (kept for history)": self.retired,
        }
        return [f"workspaces {label}: {', '.join(names)}" for label, names in groups.items() if names]


def sync_workspaces(ctx: ControlContext, specs: list[WorkspaceSpec]) -> SyncReport:
    """Registers exactly `specs` in one transaction; a removed workspace with history is retired instead."""
    report = SyncReport()
    wanted = {spec.name: spec.to_row() for spec in specs}
    with ctx.uow() as uow:
        session = uow.session
        existing = {row.name: row for row in session.scalars(select(WorkspaceRow))}
        for name, row in wanted.items():
            current = existing.get(name)
            if current is None:
                session.add(row)
                report.added.append(name)
            elif any(getattr(current, col) != getattr(row, col) for col in COMPARED):
                for col in COMPARED:
                    setattr(current, col, getattr(row, col))
                report.changed.append(name)
            else:
                report.unchanged.append(name)
        for name, row in existing.items():
            if name in wanted or row.auth_type == REMOVED:
                continue
            if _referenced(session, name):
                row.auth_type = REMOVED
                report.retired.append(name)
            else:
                session.delete(row)
                report.removed.append(name)
    return report


def _referenced(session: Session, name: str) -> bool:
    for model in (AttemptRow, JobRow):
        count = session.scalar(select(func.count()).where(model.workspace_name == name))
        if count:
            return True
    return False
