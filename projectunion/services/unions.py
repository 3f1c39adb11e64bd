"""Standing unions, chairs, and what a dissolution would do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle import context, record_creation
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN
from projectunion.lifecycle.union import (
    default_successor,
    open_wage_cases,
    pending_applications,
)
from projectunion.models import Jurisdiction, Membership, Union, User
from projectunion.services.transaction import audit, unit_of_work


def create_standing_union(
    session: so.Session,
    actor: User,
    *,
    kind: str,
    name: str,
    jurisdiction: Jurisdiction | None,
    created_on: dt.date | None = None,
) -> Union:
    """A regional or industry union; it receives members of dissolved project unions.

    ``created_on`` is the day it was set up (default today; may be in the past).
    """
    errors = {}
    if kind not in ("regional", "industry"):
        errors["kind"] = _l("A standing union is regional or industry.")
    name = (name or "").strip()
    if not name or len(name) > 200:
        errors["name"] = _l("Enter the union's name (at most 200 characters).")
    if jurisdiction is None:
        errors["jurisdiction_code"] = _l("Choose the jurisdiction.")
    if created_on is not None and created_on > today():
        errors["created_on"] = _l("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    permissions.require(permissions.can_create_standing_union(actor, jurisdiction))
    with unit_of_work(session):
        union = Union(kind=kind, name=name, jurisdiction=jurisdiction, state="active")
        session.add(union)
        record_creation(session, "union", union, context(session, actor, created_on))
        audit(session, actor, "create_union", union, kind=kind)
    return union


def set_chair(session: so.Session, actor: User, union: Union, membership: Membership) -> Union:
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))
    if union.state == "dissolved":
        raise Conflict(_l("A dissolved union is read-only."))
    if membership.union_id != union.id or membership.state != "active":
        raise ValidationError({"chair_membership_id": _l("The chair must be an active member of this union.")})
    with unit_of_work(session):
        union.chair = membership
        audit(session, actor, "set_chair", union, membership_id=membership.id)
    return union


def set_successor(session: so.Session, actor: User, union: Union, successor: Union | None) -> Union:
    permissions.require_visible(actor, union)
    permissions.require(permissions.can_manage_union(actor, union))
    if successor is not None and (successor.id == union.id or successor.state not in ENROLLMENT_OPEN):
        raise ValidationError({"successor_union_id": _l("Choose an active union to take the members.")})
    with unit_of_work(session):
        union.successor = successor
        audit(session, actor, "set_successor", union, successor_union_id=getattr(successor, "id", None))
    return union


@dataclass
class DissolutionPreview:
    """What dissolving would do now, for the wizard's summary."""

    open_wage_cases: int
    pending_applications: int
    active_members: int
    successor: Union | None

    @property
    def blocked(self) -> bool:
        """Open wage cases block; pending applications are decided in the same step as the dissolution."""
        return bool(self.open_wage_cases)


def preview_dissolution(
    session: so.Session, actor: User, union: Union, successor: Union | None = None
) -> DissolutionPreview:
    permissions.require_visible(actor, union)
    active = session.scalar(
        sa.select(sa.func.count()).where(Membership.union_id == union.id, Membership.state == "active")
    )
    return DissolutionPreview(
        open_wage_cases=open_wage_cases(session, union),
        pending_applications=pending_applications(session, union),
        active_members=active,
        successor=successor or union.successor or default_successor(session, union),
    )
