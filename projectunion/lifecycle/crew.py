"""Crew machine: an open crew closes once it is off every site; its members leave that day."""

from __future__ import annotations

import sqlalchemy as sa

from projectunion.exceptions import Conflict, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import CREW
from projectunion.lifecycle.engine import Context, Lifecycle
from projectunion.models import Crew, CrewMember, SiteEntry


def off_every_site(crew: Crew, ctx: Context) -> None:
    on_site = ctx.session.scalar(
        sa.select(sa.func.count()).where(SiteEntry.crew_id == crew.id, SiteEntry.exited_on.is_(None))
    )
    if on_site:
        raise Conflict(_l("The crew is still on a site: record its exit (退场) before closing it."))


def not_before_creation(crew: Crew, ctx: Context) -> None:
    if ctx.on < crew.created_on:
        raise ValidationError({"on": _l("A crew cannot close before it was created.")})


def not_before_last_joining(crew: Crew, ctx: Context) -> None:
    latest_join = ctx.session.scalar(
        sa.select(sa.func.max(CrewMember.joined_on)).where(CrewMember.crew_id == crew.id, CrewMember.left_on.is_(None))
    )
    if latest_join is not None and ctx.on < latest_join:
        raise ValidationError({"on": _l("A member joined on %(date)s, after this date.", date=latest_join.isoformat())})


def members_leave(crew: Crew, ctx: Context) -> None:
    """Every current member's period ends on the closing day (one UPDATE, however large the crew)."""
    ctx.session.execute(
        sa.update(CrewMember)
        .where(CrewMember.crew_id == crew.id, CrewMember.left_on.is_(None))
        .values(left_on=ctx.on)
        .execution_options(synchronize_session=False)
    )
    crew.closed_on = ctx.on
    crew.leader_worker_id = None


LIFECYCLE = Lifecycle(
    CREW,
    guards={
        "off_every_site": off_every_site,
        "not_before_creation": not_before_creation,
        "not_before_last_joining": not_before_last_joining,
    },
    effects={"members_leave": members_leave},
)
