"""A project union's whole life driven through the API alone, as a city's own
tools would: accounts and tokens from the command line, then only HTTP calls."""

from __future__ import annotations

import datetime as dt

from tests.api_support import Api
from tests.factories import id_number

WORKERS = 50
MOVED = 8  # of the 50, members of the town's regional union before the project


def token(runner, *args: str) -> str:
    created = runner.invoke(args=["users", "create", *args, "--password", "correct horse battery"])
    assert created.exit_code == 0, created.output
    issued = runner.invoke(args=["users", "token", args[0]])
    assert issued.exit_code == 0, issued.output
    return issued.output.strip()


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_project_union_from_start_to_dissolution_through_the_api(f, client, runner):
    f.city  # noqa: B018 - the divisions are loaded when the city is set up
    staff = Api(client, token(runner, "huancui", "--role", "union_staff", "--jurisdiction", "371002"), "en")
    city = Api(client, token(runner, "city", "--role", "city_staff"), "en")

    regional = ok(
        staff.post("/unions", json={"kind": "regional", "name": "羊亭镇区域工会", "jurisdiction_code": "371002005"}),
        201,
    )
    people = [
        {"id_number": id_number(seq=600 + i, birth=dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)), "name": f"工人{i}"}
        for i in range(WORKERS)
    ]
    for person in people[:MOVED]:
        ok(staff.post(f"/unions/{regional['id']}/members", json={**person, "joined_on": "2024-01-10"}), 201)

    project = ok(
        staff.post(
            "/projects",
            json={
                "name": "羊亭安置房",
                "permit_no": "371002202403010101",
                "town_code": "371002005",
                "planned_start": "2024-03-01",
                "registered_on": "2024-02-20",
            },
        ),
        201,
    )
    project = ok(staff.post(f"/projects/{project['id']}/events", json={"event": "start", "on": "2024-03-01"}))
    union_id = project["union_id"]
    assert ok(staff.get(f"/unions/{union_id}"))["state"] == "preparing"

    refused = staff.post(f"/unions/{union_id}/members", json={**people[0], "joined_on": "2024-03-02"})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["union_id"] == regional["id"]
    members = []
    for i, person in enumerate(people):
        body = {**person, "joined_on": "2024-03-02", "trade": "钢筋工" if i % 2 else "木工"}
        if i < MOVED:
            body["transfer"] = True
        members.append(ok(staff.post(f"/unions/{union_id}/members", json=body), 201))
    assert all(m["transferred_from_id"] for m in members[:MOVED])
    assert not any(m["transferred_from_id"] for m in members[MOVED:])

    union = ok(
        staff.post(
            f"/unions/{union_id}/events",
            json={"event": "found", "on": "2024-03-10", "chair_membership_id": members[MOVED]["id"]},
        )
    )
    assert (union["state"], union["counts"]["active"]) == ("active", WORKERS)

    ok(staff.post(f"/projects/{project['id']}/events", json={"event": "halt", "on": "2024-06-01"}))
    assert ok(staff.get(f"/unions/{union_id}"))["state"] == "suspended"
    closed = staff.post(f"/unions/{union_id}/members", json={"id_number": id_number(seq=700), "name": "迟到"})
    assert closed.get_json()["error"]["code"] == "enrollment_closed"
    ok(staff.post(f"/projects/{project['id']}/events", json={"event": "resume", "on": "2024-07-01"}))
    assert ok(staff.get(f"/unions/{union_id}"))["state"] == "active"

    case = ok(
        staff.post(
            "/wage-cases",
            json={
                "union_id": union_id,
                "summary": "分包拖欠十一月工资",
                "amount_claimed": "18000.00",
                "worker_ids": [m["worker_id"] for m in members[10:13]],
                "opened_on": "2024-12-01",
            },
        ),
        201,
    )
    project = ok(staff.post(f"/projects/{project['id']}/events", json={"event": "complete", "on": "2024-12-20"}))
    assert (project["state"], project["actual_end"]) == ("completed", "2024-12-20")
    assert ok(staff.get(f"/unions/{union_id}"))["state"] == "dissolving"

    blocked = staff.post(f"/unions/{union_id}/events", json={"event": "dissolve", "on": "2024-12-28"})
    assert blocked.status_code == 409
    assert blocked.get_json()["error"]["code"] == "invalid_transition"
    assert ok(staff.get(f"/unions/{union_id}/dissolution"))["blocked"] is True
    ok(staff.post(f"/wage-cases/{case['id']}/events", json={"event": "mediate", "on": "2024-12-21"}))
    resolved = ok(
        staff.post(
            f"/wage-cases/{case['id']}/events",
            json={"event": "resolve", "on": "2024-12-27", "amount_recovered": "17500.50"},
        )
    )
    assert resolved["amount_recovered"] == "17500.50"

    union = ok(staff.post(f"/unions/{union_id}/events", json={"event": "dissolve", "on": "2024-12-28"}))
    assert (union["state"], union["dissolved_on"], union["successor_union_id"]) == (
        "dissolved",
        "2024-12-28",
        regional["id"],
    )
    assert union["counts"] == {"active": 0, "pending": 0, "ended": WORKERS}
    assert ok(staff.get(f"/unions/{regional['id']}"))["counts"]["active"] == WORKERS

    # History: the union's lifecycle, and one moved worker's memberships end to end.
    history = ok(staff.get(f"/unions/{union_id}/history"))["items"]
    assert [(h["event"], h["to_state"], h["on"]) for h in history] == [
        ("create", "preparing", "2024-03-01"),
        ("found", "active", "2024-03-10"),
        ("suspend", "suspended", "2024-06-01"),
        ("resume", "active", "2024-07-01"),
        ("begin_dissolution", "dissolving", "2024-12-20"),
        ("dissolve", "dissolved", "2024-12-28"),
    ]
    assert [h["event"] for h in ok(staff.get(f"/projects/{project['id']}/history"))["items"]] == [
        "create",
        "start",
        "halt",
        "resume",
        "complete",
    ]
    moved = ok(staff.get(f"/workers/{members[0]['worker_id']}"))
    assert [(m["union_id"], m["state"], m["joined_on"], m["ended_on"]) for m in moved["memberships"]] == [
        (regional["id"], "transferred", "2024-01-10", "2024-03-02"),
        (union_id, "transferred", "2024-03-02", "2024-12-28"),
        (regional["id"], "active", "2024-12-28", None),
    ]
    assert moved["memberships"][1]["end_reason"] == "project_completed"
    assert ok(staff.get(f"/unions/{union_id}/members", as_of="2024-12-27"))["items"][0]["state"] == "transferred"
    assert len(ok(staff.get(f"/unions/{union_id}/members", as_of="2024-12-27", limit=200))["items"]) == WORKERS
    assert ok(staff.get(f"/unions/{union_id}/members", as_of="2024-12-28"))["items"] == []

    # The totals, as of the end of the year and as of a day while the project was halted.
    year = {"from": "2024-01-01", "to": "2024-12-31", "as_of": "2024-12-31"}
    total = ok(city.get("/stats", **year))["total"]
    assert total["active_members"] == WORKERS
    assert total["new_members"] == WORKERS
    assert total["developed_by_project_unions"] == WORKERS - MOVED
    assert (total["unions_founded"], total["unions_dissolved"], total["unions_active"]) == (1, 1, 0)
    assert (total["wage_cases_resolved"], total["wages_recovered"], total["workers_helped"]) == (1, "17500.50", 3)
    halted = ok(city.get("/stats", **{**year, "as_of": "2024-06-15"}))["total"]
    assert (halted["active_members"], halted["unions_active"], halted["wage_cases_resolved"]) == (WORKERS, 1, 0)
    by_town = {r["key"]: r for r in ok(city.get("/stats", **year, by="town"))["rows"]}
    assert by_town["371002005"]["new_members"] == WORKERS
    assert ok(staff.get("/stats", **year))["total"] == total
