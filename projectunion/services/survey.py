"""The survey (摸排), level by level: the worklists of city, district and town staff, a site's
not-yet-enrolled workers for its officer (enroll with recorded consent, mark declined), and
yearly enrollment targets. Every number comes from ``projectunion.reporting.coverage``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, has_app_context

from projectunion import permissions, reporting
from projectunion.dates import today
from projectunion.exceptions import Conflict, PermissionDenied, ValidationError
from projectunion.i18n import _l
from projectunion.models import Crew, EnrollmentTarget, Jurisdiction, Membership, Project, SurveyDecline, User
from projectunion.reporting import coverage
from projectunion.services import site_entries
from projectunion.services.transaction import audit, unit_of_work

TARGET_MAX = 10_000_000


def _config(key: str, default: int) -> int:
    return int(current_app.config.get(key, default)) if has_app_context() else default


def grace_days() -> int:
    """Days after the start by which a site's union should be founded (``SURVEY_FOUNDING_GRACE_DAYS``)."""
    return _config(coverage.GRACE_DAYS_KEY, coverage.GRACE_DAYS_DEFAULT)


def declined_days() -> int:
    """Days a worker who declined stays off the site's worklist (``SURVEY_DECLINED_DAYS``)."""
    return _config(coverage.DECLINED_DAYS_KEY, coverage.DECLINED_DAYS_DEFAULT)


def _day(on: dt.date | None) -> dt.date:
    on = on or today()
    if on > today():
        raise ValidationError({"as_of": _l("The as-of date cannot be in the future.")})
    return on


def resolve_scope(session: so.Session, actor: User | None, code: str | None = None) -> Jurisdiction | None:
    """The jurisdiction of a worklist: the actor's own by default (or the whole city); never one outside it."""
    if actor is not None and not permissions.can_view_survey(actor):
        raise PermissionDenied(_l("Only union and city staff can see the survey."))
    return reporting.resolve_scope(session, actor, code)


# --- the staff's worklists ----------------------------------------------------------


def sites_without_union(
    session: so.Session, actor: User | None, scope: Jurisdiction | None, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Sites under construction whose union is not founded, started at least the grace period before D."""
    on = _day(on)
    rows, _label = coverage.sites_list(
        session, on, coverage.Filter(scope), which="sites_not_founded", min_days=grace_days()
    )
    return rows


def sites_not_started(
    session: so.Session, actor: User | None, scope: Jurisdiction | None, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Projects registered but not started on D (listed apart: nobody is on site to enroll yet)."""
    rows, _label = coverage.sites_list(session, _day(on), coverage.Filter(scope), which="not_started")
    return rows


# --- a site's not-yet-enrolled workers -------------------------------------------------


def require_site(actor: User, project: Project) -> None:
    permissions.require(permissions.can_view_site_survey(actor, project), private=True)


def not_enrolled(
    session: so.Session, actor: User, project: Project, on: dt.date | None = None, *, hide_declined: bool = True
) -> list[dict[str, Any]]:
    """The site's workers on D without a membership in force; those who declined lately are left out."""
    require_site(actor, project)
    rows, _label = coverage.workers_list(
        session,
        _day(on),
        coverage.Filter(project_id=project.id),
        which="workers_not_members",
        declined_days=declined_days(),
        hide_declined=hide_declined,
    )
    return rows


def site_totals(session: so.Session, actor: User, project: Project, on: dt.date | None = None) -> dict[str, Any]:
    require_site(actor, project)
    return coverage.coverage_totals(session, _day(on), coverage.Filter(project_id=project.id))


def _on_site_row(session: so.Session, actor: User, project: Project, worker_id: int) -> dict[str, Any]:
    """The worker's row among the site's not-yet-enrolled workers today, or a clear refusal."""
    require_site(actor, project)
    permissions.require(permissions.can_work_site_survey(actor, project))
    for row in not_enrolled(session, actor, project, hide_declined=False):
        if row["worker_id"] == worker_id:
            return row
    raise Conflict(_l("This worker is not on the site today, or is already a member."))


def enroll(
    session: so.Session,
    actor: User,
    project: Project,
    worker_id: int,
    *,
    consent: str = "paper",
    joined_on: dt.date | None = None,
) -> Membership:
    """Enroll one worker of the site with their recorded consent, through the crew enrollment service."""
    row = _on_site_row(session, actor, project, worker_id)
    crew = session.get(Crew, row["crew_id"])
    (membership,) = site_entries.enroll_from_crew(
        session, actor, project, crew, worker_ids=[worker_id], consent=consent, joined_on=joined_on
    )
    return membership


def decline(
    session: so.Session, actor: User, project: Project, worker_id: int, declined_on: dt.date | None = None
) -> SurveyDecline:
    """Record that a worker on the site said no, on a date: they leave the worklist for a while."""
    row = _on_site_row(session, actor, project, worker_id)
    declined_on = declined_on or today()
    if declined_on > today():
        raise ValidationError({"declined_on": _l("The date cannot be in the future.")})
    if declined_on < row["entered_on"]:
        raise ValidationError(
            {"declined_on": _l("The worker entered the site on %(date)s.", date=row["entered_on"].isoformat())}
        )
    with unit_of_work(session):
        mark = SurveyDecline(
            project_id=project.id, worker_id=worker_id, declined_on=declined_on, recorded_by_id=actor.id
        )
        session.add(mark)
        session.flush()
        audit(session, actor, "survey_decline", mark, project_id=project.id, worker_id=worker_id, on=declined_on)
    return mark


# --- targets ----------------------------------------------------------------------------


def set_target(
    session: so.Session, actor: User, jurisdiction: Jurisdiction, year: int, target: int
) -> EnrollmentTarget:
    """The yearly enrollment target of a jurisdiction (set again: replaced, and the change audited)."""
    permissions.require(permissions.can_set_enrollment_target(actor, jurisdiction))
    errors: dict[str, Any] = {}
    if not isinstance(target, int) or not 0 < target <= TARGET_MAX:
        errors["target"] = _l("The target is a number of new members, from 1 to %(max)s.", max=f"{TARGET_MAX:,}")
    if not isinstance(year, int) or not 2000 <= year <= today().year + 1:
        errors["year"] = _l("Choose a year up to next year.")
    if errors:
        raise ValidationError(errors)
    existing = session.scalars(
        sa.select(EnrollmentTarget).where(
            EnrollmentTarget.jurisdiction_id == jurisdiction.id, EnrollmentTarget.year == year
        )
    ).first()
    with unit_of_work(session):
        if existing is None:
            existing = EnrollmentTarget(jurisdiction_id=jurisdiction.id, year=year, target=target, set_by_id=actor.id)
            session.add(existing)
        else:
            existing.target, existing.set_by_id = target, actor.id
        session.flush()
        audit(
            session, actor, "set_enrollment_target", existing, jurisdiction=jurisdiction.code, year=year, target=target
        )
    return existing


@dataclass(frozen=True)
class Progress:
    jurisdiction: Jurisdiction
    year: int
    target: int | None
    new_members: int
    on: dt.date

    @property
    def ratio(self) -> Decimal | None:
        return coverage.rate(self.new_members, self.target or 0)


def progress(session: so.Session, scope: Jurisdiction | None, on: dt.date | None = None) -> Progress | None:
    """New members this year (as of D) against the year's target of the jurisdiction (the city by default)."""
    on = _day(on)
    place = scope or reporting.city(session)
    if place is None:
        return None
    target = session.scalar(
        sa.select(EnrollmentTarget.target).where(
            EnrollmentTarget.jurisdiction_id == place.id, EnrollmentTarget.year == on.year
        )
    )
    period = reporting.Period(dt.date(on.year, 1, 1), dt.date(on.year, 12, 31), on)
    totals = reporting.totals(session, period, scope, reporting.select_metrics(["new_members"]))
    return Progress(place, on.year, target, int(totals.total.values["new_members"]), on)


def targets(session: so.Session, actor: User, year: int) -> list[EnrollmentTarget]:
    """The year's targets the actor may see."""
    query = (
        sa.select(EnrollmentTarget)
        .join(Jurisdiction, Jurisdiction.id == EnrollmentTarget.jurisdiction_id)
        .where(EnrollmentTarget.year == year)
        .options(so.contains_eager(EnrollmentTarget.jurisdiction))
        .order_by(Jurisdiction.path)
    )
    return [t for t in session.scalars(query) if permissions.can_view_survey(actor, t.jurisdiction)]
