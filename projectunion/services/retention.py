"""Retention: the personal data of people whose union history ended with a dissolved project union
long ago is anonymised, never deleted, so that every total stays what it was.

Who: a worker with a membership in a project union dissolved at least
``years`` ago, no membership active or pending, and nothing about them dated
after the cut-off day (a membership that ended or was applied for, a crew
they were in, a service, a wage case). What: the name becomes
:data:`ANONYMISED_NAME`, the phone and the encrypted number are cleared, the
digest is replaced (the number no longer finds the row), the mask is blanked,
the birth date keeps only its year and the place of origin only its province.
Kept, because the totals count them: the rows themselves, every membership
with its dates, the trade, the gender and the province of origin.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.dates import city_tz
from projectunion.models import (
    AuditEvent,
    CrewMember,
    Membership,
    ServiceRecord,
    Union,
    WageCase,
    Worker,
)
from projectunion.models.wage_cases import wage_case_workers
from projectunion.models.workers import ANONYMISED_DIGEST_PREFIX
from projectunion.services.transaction import unit_of_work

ANONYMISED_NAME = "已匿名"
DIGEST_PREFIX = ANONYMISED_DIGEST_PREFIX
YEARS_KEY, YEARS_DEFAULT = "RETENTION_YEARS", 5


def cutoff(today: dt.date, years: int) -> dt.date:
    """The day ``years`` before ``today`` (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def is_anonymised(worker: Worker) -> bool:
    return worker.anonymised


def anonymised_on(session: so.Session, worker: Worker) -> dt.date | None:
    """The day the worker was anonymised (the run's day; a run before it was recorded: the audit's date)."""
    if not is_anonymised(worker):
        return None
    event = session.scalars(
        sa.select(AuditEvent)
        .where(
            AuditEvent.action == "anonymise_worker",
            AuditEvent.object_type == "workers",
            AuditEvent.object_id == worker.id,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    if isinstance(on := (event.data or {}).get("on"), str):
        return dt.date.fromisoformat(on)
    moment = event.at if event.at.tzinfo else event.at.replace(tzinfo=dt.UTC)
    return moment.astimezone(city_tz()).date()


def _due(cut: dt.date) -> sa.Select:
    w = Worker.__table__
    m = Membership.__table__
    u = Union.__table__

    def none(select: sa.Select) -> sa.ColumnElement[bool]:
        return ~sa.exists(select)

    return (
        sa.select(w.c.id)
        .where(
            ~w.c.id_digest.startswith(DIGEST_PREFIX),
            sa.exists(
                sa.select(m.c.id)
                .join(u, u.c.id == m.c.union_id)
                .where(
                    m.c.worker_id == w.c.id,
                    u.c.kind == "project",
                    u.c.state == "dissolved",
                    u.c.dissolved_on <= cut,
                )
            ),
            none(
                sa.select(m.c.id).where(
                    m.c.worker_id == w.c.id,
                    sa.or_(m.c.state.in_(("active", "pending")), m.c.ended_on > cut, m.c.applied_on > cut),
                )
            ),
            none(
                sa.select(CrewMember.id).where(
                    CrewMember.worker_id == w.c.id,
                    sa.or_(CrewMember.left_on.is_(None), CrewMember.left_on > cut),
                )
            ),
            none(sa.select(ServiceRecord.id).where(ServiceRecord.worker_id == w.c.id, ServiceRecord.served_on > cut)),
            none(
                sa.select(WageCase.id)
                .join(wage_case_workers, wage_case_workers.c.wage_case_id == WageCase.id)
                .where(
                    wage_case_workers.c.worker_id == w.c.id,
                    sa.or_(WageCase.resolved_on.is_(None), WageCase.resolved_on > cut, WageCase.opened_on > cut),
                )
            ),
        )
        .order_by(w.c.id)
    )


def due_workers(session: so.Session, today: dt.date, years: int) -> list[int]:
    """The ids of the workers the rule anonymises on ``today``."""
    return list(session.scalars(_due(cutoff(today, years))))


@dataclass(frozen=True)
class RetentionRun:
    cutoff: dt.date
    worker_ids: list[int]
    applied: bool


def anonymise_due(session: so.Session, actor, *, today: dt.date, years: int, dry_run: bool = False) -> RetentionRun:
    """Anonymise every worker due on ``today`` in one transaction, one audit event each."""
    if years < 1:
        raise ValueError("the retention period is at least one year")
    cut = cutoff(today, years)
    ids = due_workers(session, today, years)
    if dry_run or not ids:
        return RetentionRun(cut, ids, applied=False)
    with unit_of_work(session):
        for worker in session.scalars(sa.select(Worker).where(Worker.id.in_(ids)).order_by(Worker.id)):
            _anonymise(worker)
        session.execute(
            sa.update(ServiceRecord).where(ServiceRecord.worker_id.in_(ids)).values(note=None),
            execution_options={"synchronize_session": False},
        )
        actor_id = getattr(actor, "id", None)
        data = {"rule": "dissolved_union_retention", "years": years, "cutoff": cut.isoformat(), "on": today.isoformat()}
        session.add_all(
            AuditEvent(actor_id=actor_id, action="anonymise_worker", object_type="workers", object_id=i, data=data)
            for i in ids
        )
        session.add(
            AuditEvent(
                actor_id=actor_id,
                action="retention_run",
                object_type="system",
                object_id=None,
                data={**data, "workers": len(ids)},
            )
        )
    return RetentionRun(cut, ids, applied=True)


def _anonymise(worker: Worker) -> None:
    worker.name = ANONYMISED_NAME
    worker.phone = None
    worker.id_encrypted = ""
    worker.id_digest = DIGEST_PREFIX + secrets.token_hex(16)
    worker.id_masked = "*" * 18
    worker.id_last4 = ""
    worker.birth_date = dt.date(worker.birth_date.year, 1, 1)
    worker.region_code = worker.origin_province_code + "0000"
