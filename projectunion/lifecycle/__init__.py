"""The lifecycles: the only place states are written.

fire_unchecked(session, actor, obj, "found", on=date, chair_membership_id=7)  # no permission check, no commit
allowed_events(obj) -> ["found", "abandon"]
declaration_of("union").as_dict()
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy.orm as so

from projectunion.lifecycle.declarations import ALL, Declaration
from projectunion.lifecycle.engine import Context, Lifecycle, context, record_creation

__all__ = [
    "Context",
    "allowed_events",
    "context",
    "declaration_of",
    "fire_unchecked",
    "lifecycle_of",
    "record_creation",
]


def _lifecycles() -> dict[str, Lifecycle]:
    from projectunion.lifecycle import crew, membership, project, union, wage_case

    return {lc.LIFECYCLE.declaration.name: lc.LIFECYCLE for lc in (project, union, membership, wage_case, crew)}


def machine_name(obj: Any) -> str:
    return {
        "projects": "project",
        "unions": "union",
        "memberships": "membership",
        "wage_cases": "wage_case",
        "crews": "crew",
    }[obj.__tablename__]


def lifecycle_of(obj_or_name: Any) -> Lifecycle:
    name = obj_or_name if isinstance(obj_or_name, str) else machine_name(obj_or_name)
    return _lifecycles()[name]


def declaration_of(obj_or_name: Any) -> Declaration:
    name = obj_or_name if isinstance(obj_or_name, str) else machine_name(obj_or_name)
    return ALL[name]


def allowed_events(obj: Any) -> list[str]:
    return lifecycle_of(obj).allowed_events(obj)


def fire_unchecked(
    session: so.Session, actor: Any, obj: Any, event: str, on: dt.date | None = None, **data: Any
) -> Context:
    """Fire ``event`` on ``obj``: the machine's guards and history row, but no permission check and no commit.

    For services, inside a transaction they commit themselves; a route or the API calls
    ``services.events.fire_checked_and_commit`` instead.
    """
    ctx = context(session, actor, on, **data)
    lifecycle_of(obj).fire(obj, event, ctx)
    return ctx
