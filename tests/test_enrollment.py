"""Enrolling real-name workers: one person once, one active membership, transfers linked."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from projectunion.exceptions import (
    AlreadyMember,
    EnrollmentClosed,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
)
from projectunion.models import AuditEvent, Membership, StateChange, Union, Worker
from projectunion.services import memberships, workers
from tests.factories import id_number

DAY = dt.date(2024, 3, 2)


def _ending_in_x() -> str:
    """A valid ID number whose check character is X."""
    return next(n for seq in range(1000) if (n := id_number(seq=seq)).endswith("X"))


def test_worker_appears_once_however_often_enrolled(f, db_session):
    number = _ending_in_x()
    first = f.active_union(members=1)
    m1 = f.enroll(first, id_number=number, name="张三", on=DAY)
    f.fire(m1, "end", on=dt.date(2024, 5, 1), reason="left_site")
    second = f.active_union(members=1)
    # As typed on a phone: full-width digits and a lower-case x.
    typed = number[:-1].translate({ord(d): ord(d) - ord("0") + 0xFF10 for d in "0123456789"}) + "x"
    assert typed.endswith("x") and not any("0" <= c <= "9" for c in typed)
    m2 = f.enroll(second, id_number=typed, name="张三", on=dt.date(2024, 6, 1))
    assert m1.worker_id == m2.worker_id
    assert db_session.scalar(sa.select(sa.func.count()).where(Worker.name == "张三")) == 1
    assert workers.reveal_id_number(db_session, f.admin, m2.worker) == number


def test_worker_fields_are_derived_from_the_id_number_and_protected(f, db_session):
    number = id_number(region="511521", birth=dt.date(1979, 11, 23), seq=346)
    m = f.enroll(f.active_union(), id_number=number, name="李·阿木", phone="+86 138-0013-8000", trade="钢筋工")
    w = m.worker
    assert (w.birth_date, w.gender, w.origin_province_code) == (dt.date(1979, 11, 23), "F", "51")
    assert w.phone == "13800138000"
    assert w.id_masked == number[:2] + "*" * 14 + number[-2:]
    assert number not in (w.id_digest, w.id_encrypted)
    assert workers.find_by_id_number(db_session, number).id == w.id


def test_enroll_elsewhere_refused_without_transfer_and_says_where(f, db_session):
    number = id_number()
    first = f.active_union(members=1)
    f.enroll(first, id_number=number, name="王五")
    second = f.active_union(members=1)
    with pytest.raises(AlreadyMember) as info:
        f.enroll(second, id_number=number, name="王五", on=dt.date(2024, 4, 1))
    assert info.value.union_id == first.id
    assert info.value.status == 409 and info.value.code == "already_member"
    assert db_session.scalar(sa.select(sa.func.count()).where(Membership.union_id == second.id)) == 1


def test_transfer_moves_the_worker_and_links_the_memberships(f, db_session):
    number = id_number()
    first = f.active_union(members=1)
    old = f.enroll(first, id_number=number, name="王五", on=DAY)
    second = f.active_union(members=1)
    new = f.enroll(second, id_number=number, name="王五", on=dt.date(2024, 4, 1), transfer=True)
    db_session.refresh(old)
    assert (old.state, old.ended_on) == ("transferred", dt.date(2024, 4, 1))
    assert (new.state, new.joined_on, new.transferred_from_id) == ("active", dt.date(2024, 4, 1), old.id)
    events = db_session.scalars(
        sa.select(StateChange.event)
        .where(StateChange.machine == "membership", StateChange.object_id == old.id)
        .order_by(StateChange.id)
    ).all()
    assert events == ["create", "approve", "transfer"]


def test_transfer_service_opens_linked_membership(f, db_session):
    first = f.active_union(members=2)
    m = db_session.scalars(sa.select(Membership).where(Membership.union_id == first.id)).all()[1]
    regional = f.regional_union()
    new = memberships.transfer_membership(db_session, f.admin, m, regional, on=dt.date(2024, 7, 1))
    assert new.union_id == regional.id and new.transferred_from_id == m.id and new.state == "active"
    assert m.state == "transferred"


def test_transfer_into_a_dissolved_union_refused(f, db_session):
    first = f.active_union(members=2)
    m = db_session.scalars(sa.select(Membership).where(Membership.union_id == first.id)).all()[1]
    closed = f.started_union()
    f.fire(closed, "abandon")
    with pytest.raises(InvalidTransition):
        memberships.transfer_membership(db_session, f.admin, m, closed)
    assert m.state == "active"


def test_same_union_twice_refused(f):
    union = f.active_union(members=1)
    number = id_number()
    f.enroll(union, id_number=number, name="赵六")
    with pytest.raises(AlreadyMember) as info:
        f.enroll(union, id_number=number, name="赵六", transfer=True)
    with force_locale("en"):  # the messages are Chinese by default
        assert "this union" in str(info.value.message)


def test_same_id_under_another_name_refused(f):
    number = id_number()
    union = f.active_union(members=1)
    f.enroll(union, id_number=number, name="赵六")
    with pytest.raises(ValidationError) as info:
        f.enroll(f.active_union(), id_number=number, name="赵七", transfer=True)
    assert "name" in info.value.fields


def test_under_16_on_the_joining_day_refused(f, db_session):
    union = f.active_union(members=1, on=dt.date(2024, 1, 1))
    number = id_number(birth=dt.date(2008, 6, 2))
    with pytest.raises(ValidationError) as info:
        f.enroll(union, id_number=number, name="小明", on=dt.date(2024, 6, 1))
    assert "id_number" in info.value.fields
    assert workers.find_by_id_number(db_session, number) is None  # nothing half-written
    f.enroll(union, id_number=number, name="小明", on=dt.date(2024, 6, 2))


def test_bad_input_reports_every_field(f):
    union = f.active_union(members=1)
    with pytest.raises(ValidationError) as info:
        f.enroll(union, id_number="41150219850304001", name="  ", phone="12345")
    assert set(info.value.fields) == {"id_number", "name", "phone"}


def test_future_joining_date_refused(f):
    union = f.active_union(members=1)
    with pytest.raises(ValidationError):
        f.enroll(union, on=dt.date.today() + dt.timedelta(days=3))


def test_application_is_pending_and_idempotent(f, db_session):
    union = f.active_union(members=1)
    number = id_number()
    a = memberships.apply(db_session, union, id_number=number, name="钱七", phone="13900139000")
    b = memberships.apply(db_session, union, id_number=number, name="钱七", phone="13900139000")
    assert a.id == b.id and a.state == "pending" and a.receipt_code
    memberships.decide(db_session, f.admin, a, approve=True)
    assert a.state == "active"


def test_application_of_a_member_elsewhere_asks_for_transfer(f, db_session):
    number = id_number()
    first = f.active_union(members=1)
    old = f.enroll(first, id_number=number, name="孙八")
    second = f.active_union(members=1)
    with pytest.raises(AlreadyMember):
        memberships.apply(db_session, second, id_number=number, name="孙八")
    app = memberships.apply(db_session, second, id_number=number, name="孙八", wants_transfer=True)
    memberships.decide(db_session, f.admin, app, approve=True)
    db_session.refresh(old)
    assert old.state == "transferred" and app.transferred_from_id == old.id


def test_rejected_application_can_apply_again(f, db_session):
    union = f.active_union(members=1)
    number = id_number()
    a = memberships.apply(db_session, union, id_number=number, name="周九")
    memberships.decide(db_session, f.admin, a, approve=False, reason="不在本工地")
    assert a.state == "rejected"
    b = memberships.apply(db_session, union, id_number=number, name="周九")
    assert b.id != a.id and b.state == "pending"


def test_officer_cannot_enroll_into_someone_elses_union(f):
    from projectunion.exceptions import NotFound

    mine = f.active_union(members=1)
    other = f.active_union(members=1)
    officer = f.user("officer", unions=[mine], jurisdiction=f.yangting)
    f.enroll(mine, actor=officer)
    with pytest.raises(NotFound):
        f.enroll(other, actor=officer)


def test_city_staff_is_read_only(f):
    union = f.active_union(members=1)
    staff = f.user("city_staff")
    with pytest.raises(PermissionDenied):
        f.enroll(union, actor=staff)
    with pytest.raises(PermissionDenied):
        f.fire(union, "suspend", actor=staff)


def test_district_staff_manage_only_their_district(f):
    union = f.active_union(members=1)  # in 羊亭镇, 环翠区
    inside = f.user("union_staff", jurisdiction=f.huancui)
    outside = f.user("union_staff", jurisdiction=f.place("371003"))
    f.enroll(union, actor=inside)
    from projectunion.exceptions import NotFound

    with pytest.raises(NotFound):
        f.enroll(union, actor=outside)


def test_reveal_id_number_needs_permission_and_is_audited(f, db_session):
    number = id_number()
    m = f.enroll(f.active_union(members=1), id_number=number, name="吴十")
    plain = f.user("union_staff", jurisdiction=f.huancui)
    with pytest.raises(PermissionDenied):
        workers.reveal_id_number(db_session, plain, m.worker)
    allowed = f.user("union_staff", jurisdiction=f.huancui, can_reveal_id=True)
    assert workers.reveal_id_number(db_session, allowed, m.worker, reason="核对身份") == number
    audit = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "reveal_id_number")).one()
    assert (audit.actor_id, audit.object_id, audit.data["reason"]) == (allowed.id, m.worker_id, "核对身份")


def test_a_union_closed_since_it_was_read_refuses_and_writes_nothing(f, db_session):
    union = f.active_union(members=1)
    # Another request has begun the dissolution; this session still holds the union as active.
    db_session.execute(sa.update(Union.__table__).where(Union.__table__.c.id == union.id).values(state="dissolving"))
    db_session.commit()
    assert union.state == "active"
    number = id_number()

    with pytest.raises(EnrollmentClosed):
        f.enroll(union, id_number=number, name="赵六")

    assert union.state == "dissolving"
    assert workers.find_by_id_number(db_session, number) is None
