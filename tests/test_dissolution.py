"""Dissolving a project union: guards, hand-over to the successor, one transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from projectunion.exceptions import InvalidTransition, ValidationError
from projectunion.lifecycle import union as union_lifecycle
from projectunion.models import Membership, StateChange, Union, WageCase
from projectunion.services import memberships, wage_cases

DAY = dt.date(2024, 3, 1)
END = dt.date(2025, 6, 30)


def completed_union(f, members: int = 3) -> Union:
    union = f.active_union(members=members, on=DAY)
    f.fire(union.project, "complete", on=dt.date(2025, 6, 1))
    assert union.state == "dissolving"
    return union


def test_completing_the_project_begins_the_unions_dissolution(f):
    union = completed_union(f)
    assert union.project.state == "completed"
    assert union.project.actual_end == dt.date(2025, 6, 1)


def test_halting_and_resuming_the_project_suspends_and_resumes_the_union(f):
    union = f.active_union(members=1)
    f.fire(union.project, "halt", on=dt.date(2024, 5, 1))
    assert union.state == "suspended"
    f.fire(union.project, "resume", on=dt.date(2024, 6, 1))
    assert union.state == "active"


def test_enrollment_closed_while_suspended(f):
    from projectunion.exceptions import EnrollmentClosed

    union = f.active_union(members=1)
    f.fire(union, "suspend", on=dt.date(2024, 5, 1))
    with pytest.raises(EnrollmentClosed):
        f.enroll(union, on=dt.date(2024, 5, 2))


def test_dissolve_refused_while_wage_case_open(f, db_session):
    regional = f.regional_union()
    union = completed_union(f)
    member = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).first()
    case = wage_cases.open_wage_case(
        db_session,
        f.admin,
        union,
        summary="拖欠三月工资",
        amount_claimed="12000",
        worker_ids=[member.worker_id],
        opened_on=dt.date(2025, 5, 1),
    )
    with pytest.raises(InvalidTransition) as info:
        f.fire(union, "dissolve", on=END)
    with force_locale("en"):  # the messages are Chinese by default
        assert "wage case" in str(info.value.message)
    assert union.state == "dissolving"
    assert member.state == "active"
    f.fire(case, "mediate", on=dt.date(2025, 5, 10))
    f.fire(case, "resolve", on=dt.date(2025, 6, 10), amount_recovered="11500.5")
    assert case.amount_recovered == Decimal("11500.50")
    f.fire(union, "dissolve", on=END)
    assert union.state == "dissolved"
    assert union.successor_union_id == regional.id


def test_dissolve_refused_with_pending_applications(f, db_session):
    f.regional_union()
    union = f.active_union(members=1)
    from tests.factories import id_number

    memberships.apply(db_session, union, id_number=id_number(), name="申请人", phone="13800138000")
    f.fire(union.project, "complete", on=dt.date(2025, 6, 1))
    with pytest.raises(InvalidTransition) as info:
        f.fire(union, "dissolve", on=END)
    with force_locale("en"):  # the messages are Chinese by default
        assert "pending" in str(info.value.message)


def test_dissolve_hands_2000_members_on_in_one_step(f, db_session):
    regional = f.regional_union()
    union = completed_union(f, members=1)
    f.bulk_members(union, 2000)
    old_ids = set(db_session.scalars(sa.select(Membership.id).where(Membership.union_id == union.id)))
    assert len(old_ids) == 2001

    f.fire(union, "dissolve", on=END)

    assert union.state == "dissolved" and union.dissolved_on == END
    old = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).all()
    assert {m.state for m in old} == {"transferred"}
    assert {m.ended_on for m in old} == {END}
    new = db_session.scalars(sa.select(Membership).where(Membership.union_id == regional.id)).all()
    assert len(new) == 2001
    assert {m.transferred_from_id for m in new} == old_ids
    assert all(m.state == "active" and m.joined_on == END and m.source == "dissolution" for m in new)
    by_old = {m.transferred_from_id: m.worker_id for m in new}
    assert all(by_old[m.id] == m.worker_id for m in old)
    # every membership transition is in the history
    transfers = db_session.scalar(
        sa.select(sa.func.count()).where(
            StateChange.machine == "membership", StateChange.event == "transfer", StateChange.object_id.in_(old_ids)
        )
    )
    creations = db_session.scalar(
        sa.select(sa.func.count()).where(
            StateChange.machine == "membership",
            StateChange.event == "create",
            StateChange.object_id.in_([m.id for m in new]),
        )
    )
    assert transfers == 2001 and creations == 2001
    # the dissolved union's roster stays readable
    assert db_session.scalar(sa.select(sa.func.count()).where(Membership.union_id == union.id)) == 2001


def test_dissolve_without_any_standing_union_ends_memberships(f, db_session):
    union = completed_union(f, members=2)
    f.fire(union, "dissolve", on=END)
    states = db_session.scalars(sa.select(Membership.state).where(Membership.union_id == union.id)).all()
    assert states == ["ended", "ended"]
    assert union.successor_union_id is None


def test_successor_defaults_to_town_then_district_regional_union(f, db_session):
    district_union = f.regional_union(town=f.huancui, name="环翠区区域工会")
    union = completed_union(f)
    assert union_lifecycle.default_successor(db_session, union).id == district_union.id
    town_union = f.regional_union()
    assert union_lifecycle.default_successor(db_session, union).id == town_union.id


def test_chosen_successor_and_per_member_decisions(f, db_session):
    f.regional_union()
    industry = f.regional_union(town=f.wendeng_town, name="文登区区域工会")
    union = completed_union(f, members=4)
    members = db_session.scalars(
        sa.select(Membership).where(Membership.union_id == union.id).order_by(Membership.id)
    ).all()
    other = f.regional_union(town=f.place("371082001"), name="宁津街道区域工会")
    decisions = {
        members[1].id: {"action": "end", "reason": "left_site"},
        members[2].id: {"action": "transfer", "to_union_id": other.id},
    }
    f.fire(union, "dissolve", on=END, successor_union_id=industry.id, decisions=decisions)
    db_session.expire_all()
    assert [m.state for m in members] == ["transferred", "ended", "transferred", "transferred"]
    assert members[1].end_reason == "left_site"
    dest = {
        m.transferred_from_id: m.union_id
        for m in db_session.scalars(sa.select(Membership).where(Membership.transferred_from_id.is_not(None)))
    }
    assert dest == {members[0].id: industry.id, members[2].id: other.id, members[3].id: industry.id}


def test_dissolution_date_before_a_member_joined_is_refused(f):
    f.regional_union()
    union = completed_union(f)
    with pytest.raises(ValidationError):
        f.fire(union, "dissolve", on=dt.date(2024, 1, 1))
    assert union.state == "dissolving"


def test_crash_half_way_through_dissolution_leaves_everything_as_it_was(f, db_session, monkeypatch):
    regional = f.regional_union()
    union = completed_union(f, members=1)
    f.bulk_members(union, 50)

    def crash(u):
        raise RuntimeError("disk full")

    monkeypatch.setattr(union_lifecycle, "_after_members_ended", crash)
    with pytest.raises(RuntimeError):
        f.fire(union, "dissolve", on=END)

    db_session.expire_all()
    assert db_session.get(Union, union.id).state == "dissolving"
    assert db_session.get(Union, union.id).dissolved_on is None
    states = db_session.scalars(sa.select(Membership.state).where(Membership.union_id == union.id)).all()
    assert set(states) == {"active"} and len(states) == 51
    assert db_session.scalar(sa.select(sa.func.count()).where(Membership.union_id == regional.id)) == 0
    assert not db_session.scalar(
        sa.select(sa.func.count()).where(StateChange.machine == "union", StateChange.event == "dissolve")
    )


def test_abandon_a_preparing_union_hands_members_on(f, db_session):
    regional = f.regional_union()
    union = f.started_union()
    member = f.enroll(union)
    f.fire(union, "abandon", on=dt.date(2024, 4, 1))
    assert union.state == "dissolved"
    db_session.refresh(member)
    assert member.state == "transferred"
    assert (
        db_session.scalars(sa.select(Membership).where(Membership.union_id == regional.id)).one().worker_id
        == member.worker_id
    )


def test_open_wage_case_count_ignores_resolved(f, db_session):
    union = f.active_union(members=1)
    w = db_session.scalars(sa.select(Membership.worker_id).where(Membership.union_id == union.id)).first()
    case = wage_cases.open_wage_case(
        db_session, f.admin, union, summary="s", amount_claimed="1", worker_ids=[w], opened_on=DAY
    )
    assert union_lifecycle.open_wage_cases(db_session, union) == 1
    f.fire(case, "escalate", on=DAY)
    f.fire(case, "resolve", on=DAY, amount_recovered="0")
    assert db_session.get(WageCase, case.id).state == "resolved"
    assert union_lifecycle.open_wage_cases(db_session, union) == 0
