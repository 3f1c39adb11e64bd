"""Firing a lifecycle event on any object, with the permission that object needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Membership, Project, Union, WageCase
from projectunion.services.transaction import unit_of_work


def _require_manage(session: so.Session, actor, obj: Any) -> None:
    if isinstance(obj, Project):
        permissions.require_visible(actor, obj)
        permissions.require(permissions.can_manage_project(actor, obj))
    elif isinstance(obj, Union):
        permissions.require_visible(actor, obj)
        permissions.require(permissions.can_manage_union(actor, obj))
    elif isinstance(obj, (Membership, WageCase)):
        permissions.require_visible(actor, obj.union)
        permissions.require(permissions.can_manage_union(actor, obj.union))
    else:
        raise TypeError(type(obj))


def fire_event(session: so.Session, actor, obj: Any, event: str, on: dt.date | None = None, **data: Any):
    """Fire one event in one transaction; refusals raise and leave everything as it was."""
    _require_manage(session, actor, obj)
    on = on or today()
    if on > today():
        raise ValidationError({"on": _l("The date cannot be in the future.")})
    with unit_of_work(session):
        ctx = lifecycle.fire(session, actor, obj, event, on=on, **data)
    session.refresh(obj)
    return ctx
