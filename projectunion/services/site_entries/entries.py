"""Site entry and exit (进场 / 退场) of crews and single workers, and who sees which site.

A contractor sends its own crews onto any site that is planned or under
construction; union officers and staff record entries and exits on the
projects they manage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import Conflict, ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Crew, Project, SiteEntry, User, Worker
from projectunion.permissions import ENTRY_OPEN_STATES
from projectunion.services import crews as crew_service
from projectunion.services.transaction import audit, unit_of_work

# --- scope --------------------------------------------------------------------


def get_entry(session: so.Session, actor: User, entry_id: int) -> SiteEntry:
    entry = session.get(SiteEntry, entry_id)
    permissions.require(entry is not None and permissions.can_view_entry(actor, entry), private=True)
    return entry


def get_project(session: so.Session, actor: User, project_id: int) -> Project:
    """A project for the site pages: visible on the union side; for a contractor,
    a site open for entry or one its crews have been on."""
    project = session.get(Project, project_id)
    permissions.require(project is not None and permissions.can_view_site(session, actor, project), private=True)
    return project


@dataclass(frozen=True)
class SiteRow:
    project: Project
    crews_on_site: int


def site_list(session: so.Session, actor: User) -> list[SiteRow]:
    """Sites for the user: the union side's projects in scope that are not finished or that
    still have someone on site; a contractor's, where its crews are or were."""
    on_site = (
        sa.select(SiteEntry.project_id, sa.func.count().label("n"))
        .where(SiteEntry.exited_on.is_(None))
        .group_by(SiteEntry.project_id)
        .subquery()
    )
    query = (
        sa.select(Project, sa.func.coalesce(on_site.c.n, 0))
        .outerjoin(on_site, on_site.c.project_id == Project.id)
        .order_by(Project.name, Project.id)
    )
    if permissions.acts_for_contractor(actor):
        query = query.where(
            Project.id.in_(
                sa.select(SiteEntry.project_id)
                .join(Crew, SiteEntry.crew_id == Crew.id)
                .where(Crew.contractor_id == actor.contractor_id)
            )
        )
        return [SiteRow(p, n) for p, n in session.execute(query)]
    query = query.where(sa.or_(Project.state.in_(ENTRY_OPEN_STATES + ("halted",)), on_site.c.n > 0))
    return [SiteRow(p, n) for p, n in session.execute(query) if permissions.can_view_project(actor, p)]


def crews_to_send(session: so.Session) -> list[Crew]:
    """Open crews of every company, for a union officer recording an entry."""
    return list(
        session.scalars(
            sa.select(Crew)
            .join(Crew.contractor)
            .where(Crew.state == "open")
            .options(so.contains_eager(Crew.contractor))
            .order_by(Contractor.name, Crew.name)
        )
    )


def sites_open_for_entry(session: so.Session, actor: User) -> list[Project]:
    """Projects a crew can be sent onto: planned or under construction (and managed, on the union side)."""
    projects = session.scalars(
        sa.select(Project).where(Project.state.in_(ENTRY_OPEN_STATES)).order_by(Project.name, Project.id)
    ).all()
    return [p for p in projects if permissions.can_send_crews_to(actor, p)]


def entries_for_project(session: so.Session, actor: User, project: Project) -> list[SiteEntry]:
    """The project's entries the user may see: all on the union side, their own crews' for a contractor."""
    query = (
        sa.select(SiteEntry)
        .where(SiteEntry.project_id == project.id)
        .options(so.joinedload(SiteEntry.crew).joinedload(Crew.contractor), so.joinedload(SiteEntry.worker))
        .order_by(SiteEntry.exited_on.is_not(None), SiteEntry.entered_on.desc(), SiteEntry.id.desc())
    )
    if permissions.acts_for_contractor(actor):
        query = query.join(Crew, SiteEntry.crew_id == Crew.id).where(Crew.contractor_id == actor.contractor_id)
    elif not permissions.can_view_project(actor, project):
        return []
    return list(session.scalars(query).unique())


def entries_for_crew(session: so.Session, actor: User, crew: Crew) -> list[SiteEntry]:
    permissions.require(permissions.can_view_crew(actor, crew), private=True)
    entries = session.scalars(
        sa.select(SiteEntry)
        .where(SiteEntry.crew_id == crew.id)
        .options(so.joinedload(SiteEntry.worker))
        .order_by(SiteEntry.entered_on.desc(), SiteEntry.id.desc())
    ).all()
    if permissions.acts_for_contractor(actor):
        return list(entries)
    return [e for e in entries if permissions.can_view_project(actor, e.project)]


# --- entry and exit ---------------------------------------------------------


def _open_entries(session: so.Session, project_id: int):
    return sa.select(SiteEntry).where(SiteEntry.project_id == project_id, SiteEntry.exited_on.is_(None))


def enter_site(
    session: so.Session,
    actor: User,
    project: Project,
    *,
    crew: Crew,
    worker: Worker | None = None,
    entered_on: dt.date | None = None,
) -> SiteEntry:
    """A crew (or one of its current members alone) enters the project's site."""
    permissions.require(permissions.can_view_crew(actor, crew), private=True)
    permissions.require(permissions.can_record_entry(actor, project, crew))
    crew_service.require_open(crew)
    if project.state not in ENTRY_OPEN_STATES:
        raise Conflict(
            _l(
                "Crews can only enter a site that is planned or under construction (this one is %(state)s).",
                state=project.state,
            )
        )
    entered_on = entered_on or today()
    if entered_on > today():
        raise ValidationError({"entered_on": _l("The date cannot be in the future.")})
    if entered_on < crew.created_on:
        raise ValidationError({"entered_on": _l("The crew did not exist yet on this date.")})
    crew_on_site = session.scalars(
        _open_entries(session, project.id).where(SiteEntry.crew_id == crew.id, SiteEntry.worker_id.is_(None))
    ).first()
    if crew_on_site is not None:
        raise Conflict(
            _l(
                "The crew “%(crew)s” has been on this site since %(date)s.",
                crew=crew.name,
                date=crew_on_site.entered_on.isoformat(),
            )
        )
    if worker is not None:
        if crew_service.current_member(session, crew, worker.id) is None:
            raise ValidationError({"worker_id": _l("The worker must be a current member of the crew.")})
        alone = session.scalars(_open_entries(session, project.id).where(SiteEntry.worker_id == worker.id)).first()
        if alone is not None:
            raise Conflict(_l("This worker has been on this site since %(date)s.", date=alone.entered_on.isoformat()))
    with unit_of_work(session):
        entry = SiteEntry(project=project, crew=crew, worker=worker, entered_on=entered_on)
        session.add(entry)
        session.flush()
        audit(
            session,
            actor,
            "enter_site",
            entry,
            project_id=project.id,
            crew_id=crew.id,
            worker_id=getattr(worker, "id", None),
            on=entered_on,
        )
    return entry


def exit_site(session: so.Session, actor: User, entry: SiteEntry, exited_on: dt.date | None = None) -> SiteEntry:
    """Record the exit; the members it affects then wait for the officer's decision."""
    permissions.require(permissions.can_view_entry(actor, entry), private=True)
    permissions.require(permissions.can_record_entry(actor, entry.project, entry.crew))
    if entry.exited_on is not None:
        raise Conflict(_l("This exit was already recorded on %(date)s.", date=entry.exited_on.isoformat()))
    exited_on = exited_on or today()
    if exited_on > today():
        raise ValidationError({"exited_on": _l("The date cannot be in the future.")})
    if exited_on < entry.entered_on:
        raise ValidationError(
            {"exited_on": _l("The exit cannot be before the entry (%(date)s).", date=entry.entered_on.isoformat())}
        )
    with unit_of_work(session):
        entry.exited_on = exited_on
        audit(session, actor, "exit_site", entry, on=exited_on)
    return entry


def crew_on_site(session: so.Session, project: Project, crew: Crew) -> SiteEntry | None:
    return session.scalars(
        _open_entries(session, project.id).where(SiteEntry.crew_id == crew.id, SiteEntry.worker_id.is_(None))
    ).first()
