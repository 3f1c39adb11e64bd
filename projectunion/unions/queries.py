"""Reading a union's roster: tabs, search by name / last ID digits / phone, counts."""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.models import Membership, Union, Worker
from projectunion.protection import protector
from projectunion.realname import RealNameError, normalize_phone, parse_id_number

TABS = {
    "active": ("active",),
    "pending": ("pending",),
    "ended": ("ended", "transferred", "handed_on"),
    "rejected": ("rejected",),
}

_ID_TAIL = re.compile(r"[0-9]{1,3}[0-9X]?")
_FULL_ID = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS = re.compile(r"(?:\+?86)?[0-9]{5,11}")


def worker_search(q: str | None) -> sa.ColumnElement[bool] | None:
    """Name contains; or the last ID digits (1–4, X allowed); or the whole phone number; or the
    full ID number (by its keyed digest: the number itself is stored only encrypted)."""
    text = (q or "").strip()
    if not text:
        return None
    compact = re.sub(r"[\s-]", "", text).upper()
    if _FULL_ID.fullmatch(compact):
        try:
            number = parse_id_number(compact).number
        except RealNameError:
            return sa.false()
        return Worker.id_digest == protector().digest(number)
    if _ID_TAIL.fullmatch(compact):
        return Worker.id_last4.endswith(compact)
    if _DIGITS.fullmatch(compact):
        # Phones are stored encrypted: only the whole number is found (by its keyed digest).
        try:
            phone = normalize_phone(compact)
        except RealNameError:
            return sa.false()
        return Worker.phone_digest == protector().phone_digest(phone)
    return Worker.name.contains(text)


def roster(union: Union, tab: str, q: str | None) -> sa.Select:
    query = (
        sa.select(Membership)
        .join(Worker, Membership.worker_id == Worker.id)
        .where(Membership.union_id == union.id, Membership.state.in_(TABS[tab]))
        .options(
            so.contains_eager(Membership.worker),
            so.selectinload(Membership.transferred_from).selectinload(Membership.union),
        )
    )
    if (condition := worker_search(q)) is not None:
        query = query.where(condition)
    if tab == "pending":
        return query.order_by(Membership.applied_on, Membership.id)
    if tab == "active":
        return query.order_by(Membership.joined_on.desc(), Membership.id.desc())
    return query.order_by(Membership.ended_on.desc(), Membership.id.desc())


def counts(session: so.Session, union: Union) -> dict[str, int]:
    by_state = dict(
        session.execute(
            sa.select(Membership.state, sa.func.count(Membership.id))
            .where(Membership.union_id == union.id)
            .group_by(Membership.state)
        ).all()
    )
    return {tab: sum(by_state.get(s, 0) for s in states) for tab, states in TABS.items()}


def counts_for(session: so.Session, union_ids: list[int]) -> dict[int, dict[str, int]]:
    """Active and pending counts of several unions (one page of a list) in one query."""
    out: dict[int, dict[str, int]] = {i: {} for i in union_ids}
    rows = session.execute(
        sa.select(Membership.union_id, Membership.state, sa.func.count(Membership.id))
        .where(Membership.union_id.in_(union_ids), Membership.state.in_(("active", "pending")))
        .group_by(Membership.union_id, Membership.state)
    )
    for union_id, state, n in rows:
        out[union_id][state] = n
    return out


def successors_of(session: so.Session, memberships: list[Membership]) -> dict[int, Membership]:
    """Where each transferred membership or handed-on application went (the membership that links back to it)."""
    moved = [m.id for m in memberships if m.state == "transferred"]
    handed = [m.id for m in memberships if m.state == "handed_on"]
    if not (moved or handed):
        return {}
    rows = session.scalars(
        sa.select(Membership)
        .where(sa.or_(Membership.transferred_from_id.in_(moved), Membership.application_id.in_(handed)))
        .options(so.selectinload(Membership.union))
    )
    out = {}
    for m in rows:
        if m.transferred_from_id in moved:
            out[m.transferred_from_id] = m
        if m.application_id in handed:
            out[m.application_id] = m
    return out


def active_elsewhere(session: so.Session, memberships: list[Membership]) -> dict[int, Membership]:
    """For pending applications: the worker's current active membership in another union, if any."""
    if not memberships:
        return {}
    current = {
        m.worker_id: m
        for m in session.scalars(
            sa.select(Membership)
            .where(Membership.worker_id.in_([m.worker_id for m in memberships]), Membership.state == "active")
            .options(so.selectinload(Membership.union))
        )
    }
    return {
        m.id: current[m.worker_id]
        for m in memberships
        if m.worker_id in current and current[m.worker_id].union_id != m.union_id
    }


def active_members(session: so.Session, union: Union, q: str | None = None, limit: int = 500) -> list[Membership]:
    query = (
        sa.select(Membership)
        .join(Worker, Membership.worker_id == Worker.id)
        .where(Membership.union_id == union.id, Membership.state == "active")
        .options(so.contains_eager(Membership.worker))
        .order_by(Worker.name, Membership.id)
        .limit(limit)
    )
    if (condition := worker_search(q)) is not None:
        query = query.where(condition)
    return list(session.scalars(query))
