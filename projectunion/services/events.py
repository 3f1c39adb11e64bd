"""Firing a lifecycle event on any object, with the permission that object needs, and
the one sentence that tells the user what happened."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle, permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Crew, Membership, Project, SiteEntry, Union, WageCase
from projectunion.services.transaction import audit, unit_of_work

#: What the user is told after each event: one whole sentence per event, ``%(name)s`` the object's name.
DONE: dict[str, dict[str, Any]] = {
    "project": {
        "start": _l("Construction of “%(name)s” has started; its union is open in preparation."),
        "halt": _l("Construction of “%(name)s” is halted; its union is suspended until work resumes."),
        "resume": _l("Construction of “%(name)s” has resumed; its union is active again."),
        "complete": _l("“%(name)s” is completed; its union is now being dissolved."),
        "cancel": _l("“%(name)s” is cancelled."),
    },
    "union": {
        "found": _l("%(name)s is founded."),
        "suspend": _l("%(name)s is suspended: nobody can join until it resumes."),
        "resume": _l("%(name)s is active again."),
        "begin_dissolution": _l("%(name)s has begun its dissolution."),
        "dissolve": _l("%(name)s is dissolved; its members are handed on."),
        "abandon": _l("%(name)s is closed without having been founded."),
    },
    "wage_case": {
        "mediate": _l("The union is now mediating the wage case “%(name)s”."),
        "escalate": _l("The wage case “%(name)s” has gone to arbitration or court."),
        "resolve": _l("The wage case “%(name)s” is resolved."),
    },
}


def _name(obj: Any) -> str:
    return getattr(obj, "name", None) or getattr(obj, "summary", None) or ""


def done_message(machine: str, event: str, obj: Any) -> str:
    """The sentence that tells the user what ``event`` did to ``obj``."""
    sentence = DONE.get(machine, {}).get(event)
    return str(sentence % {"name": _name(obj)}) if sentence is not None else str(_l("Done."))


def crews_on_site(session: so.Session, project: Project) -> list[SiteEntry]:
    """Entries still open on the project's site, crews first: what completing the project closes."""
    return list(
        session.scalars(
            sa.select(SiteEntry)
            .where(SiteEntry.project_id == project.id, SiteEntry.exited_on.is_(None))
            .options(so.joinedload(SiteEntry.crew).joinedload(Crew.contractor), so.joinedload(SiteEntry.worker))
            .order_by(SiteEntry.worker_id.is_not(None), SiteEntry.entered_on, SiteEntry.id)
        ).unique()
    )


def _record_exits_on_completion(session: so.Session, actor, project: Project, on: dt.date) -> None:
    """Nobody stays on a completed site: every open entry is closed on the completion date."""
    entries = crews_on_site(session, project)
    late = [e for e in entries if e.entered_on > on]
    if late:
        raise ValidationError(
            {
                "on": _l(
                    "%(crew)s entered the site on %(date)s, after this completion date.",
                    crew=late[0].worker.name if late[0].worker else late[0].crew.name,
                    date=late[0].entered_on.isoformat(),
                )
            }
        )
    for entry in entries:
        entry.exited_on = on
        audit(session, actor, "exit_site", entry, on=on, reason="project_completed")


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


def fire_checked_and_commit(session: so.Session, actor, obj: Any, event: str, on: dt.date | None = None, **data: Any):
    """Check that ``actor`` may, fire the event and commit it, in one transaction; refusals change nothing.

    The one way routes, the API and the demo change a state; services already inside a
    transaction use ``lifecycle.fire_unchecked``.
    """
    _require_manage(session, actor, obj)
    on = on or today()
    if on > today():
        raise ValidationError({"on": _l("The date cannot be in the future.")})
    with unit_of_work(session):
        if isinstance(obj, Project) and event == "complete" and event in lifecycle.allowed_events(obj):
            _record_exits_on_completion(session, actor, obj, on)
        ctx = lifecycle.fire_unchecked(session, actor, obj, event, on=on, **data)
    session.refresh(obj)
    return ctx
