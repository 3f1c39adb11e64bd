"""Invariants the database itself enforces, whatever code writes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from projectunion.models import Membership, Project

DAY, LATER = dt.date(2023, 5, 1), dt.date(2023, 8, 1)


def test_second_active_membership_rejected_by_the_database(f, db_session):
    union = f.active_union(members=1)
    m = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).one()
    other = f.regional_union()
    with pytest.raises(sa_exc.IntegrityError), db_session.begin_nested():
        db_session.execute(
            Membership.__table__.insert().values(
                worker_id=m.worker_id,
                union_id=other.id,
                state="active",
                applied_on=dt.date(2024, 5, 1),
                joined_on=dt.date(2024, 5, 1),
                source="officer",
                wants_transfer=False,
                created_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
            )
        )


def test_ended_memberships_do_not_count_against_the_one_active_rule(f, db_session):
    union = f.active_union(members=1)
    m = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).one()
    other = f.regional_union()
    ended = {
        "worker_id": m.worker_id,
        "state": "ended",
        "source": "officer",
        "wants_transfer": False,
        "created_at": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    }
    # Two ended memberships beside the active one: the database takes both.
    with db_session.begin_nested():
        db_session.execute(
            Membership.__table__.insert(),
            [
                {**ended, "union_id": other.id, "applied_on": DAY, "joined_on": DAY, "ended_on": dt.date(2023, 6, 1)},
                {
                    **ended,
                    "union_id": other.id,
                    "applied_on": LATER,
                    "joined_on": LATER,
                    "ended_on": dt.date(2023, 9, 1),
                },
            ],
        )
    states = db_session.scalars(
        sa.select(Membership.state).where(Membership.worker_id == m.worker_id).order_by(Membership.id)
    ).all()
    assert states == ["active", "ended", "ended"]


def test_duplicate_permit_number_rejected_by_the_database(f, db_session):
    p = f.project()
    with pytest.raises(sa_exc.IntegrityError), db_session.begin_nested():
        db_session.add(Project(name="x", permit_no=p.permit_no, town_id=p.town_id, state="planned"))
        db_session.flush()


def test_duplicate_permit_number_refused_with_a_clear_message(f):
    from projectunion.exceptions import ValidationError

    p = f.project()
    with pytest.raises(ValidationError) as info:
        f.project(permit_no=p.permit_no.lower())
    assert "permit_no" in info.value.fields


def test_unknown_state_rejected_by_a_check_constraint(f, db_session):
    p = f.project()
    with pytest.raises(sa_exc.IntegrityError), db_session.begin_nested():
        db_session.execute(sa.update(Project).where(Project.id == p.id).values(state="demolished"))


def test_foreign_keys_are_enforced(f, db_session):
    with pytest.raises(sa_exc.IntegrityError), db_session.begin_nested():
        db_session.add(Project(name="x", permit_no="NOPE-1", town_id=999999, state="planned"))
        db_session.flush()
