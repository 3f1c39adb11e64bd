"""Contract tests of unions, their members and memberships through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion.dates import today
from projectunion.models import Membership
from projectunion.services import memberships, wage_cases
from tests.api_support import error
from tests.factories import id_number

DAY = dt.date(2024, 3, 1)


def enroll_body(**values):
    values.setdefault("id_number", id_number(seq=values.pop("seq", 7)))
    values.setdefault("name", "王小明")
    return {"joined_on": "2024-03-02", **values}


# Unions ----------------------------------------------------------------------


def test_union_shows_counts_and_allowed_events(f, admin):
    union = f.active_union(members=2)
    pending = memberships.apply(f.session, union, id_number=id_number(seq=901), name="申请人")
    body = admin.get(f"/unions/{union.id}").get_json()
    assert body == {
        "id": union.id,
        "kind": "project",
        "name": union.name,
        "state": "active",
        "project_id": union.project_id,
        "jurisdiction_code": "371002005",
        "founded_on": "2024-03-01",
        "dissolved_on": None,
        "chair_membership_id": union.chair_membership_id,
        "successor_union_id": None,
        "counts": {"active": 2, "pending": 1, "ended": 0},
        "allowed_events": ["suspend", "begin_dissolution"],
    }
    assert pending.state == "pending"


def test_union_list_is_scoped_and_filtered(f, as_user):
    yangting = f.started_union()
    regional = f.regional_union()
    wendeng = f.started_union(town=f.wendeng_town)
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    ids = [u["id"] for u in staff.get("/unions").get_json()["items"]]
    assert ids == [yangting.id, regional.id]
    assert [u["id"] for u in staff.get("/unions", kind="regional").get_json()["items"]] == [regional.id]
    assert [u["id"] for u in staff.get("/unions", state="preparing").get_json()["items"]] == [yangting.id]
    officer = as_user(f.user("officer", jurisdiction=f.yangting, unions=[yangting]))
    assert [u["id"] for u in officer.get("/unions").get_json()["items"]] == [yangting.id, regional.id]
    city = as_user(f.user("city_staff"))
    assert [u["id"] for u in city.get("/unions", jurisdiction_code="371003").get_json()["items"]] == [wendeng.id]
    assert as_user(f.user("contractor", contractor=f.contractor())).get("/unions").get_json()["items"] == []
    assert error(city.get("/unions", jurisdiction_code="1"))["fields"] == {
        "jurisdiction_code": "Unknown jurisdiction code."
    }


def test_union_out_of_scope_is_not_found(f, as_user):
    union = f.started_union(town=f.wendeng_town)
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    for path in ("", "/members", "/history", "/dissolution"):
        assert staff.get(f"/unions/{union.id}{path}").status_code == 404
    assert staff.post(f"/unions/{union.id}/members", json=enroll_body()).status_code == 404
    assert staff.post(f"/unions/{union.id}/events", json={"event": "abandon"}).status_code == 404


def test_create_standing_union(f, as_user):
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    response = staff.post(
        "/unions", json={"kind": "regional", "name": "羊亭镇区域工会", "jurisdiction_code": "371002005"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind"], body["state"], body["project_id"]) == ("regional", "active", None)
    outside = staff.post("/unions", json={"kind": "industry", "name": "文登建筑业工会", "jurisdiction_code": "371003"})
    assert outside.status_code == 403
    officer = as_user(f.user("officer", jurisdiction=f.yangting))
    assert (
        officer.post("/unions", json={"kind": "regional", "name": "x", "jurisdiction_code": "371002"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"kind": "project"}, "kind", "Choose one of: regional, industry."),
        ({"name": ""}, "name", "This field is required."),
        ({"jurisdiction_code": "000"}, "jurisdiction_code", "Choose the jurisdiction."),
        ({"jurisdiction_code": None}, "jurisdiction_code", "This field cannot be empty."),
    ],
)
def test_create_standing_union_refuses_bad_fields(f, admin, values, field, message):
    f.city  # noqa: B018
    body = {"kind": "regional", "name": "区域工会", "jurisdiction_code": "371002", **values}
    response = admin.post("/unions", json=body)
    assert response.status_code == 400
    assert error(response)["fields"][field] == message


def test_found_needs_an_active_member_as_chair(f, admin):
    union = f.started_union()
    member = f.enroll(union)
    refused = admin.post(f"/unions/{union.id}/events", json={"event": "found", "on": "2024-03-05"})
    assert refused.status_code == 409
    assert error(refused)["code"] == "invalid_transition"
    assert error(refused)["allowed"] == ["found", "abandon"]
    assert admin.get(f"/unions/{union.id}").get_json()["state"] == "preparing"
    response = admin.post(
        f"/unions/{union.id}/events", json={"event": "found", "on": "2024-03-05", "chair_membership_id": member.id}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["state"], body["founded_on"], body["chair_membership_id"]) == ("active", "2024-03-05", member.id)


def test_found_without_any_member_says_to_enroll_one_first(f, admin, as_user):
    union = f.started_union()
    refused = admin.post(f"/unions/{union.id}/events", json={"event": "found", "on": "2024-03-05"})
    assert refused.status_code == 409
    assert error(refused)["code"] == "invalid_transition"
    assert error(refused)["message"] == (
        "To found the union, first enroll at least one member: the founding meeting elects the chair"
        " from among the active members."
    )
    in_chinese = as_user(f.admin, language="zh-CN").post(f"/unions/{union.id}/events", json={"event": "found"})
    assert error(in_chinese)["message"].startswith("组建工会前，请先为至少一名工人办理入会")
    assert admin.get(f"/unions/{union.id}").get_json()["state"] == "preparing"


def test_union_event_in_the_wrong_state_lists_allowed_events(f, admin):
    union = f.started_union()
    response = admin.post(f"/unions/{union.id}/events", json={"event": "dissolve"})
    assert response.status_code == 409
    assert error(response)["allowed"] == ["found", "abandon"]


def test_union_events_need_manage_rights(f, as_user):
    union = f.started_union()
    member = f.enroll(union)
    city = as_user(f.user("city_staff"))
    response = city.post(f"/unions/{union.id}/events", json={"event": "found", "chair_membership_id": member.id})
    assert response.status_code == 403
    other_officer = as_user(f.user("officer", jurisdiction=f.yangting))
    assert other_officer.post(f"/unions/{union.id}/events", json={"event": "abandon"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"event": "found", "chair_membership_id": "7"}, "chair_membership_id"),
        ({"event": "dissolve", "successor_union_id": 999999}, "successor_union_id"),
        ({"event": "dissolve", "decisions": {"x": {"action": "end"}}}, "decisions.x"),
        ({"event": "dissolve", "decisions": {"5": {"action": "delete"}}}, "decisions.5.action"),
        (
            {"event": "dissolve", "decisions": {"5": {"action": "transfer", "to_union_id": 999999}}},
            "decisions.5.to_union_id",
        ),
        ({"event": "rename"}, "event"),
    ],
)
def test_union_event_refuses_bad_input(f, admin, body, field):
    union = f.started_union()
    response = admin.post(f"/unions/{union.id}/events", json=body)
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_dissolve_blocked_by_an_open_wage_case_then_hands_members_on(f, admin, db_session):
    union = f.active_union(members=3)
    regional = f.regional_union()
    member_ids = [m["id"] for m in admin.get(f"/unions/{union.id}/members").get_json()["items"]]
    worker = db_session.get(Membership, member_ids[0]).worker
    case = wage_cases.open_wage_case(
        db_session, f.admin, union, summary="拖欠工资", amount_claimed="1000", worker_ids=[worker.id], opened_on=DAY
    )
    f.fire(union.project, "complete", on=dt.date(2024, 6, 1))
    preview = admin.get(f"/unions/{union.id}/dissolution").get_json()
    assert preview == {
        "open_wage_cases": 1,
        "pending_applications": 0,
        "active_members": 3,
        "successor_union_id": regional.id,
        "blocked": True,
    }
    refused = admin.post(f"/unions/{union.id}/events", json={"event": "dissolve", "on": "2024-06-02"})
    assert refused.status_code == 409
    assert error(refused)["code"] == "invalid_transition"
    assert "wage case" in error(refused)["message"]
    f.fire(case, "mediate", on=dt.date(2024, 6, 1))
    f.fire(case, "resolve", on=dt.date(2024, 6, 1), amount_recovered="1000")
    response = admin.post(
        f"/unions/{union.id}/events",
        json={
            "event": "dissolve",
            "on": "2024-06-02",
            "decisions": {str(member_ids[2]): {"action": "end", "reason": "withdrew"}},
        },
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["state"], body["dissolved_on"], body["successor_union_id"]) == ("dissolved", "2024-06-02", regional.id)
    assert body["counts"] == {"active": 0, "pending": 0, "ended": 3}
    ended = admin.get(f"/memberships/{member_ids[2]}").get_json()
    assert (ended["state"], ended["end_reason"], ended["transferred_to_id"]) == ("ended", "withdrew", None)
    handed = admin.get(f"/memberships/{member_ids[0]}").get_json()
    assert handed["state"] == "transferred"
    assert admin.get(f"/memberships/{handed['transferred_to_id']}").get_json()["union_id"] == regional.id
    assert admin.get(f"/unions/{regional.id}").get_json()["counts"]["active"] == 2


# Members ---------------------------------------------------------------------


def test_enroll_a_worker(f, admin):
    union = f.started_union()
    number = id_number(seq=11, birth=dt.date(1988, 5, 6))
    response = admin.post(
        f"/unions/{union.id}/members",
        json={
            "id_number": number.lower(),
            "name": " 李 · 四 ",
            "phone": "+86 139-1234-5678",
            "trade": "钢筋工",
            "joined_on": "2024-03-02",
        },
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "active"
    assert body["name"] == "李·四"
    assert body["id_number_masked"] == number[:2] + "*" * 14 + number[-2:]
    assert number not in response.get_data(as_text=True)
    assert (body["union_id"], body["joined_on"], body["trade"], body["source"]) == (
        union.id,
        "2024-03-02",
        "钢筋工",
        "officer",
    )
    assert body["allowed_events"] == ["end", "transfer"]
    worker = admin.get(f"/workers/{body['worker_id']}").get_json()
    assert (worker["gender"], worker["birth_date"], worker["phone"]) == (
        "M" if int(number[16]) % 2 else "F",
        "1988-05-06",
        "13912345678",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"id_number": "411502198503040011"},
            "id_number",
            "The ID number's check character does not match; a digit is probably mistyped.",
        ),
        (
            {"id_number": "411502850304001"},
            "id_number",
            "This is an old 15-digit ID number. Enter the 18-character number on the current ID card.",
        ),
        ({"id_number": 411502198503040012}, "id_number", "Enter text."),
        ({"name": ""}, "name", "Enter the name."),
        (
            {"name": "王\u200b小明"},
            "name",
            "The name contains invisible or control characters; type it again rather than pasting it.",
        ),
        ({"phone": "12345"}, "phone", "Enter a mainland mobile number: 11 digits starting with 13 to 19."),
        ({"joined_on": "2999-01-01"}, "joined_on", "The joining date cannot be in the future."),
        ({"transfer": "yes"}, "transfer", "Enter true or false."),
        (
            {"id_number": id_number(seq=3, birth=dt.date(2010, 1, 1))},
            "id_number",
            "The worker must be at least 16 years old on the day of joining.",
        ),
    ],
)
def test_enroll_refuses_bad_fields_and_saves_nothing(f, admin, db_session, values, field, message):
    union = f.started_union()
    response = admin.post(f"/unions/{union.id}/members", json=enroll_body(**values))
    assert response.status_code == 400
    assert error(response)["fields"][field] == message
    assert admin.get(f"/unions/{union.id}").get_json()["counts"] == {"active": 0, "pending": 0, "ended": 0}


def test_enroll_reports_every_bad_field_at_once(f, admin):
    union = f.started_union()
    response = admin.post(f"/unions/{union.id}/members", json={"id_number": "123", "name": "", "phone": "1"})
    assert set(error(response)["fields"]) == {"id_number", "name", "phone"}


def test_enroll_a_member_of_another_union_says_where_unless_transferred(f, admin):
    first = f.started_union()
    second = f.started_union()
    body = enroll_body(seq=21)
    assert admin.post(f"/unions/{first.id}/members", json=body).status_code == 201
    refused = admin.post(f"/unions/{second.id}/members", json=body)
    assert refused.status_code == 409
    assert error(refused)["code"] == "already_member"
    assert error(refused)["union_id"] == first.id
    again = admin.post(f"/unions/{first.id}/members", json=body)
    assert (again.status_code, error(again)["union_id"]) == (409, first.id)
    moved = admin.post(f"/unions/{second.id}/members", json={**body, "transfer": True, "joined_on": "2024-03-05"})
    assert moved.status_code == 201
    old = admin.get(f"/memberships/{moved.get_json()['transferred_from_id']}").get_json()
    assert (old["union_id"], old["state"], old["ended_on"], old["transferred_to_id"]) == (
        first.id,
        "transferred",
        "2024-03-05",
        moved.get_json()["id"],
    )


def test_enroll_closed_while_suspended(f, admin):
    union = f.active_union()
    f.fire(union.project, "halt", on=dt.date(2024, 4, 1))
    response = admin.post(f"/unions/{union.id}/members", json=enroll_body())
    assert response.status_code == 409
    assert error(response)["code"] == "enrollment_closed"


def test_enroll_needs_manage_rights(f, as_user):
    union = f.started_union()
    assert as_user(f.user("city_staff")).post(f"/unions/{union.id}/members", json=enroll_body()).status_code == 403
    officer = as_user(f.user("officer", jurisdiction=f.yangting, unions=[union]))
    assert officer.post(f"/unions/{union.id}/members", json=enroll_body()).status_code == 201


def test_members_by_state_and_as_of_a_date(f, admin):
    union = f.started_union()
    early = f.enroll(union, on=dt.date(2024, 3, 2))
    late = f.enroll(union, on=dt.date(2024, 5, 1))
    left = f.enroll(union, on=dt.date(2024, 3, 2))
    memberships.end_membership(f.session, f.admin, left, "left_site", on=dt.date(2024, 4, 1))
    pending = memberships.apply(f.session, union, id_number=id_number(seq=950), name="申请人")

    def ids(**params):
        return [m["id"] for m in admin.get(f"/unions/{union.id}/members", **params).get_json()["items"]]

    assert ids() == [early.id, late.id, left.id, pending.id]
    assert ids(state="active") == [early.id, late.id]
    assert ids(as_of="2024-03-31") == [early.id, left.id]
    assert ids(as_of="2024-04-01") == [early.id]
    assert ids(as_of="2024-05-01") == [early.id, late.id]
    assert ids(as_of="2024-03-01") == []
    assert error(admin.get(f"/unions/{union.id}/members", as_of="yesterday"))["fields"].keys() == {"as_of"}


# Memberships -----------------------------------------------------------------


def test_approve_and_reject_applications(f, admin):
    union = f.started_union()
    first = memberships.apply(f.session, union, id_number=id_number(seq=960), name="甲")
    second = memberships.apply(f.session, union, id_number=id_number(seq=961), name="乙")
    approved = admin.post(
        f"/memberships/{first.id}/events", json={"event": "approve", "on": today().isoformat()}
    ).get_json()
    # Applied today (the join form has no date): approved the same day, not before.
    assert (approved["state"], approved["joined_on"]) == ("active", today().isoformat())
    rejected = admin.post(
        f"/memberships/{second.id}/events", json={"event": "reject", "rejection_reason": "不在本工地"}
    ).get_json()
    assert rejected["state"] == "rejected"
    again = admin.post(f"/memberships/{second.id}/events", json={"event": "approve"})
    assert again.status_code == 409
    assert error(again)["allowed"] == []


def test_end_a_membership_needs_a_reason(f, admin):
    union = f.started_union()
    member = f.enroll(union)
    refused = admin.post(f"/memberships/{member.id}/events", json={"event": "end"})
    assert refused.status_code == 400
    assert error(refused)["fields"] == {"reason": "Choose why the membership ends."}
    bad = admin.post(f"/memberships/{member.id}/events", json={"event": "end", "reason": "fired"})
    assert error(bad)["fields"]["reason"].startswith("Choose one of: left_site")
    body = admin.post(
        f"/memberships/{member.id}/events", json={"event": "end", "reason": "left_site", "on": "2024-04-01"}
    ).get_json()
    assert (body["state"], body["ended_on"], body["end_reason"]) == ("ended", "2024-04-01", "left_site")


def test_transfer_a_membership(f, admin, as_user):
    union = f.started_union()
    regional = f.regional_union()
    member = f.enroll(union)
    refused = admin.post(f"/memberships/{member.id}/events", json={"event": "transfer"})
    assert error(refused)["fields"] == {"to_union_id": "Choose the union the member moves to."}
    hidden = f.regional_union(town=f.wendeng_town)
    officer = as_user(f.user("officer", jurisdiction=f.yangting, unions=[union]))
    out_of_scope = officer.post(
        f"/memberships/{member.id}/events", json={"event": "transfer", "to_union_id": hidden.id}
    )
    assert error(out_of_scope)["fields"] == {"to_union_id": "There is no such union within your scope."}
    body = officer.post(
        f"/memberships/{member.id}/events", json={"event": "transfer", "to_union_id": regional.id, "on": "2024-04-01"}
    ).get_json()
    assert body["state"] == "transferred"
    new = admin.get(f"/memberships/{body['transferred_to_id']}").get_json()
    assert (new["union_id"], new["state"], new["joined_on"], new["transferred_from_id"]) == (
        regional.id,
        "active",
        "2024-04-01",
        member.id,
    )


def test_membership_scope(f, as_user):
    union = f.started_union()
    member = f.enroll(union)
    outsider = as_user(f.user("union_staff", jurisdiction=f.place("371003")))
    assert outsider.get(f"/memberships/{member.id}").status_code == 404
    assert outsider.get(f"/memberships/{member.id}/history").status_code == 404
    assert outsider.get(f"/projects/{union.project_id}/history").status_code == 404
    assert (
        outsider.post(f"/memberships/{member.id}/events", json={"event": "end", "reason": "other"}).status_code == 404
    )
    city = as_user(f.user("city_staff"))
    assert city.get(f"/memberships/{member.id}").status_code == 200
    assert city.post(f"/memberships/{member.id}/events", json={"event": "end", "reason": "other"}).status_code == 403
    assert city.get("/memberships/999999").status_code == 404


def test_membership_history(f, admin):
    union = f.started_union()
    member = f.enroll(union, on=dt.date(2024, 3, 2))
    memberships.end_membership(f.session, f.admin, member, "withdrew", on=dt.date(2024, 4, 1))
    items = admin.get(f"/memberships/{member.id}/history").get_json()["items"]
    assert [(i["event"], i["to_state"], i["on"]) for i in items] == [
        ("create", "pending", "2024-03-02"),
        ("approve", "active", "2024-03-02"),
        ("end", "ended", "2024-04-01"),
    ]
    assert items[2]["data"] == {"reason": "withdrew"}
