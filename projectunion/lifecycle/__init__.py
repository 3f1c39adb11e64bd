"""The lifecycles: the only place states are written.

fire(session, actor, obj, "found", on=date, chair_membership_id=7)
allowed_events(obj) -> ["found", "abandon"]
declaration_of("union").as_dict()
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy.orm as so

from projectunion.lifecycle.declarations import ALL, Declaration
from projectunion.lifecycle.engine import Context, Lifecycle, context, record_creation

__all__ = ["Context", "allowed_events", "context", "declaration_of", "fire", "lifecycle_of", "record_creation"]


def _lifecycles() -> dict[str, Lifecycle]:
    from projectunion.lifecycle import crew, membership, project, union, wage_case

    return {lc.LIFECYCLE.declaration.name: lc.LIFECYCLE for lc in (project, union, membership, wage_case, crew)}


def machine_name(obj: Any) -> str:
    return {"projects": "project", "unions": "union", "memberships": "membership", "wage_cases": "wage_case", "crews": "crew"}[
        obj.__tablename__
    ]


def lifecycle_of(obj_or_name: Any) -> Lifecycle:
    name = obj_or_name if isinstance(obj_or_name, str) else machine_name(obj_or_name)
    return _lifecycles()[name]


def declaration_of(obj_or_name: Any) -> Declaration:
    name = obj_or_name if isinstance(obj_or_name, str) else machine_name(obj_or_name)
    return ALL[name]


def allowed_events(obj: Any) -> list[str]:
    return lifecycle_of(obj).allowed_events(obj)


def fire(session: so.Session, actor: Any, obj: Any, event: str, on: dt.date | None = None, **data: Any) -> Context:
    """Fire ``event`` on ``obj`` in the caller's transaction (which the caller commits)."""
    ctx = context(session, actor, on, **data)
    lifecycle_of(obj).fire(obj, event, ctx)
    return ctx
