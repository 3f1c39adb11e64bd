"""Contract tests of workers, wage cases, service records and the totals through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion.services import crews
from tests.api_support import error
from tests.factories import id_number

DAY = dt.date(2024, 3, 1)


# Workers ---------------------------------------------------------------------


def test_find_a_worker_by_the_full_id_number(f, admin, as_user):
    union = f.started_union()
    number = id_number(seq=301, birth=dt.date(1979, 12, 9))
    member = f.enroll(union, id_number=number, name="赵六", trade="木工")
    found = admin.post("/workers/lookup", json={"id_number": number}).get_json()
    assert found["next"] is None
    (worker,) = found["items"]
    assert worker == {
        "id": member.worker_id,
        "name": "赵六",
        "id_number_masked": number[:2] + "*" * 14 + number[-2:],
        "gender": "M" if int(number[16]) % 2 else "F",
        "birth_year": 1979,
        "birth_date": "1979-12-09",
        "origin_province": "河南省",
        "origin_province_code": "41",
        "trade": "木工",
        "phone": None,
        "anonymised_on": None,
        "memberships": [
            {
                "id": member.id,
                "union_id": union.id,
                "union_name": union.name,
                "state": "active",
                "joined_on": "2024-03-02",
                "ended_on": None,
                "end_reason": None,
                "transferred_from_id": None,
            }
        ],
    }
    typed = " " + number.lower()[:-1] + number[-1].lower()
    assert admin.post("/workers/lookup", json={"id_number": typed}).get_json() == found
    assert admin.get(f"/workers/{member.worker_id}").get_json() == worker
    assert admin.post("/workers/lookup", json={"id_number": id_number(seq=302)}).get_json() == {
        "items": [],
        "next": None,
    }
    outsider = as_user(f.user("union_staff", jurisdiction=f.place("371003")))
    assert outsider.post("/workers/lookup", json={"id_number": number}).get_json()["items"] == []
    assert outsider.get(f"/workers/{member.worker_id}").status_code == 404
    assert admin.get("/workers/999999").status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "This field is required."),
        ({"id_number": "123"}, "An ID number has 18 characters: 17 digits and a last digit or X (3 given)."),
        ({"id_number": "4115021985"}, "An ID number has 18 characters: 17 digits and a last digit or X (10 given)."),
    ],
)
def test_worker_look_up_needs_a_valid_full_number(admin, params, message):
    response = admin.post("/workers/lookup", json=params)
    assert response.status_code == 400
    assert error(response)["fields"] == {"id_number": message}


def test_contractor_sees_only_its_own_crews_workers(f, as_user, db_session):
    company = f.contractor()
    crew = crews.create_crew(db_session, f.admin, company, name="钢筋班", created_on=DAY)
    number = id_number(seq=320)
    crews.add_member(db_session, f.admin, crew, id_number=number, name="钱七", joined_on=DAY)
    stranger = f.enroll(f.started_union())
    api = as_user(f.user("contractor", contractor=company))
    (worker,) = api.post("/workers/lookup", json={"id_number": number}).get_json()["items"]
    assert worker["memberships"] == []
    assert api.get(f"/workers/{stranger.worker_id}").status_code == 404


# Wage cases ------------------------------------------------------------------


def test_wage_case_lifecycle(f, admin):
    union = f.active_union(members=2)
    workers = [m["worker_id"] for m in admin.get(f"/unions/{union.id}/members").get_json()["items"]]
    company = f.contractor()
    response = admin.post(
        "/wage-cases",
        json={
            "union_id": union.id,
            "summary": "拖欠三月工资\n共两人",
            "amount_claimed": "25000.5",
            "worker_ids": workers,
            "contractor_id": company.id,
            "opened_on": "2024-04-01",
        },
    )
    assert response.status_code == 201
    case = response.get_json()
    assert case["amount_claimed"] == "25000.50"
    assert case["amount_recovered"] == "0.00"
    assert (case["state"], case["worker_ids"], case["allowed_events"]) == (
        "open",
        sorted(workers),
        ["mediate", "escalate"],
    )
    refused = admin.post(f"/wage-cases/{case['id']}/events", json={"event": "resolve"})
    assert (refused.status_code, error(refused)["allowed"]) == (409, ["mediate", "escalate"])
    admin.post(f"/wage-cases/{case['id']}/events", json={"event": "mediate", "on": "2024-04-02"})
    resolved = admin.post(
        f"/wage-cases/{case['id']}/events", json={"event": "resolve", "on": "2024-04-20", "amount_recovered": "24000"}
    ).get_json()
    assert (resolved["state"], resolved["resolved_on"], resolved["amount_recovered"]) == (
        "resolved",
        "2024-04-20",
        "24000.00",
    )
    assert admin.get(f"/wage-cases/{case['id']}").get_json() == resolved
    history = admin.get(f"/wage-cases/{case['id']}/history").get_json()["items"]
    assert [h["event"] for h in history] == ["create", "mediate", "resolve"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"amount_claimed": 100.5}, "amount_claimed", 'Enter an amount in yuan as text, e.g. "12500.00".'),
        ({"amount_claimed": "1,000"}, "amount_claimed", 'Enter an amount in yuan as text, e.g. "12500.00".'),
        ({"amount_claimed": "-5"}, "amount_claimed", 'Enter an amount in yuan as text, e.g. "12500.00".'),
        ({"amount_claimed": "10.001"}, "amount_claimed", 'Enter an amount in yuan as text, e.g. "12500.00".'),
        ({"summary": ""}, "summary", "This field is required."),
        ({"summary": "   "}, "summary", "Describe the case in at most 500 characters."),
        ({"worker_ids": []}, "worker_ids", "Choose the workers involved."),
        ({"worker_ids": [1, 1]}, "worker_ids", "Each item may appear only once."),
        ({"worker_ids": [999999]}, "worker_ids", "There is no such worker within your scope (id 999999)."),
        ({"union_id": 999999}, "union_id", "There is no such union within your scope."),
        ({"contractor_id": 999999}, "contractor_id", "Unknown contractor."),
        ({"opened_on": "2999-01-01"}, "opened_on", "The date cannot be in the future."),
    ],
)
def test_wage_case_refuses_bad_fields(f, admin, values, field, message):
    union = f.active_union(members=1)
    (member,) = admin.get(f"/unions/{union.id}/members").get_json()["items"]
    body = {"union_id": union.id, "summary": "欠薪", "amount_claimed": "100", "worker_ids": [member["worker_id"]]}
    response = admin.post("/wage-cases", json={**body, **values})
    assert response.status_code == 400
    assert error(response)["fields"][field] == message
    assert admin.get(f"/unions/{union.id}/dissolution").get_json()["open_wage_cases"] == 0


def test_wage_case_scope(f, as_user, db_session):
    union = f.active_union(members=1)
    (member,) = as_user(f.admin).get(f"/unions/{union.id}/members").get_json()["items"]
    body = {"union_id": union.id, "summary": "欠薪", "amount_claimed": "100", "worker_ids": [member["worker_id"]]}
    city = as_user(f.user("city_staff"))
    assert city.post("/wage-cases", json=body).status_code == 403
    outsider = as_user(f.user("union_staff", jurisdiction=f.place("371003")))
    assert error(outsider.post("/wage-cases", json=body))["fields"].keys() == {"union_id"}
    officer = as_user(f.user("officer", jurisdiction=f.yangting, unions=[union]))
    case = officer.post("/wage-cases", json=body).get_json()
    assert outsider.get(f"/wage-cases/{case['id']}").status_code == 404
    assert outsider.post(f"/wage-cases/{case['id']}/events", json={"event": "mediate"}).status_code == 404
    assert city.get(f"/wage-cases/{case['id']}").status_code == 200
    assert city.post(f"/wage-cases/{case['id']}/events", json={"event": "mediate"}).status_code == 403


# Service records -------------------------------------------------------------


def test_record_a_service(f, admin, as_user):
    union = f.active_union(members=1)
    (member,) = admin.get(f"/unions/{union.id}/members").get_json()["items"]
    body = {"union_id": union.id, "worker_id": member["worker_id"], "kind": "hardship_aid", "served_on": "2024-05-01"}
    response = admin.post("/service-records", json={**body, "amount": "800", "note": "春节慰问"})
    assert response.status_code == 201
    record = response.get_json()
    assert (record["kind"], record["amount"], record["served_on"], record["note"]) == (
        "hardship_aid",
        "800.00",
        "2024-05-01",
        "春节慰问",
    )
    training = admin.post("/service-records", json={**body, "kind": "training"}).get_json()
    assert (training["amount"], training["note"]) == ("0.00", None)
    assert error(admin.post("/service-records", json={**body, "kind": "party"}))["fields"].keys() == {"kind"}
    assert error(admin.post("/service-records", json={**body, "amount": 5}))["fields"].keys() == {"amount"}
    assert error(admin.post("/service-records", json={**body, "served_on": "2999-01-01"}))["fields"] == {
        "served_on": "The date cannot be in the future."
    }
    assert error(admin.post("/service-records", json={**body, "worker_id": 999999}))["fields"].keys() == {"worker_id"}
    assert as_user(f.user("city_staff")).post("/service-records", json=body).status_code == 403
    outsider = as_user(f.user("union_staff", jurisdiction=f.place("371003")))
    assert error(outsider.post("/service-records", json=body))["fields"].keys() == {"union_id"}


# Totals ----------------------------------------------------------------------


def test_stats_match_the_reporting_module(f, as_user):
    union = f.active_union(members=3, on=dt.date(2024, 3, 1))
    f.enroll(f.started_union(town=f.wendeng_town), on=dt.date(2024, 4, 1))
    city = as_user(f.user("city_staff"))
    body = city.get("/stats", **{"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-12-31"}).get_json()
    assert (body["from"], body["to"], body["on"], body["by"], body["rows"]) == (
        "2024-01-01",
        "2024-12-31",
        "2024-12-31",
        None,
        [],
    )
    assert body["total"]["active_members"] == 4
    assert body["total"]["new_members"] == 4
    assert body["total"]["developed_by_project_unions"] == 4
    assert body["total"]["unions_founded"] == 1
    assert body["total"]["wages_recovered"] == "0.00"
    assert body["total"]["services"]["training"] == {"person_times": 0, "people": 0, "amount": "0.00"}
    by_district = city.get("/stats", **{"from": "2024-01-01", "to": "2024-12-31", "by": "district"}).get_json()
    rows = {r["key"]: r for r in by_district["rows"]}
    assert rows["371002"]["active_members"] == 3
    assert rows["371003"]["active_members"] == 1
    assert by_district["total_rule"]["active_members"] == "distinct"
    march = city.get("/stats", **{"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-03-15"}).get_json()
    assert march["total"]["active_members"] == 3
    assert union.state == "active"


def test_stats_scope_and_validation(f, as_user):
    f.city  # noqa: B018
    staff = as_user(f.user("union_staff", jurisdiction=f.huancui))
    assert staff.get("/stats").get_json()["jurisdiction_code"] == "371002"
    assert staff.get("/stats", jurisdiction_code="371002005").status_code == 200
    assert staff.get("/stats", jurisdiction_code="371003").status_code == 403
    assert as_user(f.user("officer", jurisdiction=f.yangting)).get("/stats").status_code == 403
    assert error(staff.get("/stats", by="weekday"))["fields"].keys() == {"by"}
    assert error(staff.get("/stats", jurisdiction_code="999"))["fields"].keys() == {"jurisdiction_code"}
    assert error(staff.get("/stats", **{"from": "2024-05-01", "to": "2024-01-01"}))["fields"].keys() == {"to"}
    assert error(staff.get("/stats", as_of="2999-01-01"))["fields"].keys() == {"as_of"}
