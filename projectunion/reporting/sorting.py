"""How a drill-down list is sorted: by any of its columns, in SQL, over the whole list.

A column sorts by what it shows (the masked ID by the mask, a province by its
code, a state or a service in the order of its lifecycle or list), so sorting
never ranks rows by something the reader may not see. Empty values come last
in both directions, and ties keep the list's own order, then the row's id, so
pages never overlap or skip a row however many rows share a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Sort:
    """The column asked for (None: the list's default) and its direction."""

    column: str | None = None
    descending: bool = False

    @classmethod
    def parse(cls, column: str | None, direction: str | None) -> Sort:
        return cls(column or None, direction == "desc")


@dataclass(frozen=True)
class Key:
    """One expression a column sorts by; ``reverse`` where the shown value runs the other way
    (days since the start sort as the start day, latest first)."""

    expr: sa.ColumnElement
    reverse: bool = False


@dataclass(frozen=True)
class SortKeys:
    """Per column name, the expressions it sorts by; ``ties``: what breaks ties (ids); ``default``: the
    column the list is in when nothing (or an unknown column) is asked for."""

    columns: Mapping[str, Sequence[sa.ColumnElement | Key]]
    ties: Sequence[sa.ColumnElement]
    default: str

    def resolve(self, sort: Sort | None) -> Sort:
        """The sort that applies: the one asked for when the list has that column, else the default."""
        if sort is not None and sort.column in self.columns:
            return sort
        return Sort(self.default)

    def order_by(self, sort: Sort) -> list[sa.ColumnElement]:
        out: list[sa.ColumnElement] = []
        for key in self.columns[sort.column or self.default]:
            key = key if isinstance(key, Key) else Key(key)
            descending = sort.descending != key.reverse
            out += [key.expr.is_(None), key.expr.desc() if descending else key.expr.asc()]
        return out + [t.asc() for t in self.ties]


def rank(expr: sa.ColumnElement, order: Sequence[str]) -> sa.ColumnElement:
    """A code column as its position in ``order`` (states by their lifecycle, services as listed); empty: NULL."""
    return sa.case({code: i for i, code in enumerate(order)}, value=expr)
