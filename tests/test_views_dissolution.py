"""The dissolution wizard: blockers, successor, per-member decisions, summary, one-step dissolve, and after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from projectunion.models import Membership, StateChange
from projectunion.services import memberships, wage_cases
from tests.factories import id_number
from tests.test_views_forms import summary
from tests.views_support import field_errors, flashes, sign_in, text


@pytest.fixture
def regional(f):
    return f.regional_union(name="羊亭镇区域工会")


@pytest.fixture
def dissolving(f, regional):
    """A founded project union of 3 members whose project was completed."""
    union = f.active_union(members=3)
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    return union


@pytest.fixture
def officer(f, dissolving):
    return f.user("officer", jurisdiction=f.huancui, unions=[dissolving])


def active_ids(session, union) -> list[int]:
    return list(
        session.scalars(
            sa.select(Membership.id)
            .where(Membership.union_id == union.id, Membership.state == "active")
            .order_by(Membership.id)
        )
    )


def test_wizard_defaults_to_the_regional_union_and_summarises(client, dissolving, regional, officer):
    sign_in(client, officer)
    response = client.get(f"/unions/{dissolving.id}/dissolve")
    body = response.get_data(as_text=True)
    assert f'<option selected value="{regional.id}">' in body
    page = text(response)
    assert "nothing blocks the dissolution" in page
    assert "3 members will be transferred to 羊亭镇区域工会" in page


def test_blockers_are_listed_with_links_and_refuse_the_dissolution(client, f, dissolving, officer, db_session):
    member_ids = active_ids(db_session, dissolving)
    worker_id = db_session.get(Membership, member_ids[0]).worker_id
    wage_cases.open_wage_case(
        db_session, f.admin, dissolving, summary="拖欠工资", amount_claimed="1000", worker_ids=[worker_id]
    )
    sign_in(client, officer)
    response = client.get(f"/unions/{dissolving.id}/dissolve")
    page = text(response)
    body = response.get_data(as_text=True)
    assert "1 wage case is still open" in page
    assert f"/wage-cases?union_id={dissolving.id}&amp;state=unresolved" in body
    assert 'value="dissolve" disabled' in body
    response = client.post(
        f"/unions/{dissolving.id}/dissolve",
        data={"successor_union_id": "", "on": "2024-09-30", "action": "dissolve", "confirm": "y"},
    )
    assert "1 wage case(s) are still open: resolve them before dissolving the union." in field_errors(response)
    db_session.refresh(dissolving)
    assert dissolving.state == "dissolving"


@pytest.fixture
def late_applicant(f, regional, db_session):
    """A founded union of one member and one worker who applied by QR code before the project was completed."""
    union = f.active_union(members=1)
    application = memberships.apply(
        db_session, union, id_number=id_number(seq=901, birth=dt.date(1990, 1, 1)), name="晚来者"
    )
    # The join form dates an application today; this one was sent in August 2024, before the site closed.
    db_session.execute(
        sa.update(StateChange)
        .where(StateChange.machine == "membership", StateChange.object_id == application.id)
        .values(on=dt.date(2024, 8, 1))
    )
    application.joined_on = dt.date(2024, 8, 1)
    db_session.commit()
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    return union, application, f.user("officer", unions=[union])


def test_a_dissolving_unions_pending_tab_offers_no_approval_but_the_wizard(client, late_applicant):
    union, application, officer = late_applicant
    sign_in(client, officer)
    body = client.get(f"/unions/{union.id}?tab=pending").get_data(as_text=True)
    assert "晚来者" in body
    assert f'value="approve:{application.id}"' not in body and 'value="approve"' not in body
    assert f"/unions/{union.id}/dissolve#applications" in body
    assert f"/memberships/{application.id}/reject" in body


def test_the_wizard_hands_a_pending_applicant_on_to_the_successor(client, late_applicant, regional, db_session):
    union, application, officer = late_applicant
    sign_in(client, officer)
    page = client.get(f"/unions/{union.id}/dissolve")
    assert "1 application is pending" in text(page)
    assert f'name="app-{application.id}" value="hand_on"' in page.get_data(as_text=True)
    assert "nothing blocks" not in text(page)
    base = {"successor_union_id": str(regional.id), "on": "2024-09-30"}
    summary = text(client.post(f"/unions/{union.id}/dissolve", data={**base, f"app-{application.id}": "hand_on"}))
    assert "1 applicant will become a member of 羊亭镇区域工会" in summary

    client.post(
        f"/unions/{union.id}/dissolve",
        data={**base, f"app-{application.id}": "hand_on", "action": "dissolve", "confirm": "y"},
    )
    db_session.refresh(union)
    db_session.refresh(application)
    assert union.state == "dissolved" and application.state == "handed_on"
    member = db_session.scalar(sa.select(Membership).where(Membership.application_id == application.id))
    assert (member.union_id, member.state, member.joined_on) == (regional.id, "active", dt.date(2024, 9, 30))
    assert member.worker_id == application.worker_id
    events = db_session.scalars(
        sa.select(StateChange.event).where(StateChange.machine == "membership", StateChange.object_id == member.id)
    )
    assert list(events) == ["create", "approve"]
    # The worker's status page says where they are a member now.
    status = text(client.get(f"/join/status?code={application.receipt_code}"))
    assert "羊亭镇区域工会" in status and "you are a member of 羊亭镇区域工会" in status


def test_an_undecided_application_is_shown_in_the_wizard_and_nothing_changes(
    client, late_applicant, regional, db_session
):
    union, application, officer = late_applicant
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "2024-09-30", "action": "dissolve", "confirm": "y"},
    )
    assert any("1 pending application is not decided yet" in e for e in field_errors(response))
    assert "Hand the applicant on or reject the application." in text(response)
    db_session.refresh(union)
    assert union.state == "dissolving" and application.state == "pending"


def links_land_on_inputs(response) -> list[str]:
    """The anchors of the error summary's lines, each checked to name an element of the page."""
    body = response.get_data(as_text=True)
    anchors = [anchor for anchor, _line in summary(response)]
    for anchor in anchors:
        assert anchor and f'id="{anchor}"' in body, anchor
    return anchors


def test_the_wizard_sent_without_the_box_lists_every_mistake_at_the_top_linked_to_its_input(
    client, late_applicant, regional, db_session
):
    union, application, officer = late_applicant
    sign_in(client, officer)
    response = client.post(
        f"/unions/{union.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "", "action": "dissolve"},
    )
    lines = dict(summary(response))
    assert lines["on"] == "Date of dissolution: Enter the date it happened."
    assert lines["confirm"] == "Tick the box to confirm that you have read the summary."
    assert lines[f"app-{application.id}"].startswith("1 pending application is not decided yet")
    assert links_land_on_inputs(response) == [f"app-{application.id}", "on", "confirm"]
    assert 'tabindex="-1" autofocus data-error-summary' in response.get_data(as_text=True)  # also without JS
    db_session.refresh(union)
    assert union.state == "dissolving" and application.state == "pending"


def test_rejecting_in_the_wizard_needs_a_reason_the_worker_then_reads(client, late_applicant, regional, db_session):
    union, application, officer = late_applicant
    sign_in(client, officer)
    data = {
        "successor_union_id": str(regional.id),
        "on": "2024-09-30",
        f"app-{application.id}": "reject",
        "action": "dissolve",
        "confirm": "y",
    }
    response = client.post(f"/unions/{union.id}/dissolve", data=data)
    assert "Give the reason for rejecting: the worker will read it." in text(response)
    db_session.refresh(union)
    assert union.state == "dissolving"

    client.post(f"/unions/{union.id}/dissolve", data={**data, f"app-reason-{application.id}": "未在本工地务工"})
    db_session.refresh(application)
    assert application.state == "rejected"
    reason = db_session.scalar(
        sa.select(StateChange.data).where(StateChange.object_id == application.id, StateChange.event == "reject")
    )
    assert reason["reason"] == "未在本工地务工"
    status = text(client.get(f"/join/status?code={application.receipt_code}"))
    assert "未在本工地务工" in status
    assert "羊亭镇区域工会" in status  # where to apply now


def test_without_a_successor_only_rejection_is_offered(client, f, db_session):
    union = f.active_union(members=1)
    application = memberships.apply(db_session, union, id_number=id_number(seq=902), name="无处去")
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    sign_in(client, f.user("officer", unions=[union]))
    body = client.get(f"/unions/{union.id}/dissolve").get_data(as_text=True)
    assert f'name="app-{application.id}" value="reject"' in body
    assert f'name="app-{application.id}" value="hand_on"' not in body


def test_dissolve_hands_every_member_on_in_one_step(client, dissolving, regional, officer, db_session):
    ids = active_ids(db_session, dissolving)
    sign_in(client, officer)
    response = client.post(
        f"/unions/{dissolving.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "2024-09-30", "action": "dissolve", "confirm": "y"},
        follow_redirects=True,
    )
    assert f"{dissolving.name} is dissolved. 3 members were handed on to 羊亭镇区域工会." in flashes(response)
    db_session.refresh(dissolving)
    assert dissolving.state == "dissolved" and dissolving.dissolved_on == dt.date(2024, 9, 30)
    for mid in ids:
        old = db_session.get(Membership, mid)
        assert old.state == "transferred" and old.ended_on == dt.date(2024, 9, 30)
        new = db_session.scalar(sa.select(Membership).where(Membership.transferred_from_id == mid))
        assert new.union_id == regional.id and new.state == "active" and new.joined_on == dt.date(2024, 9, 30)
    # Afterwards: read-only, and the whole roster is still there with where everyone went.
    page = text(response)
    assert "This union was dissolved on Sep 30, 2024. It is read-only; its whole roster stays visible." in page
    assert page.count("羊亭镇区域工会") >= 3
    body = response.get_data(as_text=True)
    assert f"/unions/{dissolving.id}/enroll" not in body
    assert "Make chair" not in body and f"/unions/{dissolving.id}/events/" not in body
    assert client.get(f"/unions/{dissolving.id}/dissolve").headers["Location"] == f"/unions/{dissolving.id}"


def test_dissolve_needs_the_confirmation_box(client, dissolving, regional, officer, db_session):
    sign_in(client, officer)
    response = client.post(
        f"/unions/{dissolving.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "2024-09-30", "action": "dissolve"},
    )
    assert "Tick the box to confirm that you have read the summary." in field_errors(response)
    db_session.refresh(dissolving)
    assert dissolving.state == "dissolving"


def test_per_member_decisions_end_or_transfer_elsewhere(client, f, dissolving, regional, officer, db_session):
    other = f.regional_union(town=f.wendeng_town, name="文登区域工会")
    ids = active_ids(db_session, dissolving)
    ender, mover, follower = ids
    sign_in(client, officer)
    base = {"successor_union_id": str(regional.id), "on": "2024-09-30"}
    # Search, then add two members as exceptions; the summary follows.
    found = text(client.post(f"/unions/{dissolving.id}/dissolve", data={**base, "action": "search", "q": ""}))
    assert "Decide for this member" in found
    page = client.post(f"/unions/{dissolving.id}/dissolve", data={**base, "add": str(ender)})
    assert f'name="decided" value="{ender}"' in page.get_data(as_text=True)
    data = {
        **base,
        "decided": [str(ender), str(mover)],
        f"action-{ender}": "end",
        f"reason-{ender}": "withdrew",
        f"action-{mover}": "transfer",
        f"to-{mover}": str(other.id),
    }
    summary = text(client.post(f"/unions/{dissolving.id}/dissolve", data={**data, "action": "preview"}))
    assert "1 member will be transferred to 羊亭镇区域工会" in summary
    assert "1 member will move to 文登区域工会" in summary
    assert "1 membership will end" in summary
    # Removing an exception puts the member back with the others.
    removed = text(client.post(f"/unions/{dissolving.id}/dissolve", data={**data, "remove": str(mover)}))
    assert "2 members will be transferred to 羊亭镇区域工会" in removed

    client.post(f"/unions/{dissolving.id}/dissolve", data={**data, "action": "dissolve", "confirm": "y"})
    ended = db_session.get(Membership, ender)
    assert (ended.state, ended.end_reason) == ("ended", "withdrew")
    moved = db_session.scalar(sa.select(Membership).where(Membership.transferred_from_id == mover))
    assert moved.union_id == other.id
    followed = db_session.scalar(sa.select(Membership).where(Membership.transferred_from_id == follower))
    assert followed.union_id == regional.id


def test_a_transfer_without_a_destination_is_refused(client, dissolving, regional, officer, db_session):
    mover = active_ids(db_session, dissolving)[0]
    sign_in(client, officer)
    response = client.post(
        f"/unions/{dissolving.id}/dissolve",
        data={
            "successor_union_id": str(regional.id),
            "on": "2024-09-30",
            "decided": [str(mover)],
            f"action-{mover}": "transfer",
            "action": "dissolve",
            "confirm": "y",
        },
    )
    assert "Choose where each member you transfer moves to." in field_errors(response)
    assert links_land_on_inputs(response) == [f"to-{mover}"]
    db_session.refresh(dissolving)
    assert dissolving.state == "dissolving"


def test_dissolution_date_before_a_member_joined_is_refused(client, dissolving, regional, officer, db_session):
    sign_in(client, officer)
    response = client.post(
        f"/unions/{dissolving.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "2024-01-01", "action": "dissolve", "confirm": "y"},
    )
    # Before the members joined, and before the dissolution began: the earlier event is named.
    assert field_errors(response) == [
        "The date cannot be before Sep 1, 2024, the date of the previous event (Begin dissolution)."
    ]
    db_session.refresh(dissolving)
    assert dissolving.state == "dissolving"


def test_an_active_union_must_begin_its_dissolution_first(client, f):
    union = f.active_union(members=1)
    officer = f.user("officer", unions=[union])
    sign_in(client, officer)
    page = text(client.get(f"/unions/{union.id}/dissolve"))
    assert "The union cannot be dissolved while it is “Active”." in page
    assert "A project union begins its dissolution when its project is completed." in page


def test_the_wizard_of_a_standing_union_offers_no_step_the_machine_refuses(client, f, regional):
    f.enroll(regional, name="常设会员")
    staff = f.user("union_staff", jurisdiction=f.huancui)
    sign_in(client, staff)
    body = client.get(f"/unions/{regional.id}/dissolve").get_data(as_text=True)
    assert f"/unions/{regional.id}/events/begin_dissolution" not in body  # administrators only
    sign_in(client, f.admin)
    response = client.get(f"/unions/{regional.id}/dissolve")
    assert f"/unions/{regional.id}/events/begin_dissolution" not in response.get_data(as_text=True)
    assert "still has 1 active member(s) and no successor union to take them" in text(response)


def test_a_union_never_founded_is_abandoned_through_the_wizard(client, f, regional, db_session):
    union = f.started_union()
    f.enroll(union)
    officer = f.user("officer", unions=[union])
    sign_in(client, officer)
    page = text(client.get(f"/unions/{union.id}/dissolve"))
    assert "Abandon (never founded)" in page
    client.post(
        f"/unions/{union.id}/dissolve",
        data={"successor_union_id": str(regional.id), "on": "2024-03-05", "action": "dissolve", "confirm": "y"},
    )
    db_session.refresh(union)
    assert union.state == "dissolved"


def test_without_any_regional_union_every_membership_ends(client, f, db_session):
    union = f.active_union(members=2)
    f.fire(union.project, "complete", on=dt.date(2024, 9, 1))
    officer = f.user("officer", unions=[union])
    sign_in(client, officer)
    response = client.get(f"/unions/{union.id}/dissolve")
    assert "No successor: every membership ends" in text(response)
    assert "2 memberships will end" in text(response)
    client.post(
        f"/unions/{union.id}/dissolve",
        data={"successor_union_id": "", "on": "2024-09-30", "action": "dissolve", "confirm": "y"},
    )
    states = set(db_session.scalars(sa.select(Membership.state).where(Membership.union_id == union.id)))
    assert states == {"ended"}


def test_recovered_wage_case_no_longer_blocks(client, f, dissolving, officer, db_session):
    worker_id = db_session.get(Membership, active_ids(db_session, dissolving)[0]).worker_id
    case = wage_cases.open_wage_case(
        db_session,
        f.admin,
        dissolving,
        summary="欠薪",
        amount_claimed="500",
        worker_ids=[worker_id],
        opened_on=dt.date(2024, 9, 1),
    )
    f.fire(case, "mediate", on=dt.date(2024, 9, 2))
    f.fire(case, "resolve", on=dt.date(2024, 9, 3), amount_recovered="500")
    assert case.amount_recovered == Decimal("500.00")
    sign_in(client, officer)
    assert "nothing blocks the dissolution" in text(client.get(f"/unions/{dissolving.id}/dissolve"))


def test_a_large_union_lists_members_only_after_a_search(
    client, dissolving, regional, officer, monkeypatch, db_session
):
    from projectunion.unions import dissolution

    monkeypatch.setattr(dissolution, "SHOWN", 2)
    sign_in(client, officer)
    page = text(client.get(f"/unions/{dissolving.id}/dissolve"))
    assert "Decide for this member" not in page
    assert "Find the member by name, the last digits or the full ID number, or the phone." in page
    name = db_session.get(Membership, active_ids(db_session, dissolving)[0]).worker.name
    found = text(
        client.post(
            f"/unions/{dissolving.id}/dissolve",
            data={"successor_union_id": str(regional.id), "on": "2024-09-30", "action": "search", "q": name},
        )
    )
    assert found.count("Decide for this member") == 1 and name in found
