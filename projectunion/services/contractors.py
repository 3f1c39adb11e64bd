"""Contractors (施工/劳务企业): registration, editing, scope, and their workers' union status.

A contractor user sees and edits only its own company; union-side users
read every company (they pick crews for sites), and only the company
itself or an administrator edits it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from stdnum.cn import uscc as std_uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from projectunion import permissions
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Crew, CrewMember, Membership, Union, User, Worker
from projectunion.models.contractors import CONTRACTOR_KINDS
from projectunion.services.transaction import audit, unit_of_work


def clean_uscc(raw: Any) -> str:
    """The unified social credit code, compacted and checked (GB 32100)."""
    value = std_uscc.compact(str(raw or ""))
    if not value:
        raise ValidationError({"uscc": _l("Enter the unified social credit code.")})
    try:
        return std_uscc.validate(value)
    except InvalidLength:
        message = _l("A unified social credit code has 18 characters (%(length)s given).", length=len(value))
    except InvalidChecksum:
        message = _l("The code's check character does not match; a character is probably mistyped.")
    except StdnumError:
        message = _l("This is not a valid unified social credit code.")
    raise ValidationError({"uscc": message})


def _clean(session: so.Session, values: dict[str, Any], contractor: Contractor | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}
    if "name" in values:
        out["name"] = " ".join(str(values["name"] or "").split())
        if not out["name"] or len(out["name"]) > 200:
            errors["name"] = _l("Enter the company's name (at most 200 characters).")
    if "uscc" in values:
        try:
            out["uscc"] = clean_uscc(values["uscc"])
        except ValidationError as exc:
            errors.update(exc.fields)
        else:
            taken = session.scalar(sa.select(Contractor.id).where(Contractor.uscc == out["uscc"]))
            if taken is not None and (contractor is None or taken != contractor.id):
                errors["uscc"] = _l("A company with this code is already registered.")
    if "kind" in values:
        out["kind"] = values["kind"]
        if out["kind"] not in CONTRACTOR_KINDS:
            errors["kind"] = _l("Choose the kind of company.")
    if errors:
        raise ValidationError(errors)
    return out


def register_contractor(session: so.Session, actor: User, *, name: Any, uscc: Any, kind: str) -> Contractor:
    permissions.require(permissions.can_register_contractor(actor))
    values = _clean(session, {"name": name, "uscc": uscc, "kind": kind}, None)
    with unit_of_work(session):
        contractor = Contractor(**values)
        session.add(contractor)
        session.flush()
        audit(session, actor, "register_contractor", contractor, uscc=contractor.uscc)
    return contractor


def update_contractor(session: so.Session, actor: User, contractor: Contractor, **values: Any) -> Contractor:
    """Change name, code or kind; only the company itself or an administrator may."""
    permissions.require(permissions.can_view_contractor(actor, contractor), private=True)
    permissions.require(permissions.can_manage_contractor(actor, contractor))
    unknown = set(values) - {"name", "uscc", "kind"}
    if unknown:
        raise ValidationError({k: _l("This field cannot be changed.") for k in unknown})
    clean = _clean(session, values, contractor)
    changed = sorted(k for k, v in clean.items() if getattr(contractor, k) != v)
    if not changed:
        return contractor
    with unit_of_work(session):
        for key in changed:
            setattr(contractor, key, clean[key])
        audit(session, actor, "update_contractor", contractor, fields=changed)
    return contractor


def get_contractor(session: so.Session, actor: User, contractor_id: int) -> Contractor:
    """The company, or 404 when it does not exist or is outside the user's scope."""
    contractor = session.get(Contractor, contractor_id)
    permissions.require(contractor is not None and permissions.can_view_contractor(actor, contractor), private=True)
    return contractor


def visible_contractors(session: so.Session, actor: User) -> list[Contractor]:
    query = sa.select(Contractor).order_by(Contractor.name)
    if permissions.acts_for_contractor(actor):
        query = query.where(Contractor.id == actor.contractor_id)
    elif not permissions.can_list_contractors(actor):
        return []
    return list(session.scalars(query))


@dataclass(frozen=True)
class WorkerStatus:
    """One of the company's current crew members and where they stand with the union."""

    worker: Worker
    crew: Crew
    joined_crew_on: dt.date
    status: str  # member | applied | none
    union_name: str | None
    since: dt.date | None


def workers_status(session: so.Session, actor: User, contractor: Contractor) -> list[WorkerStatus]:
    """The union status of the company's own current crew members, and nothing about anyone else."""
    permissions.require(permissions.can_view_contractor(actor, contractor), private=True)
    permissions.require(permissions.can_see_workers_status(actor, contractor))
    rows = session.execute(
        sa.select(CrewMember, Crew, Worker)
        .join(Crew, CrewMember.crew_id == Crew.id)
        .join(Worker, CrewMember.worker_id == Worker.id)
        .where(Crew.contractor_id == contractor.id, CrewMember.left_on.is_(None))
        .order_by(Crew.name, Worker.name, Worker.id)
    ).all()
    worker_ids = {w.id for _, _, w in rows}
    standing: dict[int, tuple[str, str, dt.date | None]] = {}
    for chunk in chunks(sorted(worker_ids)):
        for m, union_name in session.execute(
            sa.select(Membership, Union.name)
            .join(Union, Membership.union_id == Union.id)
            .where(Membership.worker_id.in_(chunk), Membership.state.in_(("active", "pending")))
            .order_by(Membership.id)
        ):
            if m.state == "active":
                standing[m.worker_id] = ("member", union_name, m.joined_on)
            elif standing.get(m.worker_id, ("none",))[0] != "member":
                standing[m.worker_id] = ("applied", union_name, m.applied_on)
    out = []
    for member, crew, worker in rows:
        status, union_name, since = standing.get(worker.id, ("none", None, None))
        out.append(WorkerStatus(worker, crew, member.joined_on, status, union_name, since))
    return out


def chunks(values: list, size: int = 900):
    """Slices small enough for one IN (...) on SQLite and PostgreSQL alike."""
    for i in range(0, len(values), size):
        yield values[i : i + size]
