"""A paged list on a dashboard page: where it is, its filters, and links to its neighbours."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class ListPage:
    """Page `page` of `total` items, `per_page` at a time, under the page's own filters."""

    path: str
    page: int
    per_page: int
    total: int
    filters: tuple[tuple[str, str], ...] = ()

    @property
    def last(self) -> int:
        """The last page number (1 for an empty list)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.page - 1) * self.per_page

    def filter(self, name: str) -> str:
        """A filter's value ('' when not set)."""
        return dict(self.filters).get(name, "")

    def href(self, page: int) -> str:
        """The same list with the same filters at page `page`."""
        params = {name: value for name, value in self.filters if value}
        return f"{self.path}?" + urlencode({**params, "page": page})
