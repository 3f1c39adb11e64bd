"""The union page: roster tabs and search, enrollment (with the transfer offer), approvals,
ending and transferring memberships, the chair, founding, suspension, standing unions."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.models import Membership, Union
from projectunion.services import memberships
from tests.factories import id_number
from tests.views_support import field_errors, flashes, sign_in, text


@pytest.fixture
def union(f):
    return f.started_union()


@pytest.fixture
def officer(f, union):
    return f.user("officer", jurisdiction=f.huancui, unions=[union])


def enroll_form(**values):
    data = {
        "name": "张伟",
        "id_number": id_number(seq=501, birth=dt.date(1980, 5, 6)),
        "phone": "138 0000 1234",
        "trade": "钢筋工",
        "joined_on": "2024-03-05",
    }
    data.update(values)
    return data


def test_union_page_shows_state_counts_and_the_roster(client, f, union, officer):
    chair = f.enroll(union, name="李班长")
    f.fire(union, "found", on=dt.date(2024, 3, 10), chair_membership_id=chair.id)
    f.enroll(union, name="王芳")
    sign_in(client, officer)
    response = client.get(f"/unions/{union.id}")
    page = text(response)
    assert union.name in page
    assert "Active members" in page and "李班长" in page and "王芳" in page
    assert "Chair" in page
    assert "Mar 10, 2024" in page  # founded, in the user's date format
    body = response.get_data(as_text=True)
    assert 'class="lifecycle' not in body  # the diagrams live on the help page
    assert f"/unions/{union.id}/events/suspend" in body
    assert f"/unions/{union.id}/events/found" not in body


def test_roster_search_by_name_last_id_digits_and_phone(client, f, union, officer):
    f.enroll(union, name="张三", id_number=id_number(seq=123, birth=dt.date(1980, 1, 1)), phone="13912345678")
    f.enroll(union, name="李四", id_number=id_number(seq=456, birth=dt.date(1981, 2, 2)), phone="13700000000")
    zhang = f.memberships_of(f.enroll(union, name="王五").worker)[0].worker  # a third, never matched
    sign_in(client, officer)

    def found(q: str) -> set[str]:
        page = text(client.post(f"/unions/{union.id}", data={"q": q}, follow_redirects=True))
        return {n for n in ("张三", "李四", "王五") if n in page}

    number = id_number(seq=123, birth=dt.date(1980, 1, 1))
    assert found("张") == {"张三"}
    assert found(number[-4:]) == {"张三"}
    assert found(number) == {"张三"}  # the full number, by its keyed digest
    assert found(number[:-1] + ("0" if number[-1] != "0" else "1")) == set()  # a wrong check digit finds no one
    assert found("139 1234 5678") == {"张三"}  # the whole phone (stored encrypted, found by its digest)
    assert found("137 0000") == set()
    assert found("nobody") == set()
    assert zhang.name == "王五"


def test_roster_is_paginated(client, f, union, officer, app):
    app.config["PAGE_SIZE"] = 2
    for i in range(5):
        f.enroll(union, name=f"成员{i}")
    sign_in(client, officer)
    page = text(client.get(f"/unions/{union.id}?page=3"))
    assert "5–5 of 5" in page


def test_enroll_a_worker(client, f, union, officer, db_session):
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/enroll", data=enroll_form(), follow_redirects=True)
    assert f"张伟 is now a member of {union.name}." in flashes(response)
    member = db_session.scalar(sa.select(Membership).where(Membership.union_id == union.id))
    assert member.state == "active" and member.joined_on == dt.date(2024, 3, 5)
    assert member.worker.phone == "13800001234"
    assert member.worker.trade == "钢筋工"


def test_enroll_shows_every_bad_field_and_saves_nothing(client, f, union, officer, db_session):
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/enroll",
        data=enroll_form(id_number="41150219850304001X", phone="12345", name="张\u200b伟"),
    )
    errors = field_errors(response)
    assert "The ID number's check character does not match; a digit is probably mistyped." in errors
    assert "Enter a mainland mobile number: 11 digits starting with 13 to 19." in errors
    assert "The name contains invisible or control characters; type it again rather than pasting it." in errors
    assert 'value="41150219850304001X"' in response.get_data(as_text=True)  # what was typed is kept
    assert db_session.scalar(sa.select(sa.func.count(Membership.id)).where(Membership.union_id == union.id)) == 0


def test_enroll_a_15_digit_id_number_asks_for_the_new_one(client, union, officer):
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/enroll", data=enroll_form(id_number="411502850304001"))
    assert "This is an old 15-digit ID number. Enter the 18-character number on the current ID card." in field_errors(
        response
    )


def test_enroll_someone_already_here_is_refused(client, f, union, officer):
    number = id_number(seq=777, birth=dt.date(1979, 9, 9))
    f.enroll(union, name="张伟", id_number=number)
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/enroll", data=enroll_form(id_number=number))
    assert "This worker is already an active member of this union." in field_errors(response)


def test_enroll_a_worker_active_elsewhere_offers_the_transfer(client, f, union, officer, db_session):
    elsewhere = f.started_union(town=f.wendeng_town)
    number = id_number(seq=888, birth=dt.date(1982, 8, 8))
    old = f.enroll(elsewhere, name="张伟", id_number=number, on=dt.date(2024, 3, 2))
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/enroll", data=enroll_form(id_number=number))
    page = text(response)
    assert "Already a member elsewhere" in page
    assert f"This worker is already an active member of {elsewhere.name}." in page
    assert f"Transfer to {union.name}" in page
    db_session.refresh(old)
    assert old.state == "active"

    response = client.post(
        f"/unions/{union.id}/enroll", data=enroll_form(id_number=number, transfer="y"), follow_redirects=True
    )
    assert f"张伟 is now a member of {union.name}, transferred from {elsewhere.name}." in flashes(response)
    db_session.refresh(old)
    assert old.state == "transferred"
    new = db_session.scalar(sa.select(Membership).where(Membership.union_id == union.id))
    assert new.transferred_from_id == old.id and new.state == "active"


def test_enrollment_closed_while_suspended(client, f, union, officer, db_session):
    chair = f.enroll(union)
    f.fire(union, "found", on=dt.date(2024, 3, 3), chair_membership_id=chair.id)
    f.fire(union, "suspend", on=dt.date(2024, 4, 1))
    sign_in(client, officer)
    assert "Enrollment is closed while the union is “Suspended”." in text(client.get(f"/unions/{union.id}/enroll"))
    response = client.post(f"/unions/{union.id}/enroll", data=enroll_form())
    assert f"Enrollment is closed: {union.name} is Suspended." in field_errors(response)


#: Applications are made today (the join form has no date), and no one joins before applying.
APPLIED_ON = today()


def apply(union, name, seq, **kw):
    from projectunion.db import get_session

    return memberships.apply(
        get_session(), union, id_number=id_number(seq=seq, birth=dt.date(1985, 1, 1)), name=name, **kw
    )


def test_pending_tab_lists_applications_with_their_receipt(client, f, union, officer):
    application = apply(union, "申请人甲", 301, phone="13900000001")
    sign_in(client, officer)
    page = text(client.get(f"/unions/{union.id}?tab=pending"))
    assert "申请人甲" in page and application.receipt_code in page and "Own application" in page


def test_approve_one_application(client, f, union, officer, db_session):
    application = apply(union, "申请人甲", 302)
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/applications",
        data={"single": f"approve:{application.id}", "on": APPLIED_ON.isoformat()},
        follow_redirects=True,
    )
    assert "1 application approved: 申请人甲." in flashes(response)
    db_session.refresh(application)
    assert application.state == "active" and application.joined_on == APPLIED_ON


def test_bulk_approve_and_reject(client, f, union, officer, db_session):
    a = apply(union, "甲", 303)
    b = apply(union, "乙", 304)
    c = apply(union, "丙", 305)
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/applications",
        data={"decision": "approve", "ids": [str(a.id), str(b.id)], "on": APPLIED_ON.isoformat()},
        follow_redirects=True,
    )
    assert "2 applications approved: 甲、乙." in flashes(response)
    refused = client.post(
        f"/unions/{union.id}/applications",
        data={"decision": "reject", "ids": [str(c.id)], "on": APPLIED_ON.isoformat()},
        follow_redirects=True,
    )
    assert "Give the reason for rejecting: the worker will read it." in flashes(refused)
    db_session.refresh(c)
    assert c.state == "pending"
    client.post(
        f"/unions/{union.id}/applications",
        data={"decision": "reject", "ids": [str(c.id)], "on": APPLIED_ON.isoformat(), "reason": "重复申请"},
    )
    for m, state in ((a, "active"), (b, "active"), (c, "rejected")):
        db_session.refresh(m)
        assert m.state == state
    assert "丙" in text(client.get(f"/unions/{union.id}?tab=rejected"))


def test_bulk_decision_reports_each_one_that_failed(client, f, union, officer, db_session):
    ok = apply(union, "戊", 307)
    blocked = apply(union, "丁", 306)
    # Meanwhile another union enrolled 丁 (without a transfer request here).
    elsewhere = f.started_union(town=f.wendeng_town)
    f.enroll(elsewhere, name="丁", id_number=id_number(seq=306, birth=dt.date(1985, 1, 1)))
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/applications",
        data={"decision": "approve", "ids": [str(ok.id), str(blocked.id)], "on": APPLIED_ON.isoformat()},
        follow_redirects=True,
    )
    messages = flashes(response)
    assert "1 application approved: 戊." in messages
    assert f"丁: This worker is already an active member of {elsewhere.name}." in messages
    db_session.refresh(blocked)
    assert blocked.state == "pending"


def test_decide_without_ticking_anything(client, f, union, officer):
    apply(union, "甲", 308)
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/applications", data={"decision": "approve", "on": "2024-03-05"}, follow_redirects=True
    )
    assert "Tick the applications to decide first." in flashes(response)


def test_end_a_membership_with_a_reason(client, f, union, officer, db_session):
    member = f.enroll(union, name="赵六")
    sign_in(client, officer)
    form = client.get(f"/memberships/{member.id}/end")
    assert "Left the site" in text(form)
    response = client.post(f"/memberships/{member.id}/end", data={"reason": "", "on": "2024-06-01"})
    assert "Choose why the membership ends." in field_errors(response)
    response = client.post(
        f"/memberships/{member.id}/end", data={"reason": "left_site", "on": "2024-06-01"}, follow_redirects=True
    )
    assert any("ended (Left the site)" in m for m in flashes(response))
    db_session.refresh(member)
    assert (member.state, member.end_reason, member.ended_on) == ("ended", "left_site", dt.date(2024, 6, 1))
    assert "赵六" in text(client.get(f"/unions/{union.id}?tab=ended"))


def test_end_before_joining_is_refused(client, f, union, officer, db_session):
    member = f.enroll(union, on=dt.date(2024, 3, 2))
    sign_in(client, officer)
    response = client.post(f"/memberships/{member.id}/end", data={"reason": "withdrew", "on": "2024-01-01"})
    assert "A membership cannot end before it began." in field_errors(response)
    db_session.refresh(member)
    assert member.state == "active"


def test_transfer_a_member_to_another_union(client, f, union, officer, db_session):
    regional = f.regional_union()
    member = f.enroll(union, name="钱七")
    sign_in(client, officer)
    form = client.get(f"/memberships/{member.id}/transfer")
    assert regional.name in text(form)
    response = client.post(
        f"/memberships/{member.id}/transfer",
        data={"to_union_id": str(regional.id), "on": "2024-07-01"},
        follow_redirects=True,
    )
    assert f"钱七 is transferred from {union.name} to {regional.name}." in flashes(response)
    page = text(client.get(f"/unions/{union.id}?tab=ended"))
    assert "钱七" in page and regional.name in page


FOUNDING_NEEDS = (
    "To found the union, first enroll at least one member: the founding meeting elects the chair"
    " from among the active members."
)


def test_a_union_without_members_says_what_founding_needs_instead_of_offering_it(client, f, union, officer):
    sign_in(client, officer)
    response = client.get(f"/unions/{union.id}")
    body = response.get_data(as_text=True)
    assert f"/unions/{union.id}/events/found" not in body
    assert FOUNDING_NEEDS in text(response)
    where = body[body.index('id="withheld-found"') :]
    assert where.index(f'href="/unions/{union.id}/enroll"') < where.index("</div>")
    assert "Enroll a member" in where[: where.index("</div>")]
    # Typing the address anyway leads back to the page with the same sentence, not to an empty chair list.
    typed = client.get(f"/unions/{union.id}/events/found", follow_redirects=True)
    assert FOUNDING_NEEDS in flashes(typed)
    assert 'name="chair_membership_id"' not in typed.get_data(as_text=True)
    # Once a member is enrolled, founding is offered as before, with the member to choose as chair.
    f.enroll(union, name="周一")
    response = client.get(f"/unions/{union.id}")
    body = response.get_data(as_text=True)
    assert f"/unions/{union.id}/events/found" in body
    assert 'id="withheld-found"' not in body and FOUNDING_NEEDS not in text(response)
    assert "周一" in client.get(f"/unions/{union.id}/events/found").get_data(as_text=True)


def test_a_union_whose_members_all_left_cannot_be_founded_either(client, f, union, officer, db_session):
    member = f.enroll(union)
    memberships.end_membership(db_session, f.admin, member, "left_site", on=dt.date(2024, 3, 5))
    sign_in(client, officer)
    response = client.get(f"/unions/{union.id}")
    assert f"/unions/{union.id}/events/found" not in response.get_data(as_text=True)
    assert FOUNDING_NEEDS in text(response)


def test_set_the_chair_then_found(client, f, union, officer, db_session):
    member = f.enroll(union, name="孙八")
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/chair", data={"membership_id": str(member.id)}, follow_redirects=True)
    assert f"孙八 is now the chair of {union.name}." in flashes(response)
    found = client.get(f"/unions/{union.id}/events/found")
    assert f'<option selected value="{member.id}">' in found.get_data(as_text=True)
    response = client.post(
        f"/unions/{union.id}/events/found",
        data={"chair_membership_id": str(member.id), "on": "2024-03-15"},
        follow_redirects=True,
    )
    db_session.refresh(union)
    assert union.state == "active" and union.founded_on == dt.date(2024, 3, 15)
    assert f"{union.name} is founded." in flashes(response)


def test_found_without_a_chair_is_refused(client, f, union, officer, db_session):
    f.enroll(union)
    sign_in(client, officer)
    response = client.post(f"/unions/{union.id}/events/found", data={"chair_membership_id": "", "on": "2024-03-15"})
    assert "Choose the chair among the active members." in field_errors(response)
    db_session.refresh(union)
    assert union.state == "preparing"


def test_suspend_and_resume(client, f, officer, db_session, union):
    chair = f.enroll(union)
    f.fire(union, "found", on=dt.date(2024, 3, 3), chair_membership_id=chair.id)
    sign_in(client, officer)
    client.post(f"/unions/{union.id}/events/suspend", data={"on": "2024-04-01"})
    db_session.refresh(union)
    assert union.state == "suspended"
    client.post(f"/unions/{union.id}/events/resume", data={"on": "2024-05-01"})
    db_session.refresh(union)
    assert union.state == "active"


def test_dissolve_event_goes_to_the_wizard(client, f, union, officer):
    sign_in(client, officer)
    response = client.get(f"/unions/{union.id}/events/dissolve")
    assert response.headers["Location"] == f"/unions/{union.id}/dissolve"


def test_create_a_standing_union(client, f, db_session):
    staff = f.user("union_staff", jurisdiction=f.huancui)
    sign_in(client, staff)
    response = client.post(
        "/unions/new",
        data={"kind": "regional", "name": "羊亭镇区域工会", "jurisdiction_code": "371002005"},
        follow_redirects=True,
    )
    union = db_session.scalar(sa.select(Union).where(Union.name == "羊亭镇区域工会"))
    assert union.kind == "regional" and union.state == "active"
    assert any("羊亭镇区域工会 is created" in m for m in flashes(response))
    form = client.get("/unions/new").get_data(as_text=True)
    assert "羊亭镇" in form and "文登区" not in form and "Wendeng" not in form
    response = client.post(
        "/unions/new", data={"kind": "regional", "name": "文登区工会", "jurisdiction_code": "371003"}
    )
    assert "Choose one of the options shown." in field_errors(response)


def test_union_list_filters(client, f):
    project_union = f.started_union()
    regional = f.regional_union()
    sign_in(client, f.admin)

    def names(query: str) -> set[str]:
        page = text(client.get("/unions?" + query))
        return {u.name for u in (project_union, regional) if u.name in page}

    assert names("") == {project_union.name, regional.name}
    assert names("kind=regional") == {regional.name}
    assert names("state=preparing") == {project_union.name}
    assert names("place=371003") == set()
    assert names("q=区域") == {regional.name}


def test_rejecting_one_application_asks_why_and_keeps_it_in_the_history(client, f, union, officer, db_session):
    from projectunion.models import StateChange

    a = apply(union, "庚", 311)
    sign_in(client, officer)
    page = client.get(f"/unions/{union.id}?tab=pending").get_data(as_text=True)
    assert f"/memberships/{a.id}/reject" in page and f'value="approve:{a.id}"' in page
    response = client.post(f"/memberships/{a.id}/reject", data={"on": APPLIED_ON.isoformat(), "reason": "  "})
    assert "Give the reason for rejecting: the worker will read it." in field_errors(response)
    db_session.refresh(a)
    assert a.state == "pending"
    client.post(f"/memberships/{a.id}/reject", data={"on": APPLIED_ON.isoformat(), "reason": "不在本工地务工"})
    db_session.refresh(a)
    assert a.state == "rejected"
    data = db_session.scalar(
        sa.select(StateChange.data).where(StateChange.object_id == a.id, StateChange.event == "reject")
    )
    assert data["reason"] == "不在本工地务工"
    assert "不在本工地务工" in text(client.get(f"/join/status?code={a.receipt_code}"))


@pytest.fixture
def staffed_regional(f):
    """A regional union with one active member (handed on from a dissolved project union, say)."""
    regional = f.regional_union(name="羊亭镇区域工会")
    f.enroll(regional)
    return regional, f.user("union_staff", jurisdiction=f.huancui)


def test_a_regional_union_offers_no_suspension_or_dissolution_to_union_staff(client, staffed_regional):
    regional, staff = staffed_regional
    sign_in(client, staff)
    body = client.get(f"/unions/{regional.id}").get_data(as_text=True)
    assert f"/unions/{regional.id}/enroll" in body  # the staff do manage it
    assert f"/unions/{regional.id}/events/suspend" not in body
    assert f"/unions/{regional.id}/events/begin_dissolution" not in body
    assert client.post(f"/unions/{regional.id}/events/suspend", data={"on": "2024-03-05"}).status_code == 403


def test_the_machine_refuses_to_close_a_regional_union_with_members_and_no_successor(
    client, f, staffed_regional, db_session
):
    from projectunion.exceptions import InvalidTransition

    regional, _staff = staffed_regional
    sign_in(client, f.admin)
    body = client.get(f"/unions/{regional.id}").get_data(as_text=True)
    assert f"/unions/{regional.id}/events/suspend" not in body
    assert f"/unions/{regional.id}/events/begin_dissolution" not in body
    for event in ("suspend", "begin_dissolution"):
        with pytest.raises(InvalidTransition) as refused:
            f.fire(regional, event, on=dt.date(2024, 9, 1))
        assert "1 active member(s) and no successor union" in str(refused.value.message)
    response = client.post(
        f"/unions/{regional.id}/events/begin_dissolution", data={"on": "2024-09-01"}, follow_redirects=True
    )
    assert any("no successor union to take them" in m for m in flashes(response))
    db_session.refresh(regional)
    assert regional.state == "active"
    # With a successor set, the administrator may.
    other = f.regional_union(town=f.wendeng_town, name="文登区域工会")
    regional.successor = other
    db_session.commit()
    body = client.get(f"/unions/{regional.id}").get_data(as_text=True)
    assert f"/unions/{regional.id}/events/begin_dissolution" in body
