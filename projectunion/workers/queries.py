"""Reading one worker: origin from the ID number, memberships across unions, crews, cases, services."""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlalchemy.orm as so
from stdnum import numdb

from projectunion.models import Crew, CrewMember, Membership, ServiceRecord, WageCase, Worker, wage_case_workers
from projectunion.realname import PROVINCES

_YEARS = re.compile(r"^\[[0-9-]*\]")


def origin(worker: Worker, *, county: bool = False) -> str:
    """The province of the place that issued the ID number; with ``county`` (for those who may
    reveal the number) the county too, e.g. 河南省 浉河区. The county with the birth date and
    the masked number would leave only a few candidates for the full number."""
    parts = [PROVINCES.get(worker.origin_province_code, worker.origin_province_code)]
    if not county:
        return parts[0]
    for _code, props in numdb.get("cn/loc").info(worker.region_code)[1:]:
        if "county" in props:
            parts.append(_YEARS.sub("", props["county"]))
    return " ".join(parts)


def memberships(session: so.Session, worker: Worker) -> list[tuple[Membership, Membership | None]]:
    """Every membership, oldest first, each with the membership it was handed on to (if any)."""
    rows = list(
        session.scalars(
            sa.select(Membership)
            .where(Membership.worker_id == worker.id)
            .options(so.selectinload(Membership.union), so.selectinload(Membership.transferred_from))
            .order_by(sa.func.coalesce(Membership.joined_on, Membership.applied_on), Membership.id)
        )
    )
    successor = {m.transferred_from_id: m for m in rows if m.transferred_from_id}
    return [(m, successor.get(m.id)) for m in rows]


def crews(session: so.Session, worker: Worker) -> list[CrewMember]:
    return list(
        session.scalars(
            sa.select(CrewMember).where(CrewMember.worker_id == worker.id).order_by(CrewMember.joined_on.desc())
        )
    )


def wage_cases(session: so.Session, worker: Worker) -> list[WageCase]:
    return list(
        session.scalars(
            sa.select(WageCase)
            .join(wage_case_workers, wage_case_workers.c.wage_case_id == WageCase.id)
            .where(wage_case_workers.c.worker_id == worker.id)
            .order_by(WageCase.opened_on.desc())
        )
    )


def services(session: so.Session, worker: Worker) -> list[ServiceRecord]:
    return list(
        session.scalars(
            sa.select(ServiceRecord)
            .where(ServiceRecord.worker_id == worker.id)
            .order_by(ServiceRecord.served_on.desc())
        )
    )


def crew_contacts(
    session: so.Session, worker_ids: list[int], contractor_id: int
) -> dict[int, tuple[str | None, str | None]]:
    """Phone and trade as the company's own crews recorded them (the newest record), by worker."""
    rows = session.scalars(
        sa.select(CrewMember)
        .join(Crew, CrewMember.crew_id == Crew.id)
        .where(CrewMember.worker_id.in_(worker_ids), Crew.contractor_id == contractor_id)
        .order_by(CrewMember.joined_on, CrewMember.id)
    )
    return {m.worker_id: (m.phone, m.trade) for m in rows}
