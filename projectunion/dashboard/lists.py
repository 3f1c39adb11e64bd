"""What the drill-down lists of the dashboard and of the survey share: the sort asked for in the query
string, the header links that change it, and links from each row to the pages of its person, union,
case or site for a user who may open them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_login import current_user

from projectunion import scopes
from projectunion.db import get_session
from projectunion.reporting.sorting import Sort


def sort_arg() -> Sort:
    """``?sort=<column>&dir=asc|desc``; the list ignores a column it does not have."""
    return Sort.parse(request.args.get("sort", "").strip(), request.args.get("dir", "").strip())


def sort_url(sort: Sort, column: str) -> str:
    """This list (filters kept) sorted by ``column``, from its first page: ascending, or descending when it
    already is."""
    args = request.args.to_dict()
    args.pop("page", None)
    args["sort"] = column
    args["dir"] = "desc" if sort.column == column and not sort.descending else "asc"
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@dataclass(frozen=True)
class Link:
    """A column that links to a page: ``kind`` of ``scopes.visible_ids`` asked of the row's ``visible_by``
    id, and the ``endpoint`` called with ``arg`` = the row's ``value`` (default: the same id)."""

    kind: str
    visible_by: str
    endpoint: str
    arg: str
    value: str | None = None


WORKER = Link("worker", "worker_id", "workers.show", "worker_id")
UNION = Link("union", "union_id", "unions.show", "union_id")


class RowLinks:
    """The page each linked cell opens, or None where the user may not open it. The user's scope is asked
    once per kind for the whole page of rows (a query or three, not one per row)."""

    def __init__(self, rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Link]):
        self.columns = columns
        session = get_session()
        self.visible: dict[tuple[str, str], set[int]] = {}
        for link in columns.values():
            key = (link.kind, link.visible_by)
            if key not in self.visible:
                ids = [row.get(link.visible_by) for row in rows]
                self.visible[key] = scopes.visible_ids(session, current_user, link.kind, ids)

    def __call__(self, column: str, row: Mapping[str, Any]) -> str | None:
        link = self.columns.get(column)
        if link is None or row.get(link.visible_by) not in self.visible[(link.kind, link.visible_by)]:
            return None
        return url_for(link.endpoint, **{link.arg: row[link.value or link.visible_by]})
