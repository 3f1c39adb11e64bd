"""Column helpers shared by the models."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from projectunion.lifecycle.declarations import Declaration


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def choice(name: str, values: tuple[str, ...]) -> sa.Enum:
    """A string column limited to values by a CHECK constraint (not a native enum)."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)) + 8)


def state_type(declaration: Declaration) -> sa.Enum:
    return choice(f"{declaration.name}_state", declaration.states)


Timestamp = sa.DateTime(timezone=True)
Money = sa.Numeric(12, 2)
