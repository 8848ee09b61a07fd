"""The runs page's filters, read from the query string, turned into the store's filter and back into links."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from lakerun.control.reads import AttemptFilter
from lakerun.control.status import Status

PAGE_SIZE = 50
STATUSES = [s.value for s in Status]


def _when(text: str | None, name: str, problems: list[str]) -> datetime | None:
    """A `datetime-local` value (taken as UTC) or None; a bad one is reported, not fatal."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} {text!r} is not a date and time; it was ignored")
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RunsQuery:
    """Filters and page of the runs list, as the user typed them."""

    workspace: str = ""
    kind: str = ""
    subject: str = ""
    status: str = ""
    since: str = ""
    until: str = ""
    page: int = 1
    problems: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def of(cls, params: QueryParams) -> RunsQuery:
        """The query from a request's parameters; unknown statuses and bad pages are reported and dropped."""
        problems: list[str] = []
        status = params.get("status", "").strip().upper()
        if status and status not in STATUSES:
            problems.append(f"status {status!r} is not one of {', '.join(STATUSES)}; it was ignored")
            status = ""
        page = params.get("page", "1")
        return cls(
            workspace=params.get("workspace", "").strip(),
            kind=params.get("kind", "").strip(),
            subject=params.get("subject", "").strip(),
            status=status,
            since=params.get("since", "").strip(),
            until=params.get("until", "").strip(),
            page=max(1, int(page)) if page.isdigit() else 1,
            problems=problems,
        )

    def to_filter(self) -> AttemptFilter:
        """The store's filter (bad dates are reported in `problems`)."""
        return AttemptFilter(
            statuses=[self.status] if self.status else [],
            subject_kind=self.kind or None,
            subject_key=self.subject or None,
            workspace=self.workspace or None,
            created_after=_when(self.since, "since", self.problems),
            created_before=_when(self.until, "until", self.problems),
        )

    @property
    def offset(self) -> int:
        """Rows skipped before this page."""
        return (self.page - 1) * PAGE_SIZE

    def query_string(self, page: int | None = None) -> str:
        """The filters (and a page) as a query string, empty values left out."""
        values = replace(self, page=page or self.page)
        pairs = {
            "workspace": values.workspace,
            "kind": values.kind,
            "subject": values.subject,
            "status": values.status,
            "since": values.since,
            "until": values.until,
            "page": str(values.page) if values.page > 1 else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})
