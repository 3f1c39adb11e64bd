"""Contract tests of the JSON API: every route answers its documented shape,
refuses bad input field by field, and is scoped like the token's user."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_babel import force_locale, gettext

from projectunion.api.core import OPERATIONS
from projectunion.models import ApiToken
from projectunion.services import users
from tests.api_support import Api, error
from tests.factories import id_number

DAY = dt.date(2024, 3, 1)


# Sign-in -------------------------------------------------------------------


def authenticated_operations():
    return [op for op in OPERATIONS if not op.public]


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", "1", path)


@pytest.mark.parametrize("op", authenticated_operations(), ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_needs_a_token(client, op):
    response = client.open(f"/api/v1{_concrete(op.path)}", method=op.method, json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert error(response)["code"] == "unauthorized"


@pytest.mark.parametrize("op", authenticated_operations(), ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_refuses_a_wrong_token(client, f, op):
    response = client.open(
        f"/api/v1{_concrete(op.path)}", method=op.method, json={}, headers={"Authorization": "Bearer pu_wrong"}
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    "op", [op for op in OPERATIONS if op.method == "GET" and op.path_params], ids=lambda op: f"GET {op.path}"
)
def test_every_lookup_of_an_unknown_id_is_not_found(f, admin, op):
    for unknown in ("999999", "0", "2147483648"):
        response = admin.get(re.sub(r"{\w+}", unknown, op.path))
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"


def test_revoked_token_and_inactive_user_are_refused(f, client, db_session):
    user = f.user("city_staff")
    token = users.create_token(db_session, None, user)
    api = Api(client, token)
    assert api.get("/me").status_code == 200
    record = db_session.query(ApiToken).filter_by(user_id=user.id).one()
    users.revoke_token(db_session, None, record)
    assert api.get("/me").status_code == 401
    token = users.create_token(db_session, None, user)
    user.is_active = False
    db_session.commit()
    assert Api(client, token).get("/me").status_code == 401


def test_token_records_when_it_was_last_used(f, client, db_session):
    user = f.user("city_staff")
    token = users.create_token(db_session, None, user)
    record = db_session.query(ApiToken).filter_by(user_id=user.id).one()
    assert record.last_used_at is None
    Api(client, token).get("/me")
    db_session.refresh(record)
    assert record.last_used_at is not None


def test_me_shows_the_tokens_scope(f, as_user):
    union = f.started_union()
    officer = f.user("officer", jurisdiction=f.yangting, unions=[union])
    body = as_user(officer).get("/me").get_json()
    assert body["role"] == "officer"
    assert body["jurisdiction_code"] == "371002005"
    assert body["union_ids"] == [union.id]


# Language ------------------------------------------------------------------


def chinese(message: str) -> str:
    with force_locale("zh_Hans_CN"):
        text = gettext(message)
    assert text != message, f"no Chinese translation of {message!r}"
    return text


def test_messages_are_chinese_by_default_and_follow_accept_language(f, as_user):
    response = as_user(f.admin, language=None).post("/projects", json={})
    assert response.status_code == 400
    assert error(response)["message"] == chinese("Some values are not valid.")
    assert error(response)["fields"]["name"] == chinese("This field is required.")
    english = as_user(f.admin, language="en-US,en;q=0.9")
    assert error(english.post("/projects", json={}))["fields"]["name"] == "This field is required."
    zh = as_user(f.admin, language="zh-CN,zh;q=0.9,en;q=0.8")
    assert error(zh.post("/projects", json={}))["fields"]["name"] == chinese("This field is required.")


def test_unknown_routes_answer_in_the_clients_language(client):
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert error(response)["message"] == chinese("There is no such route in the API; see /api/v1/docs.")


def test_messages_follow_the_users_language_without_accept_language(f, as_user, db_session):
    f.admin.locale = "en"
    db_session.commit()
    assert (
        error(as_user(f.admin, language=None).post("/projects", json={}))["fields"]["name"] == "This field is required."
    )


def test_unknown_routes_and_methods_answer_json(admin):
    response = admin.get("/no-such-thing")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    response = admin.client.delete("/api/v1/projects", headers=admin.headers())
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_body_must_be_a_json_object(admin):
    response = admin.client.post("/api/v1/projects", data="name=x", headers=admin.headers())
    assert response.status_code == 400
    assert "body" in error(response)["fields"]
    response = admin.client.post(
        "/api/v1/projects", data="{not json", headers={**admin.headers(), "Content-Type": "application/json"}
    )
    assert error(response)["fields"]["body"] == "The request body is not valid JSON."
    assert error(admin.post("/projects", json=[1, 2]))["fields"] == {"body": "Send a JSON object."}


def test_every_bad_field_is_reported_at_once_in_the_clients_language(f, as_user):
    body = project_body(name=7, planned_start="2024-02-30", general_contractor_id=0, permitno="x")
    del body["permit_no"]
    response = as_user(f.admin, language="zh-CN").post("/projects", json=body)
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "name": chinese("Enter text."),
        "permit_no": chinese("This field is required."),
        "planned_start": chinese("Enter a date as YYYY-MM-DD, e.g. 2024-03-01."),
        "general_contractor_id": chinese("Enter a number from %(low)s to %(high)s.") % {"low": 1, "high": 2**31 - 1},
        "permitno": chinese("Unknown field."),
    }
    assert as_user(f.admin).get("/projects").get_json()["items"] == []


def test_unknown_fields_are_refused_not_ignored(f, admin):
    response = admin.post(
        "/projects", json={"name": "A", "permit_no": "P-1", "town_code": "371002005", "permitno": "x"}
    )
    assert response.status_code == 400
    assert error(response)["fields"] == {"permitno": "Unknown field."}


# Projects ------------------------------------------------------------------


def project_body(**values):
    return {"name": "威海市民中心", "permit_no": "371002202400001", "town_code": "371002005", **values}


def test_register_project(f, admin):
    f.city  # noqa: B018
    response = admin.post("/projects", json=project_body(address="环翠区羊亭镇", planned_start="2024-03-01"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "威海市民中心"
    assert body["town_code"] == "371002005"
    assert body["state"] == "planned"
    assert body["union_id"] is None
    assert body["planned_start"] == "2024-03-01"
    assert body["allowed_events"] == ["start", "cancel"]
    assert admin.get(f"/projects/{body['id']}").get_json() == body


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 201}, "name", "At most 200 characters."),
        ({"name": 7}, "name", "Enter text."),
        ({"name": "a\x00b"}, "name", "Contains control or invalid characters."),
        ({"town_code": "999999"}, "town_code", "Choose the town (street) where the site is."),
        ({"town_code": "371002"}, "town_code", "Choose the town (street) where the site is."),
        ({"planned_start": "2024-02-30"}, "planned_start", "Enter a date as YYYY-MM-DD, e.g. 2024-03-01."),
        ({"planned_start": "20240301"}, "planned_start", "Enter a date as YYYY-MM-DD, e.g. 2024-03-01."),
        (
            {"planned_start": "2024-03-01", "planned_end": "2024-01-01"},
            "planned_end",
            "The planned end cannot be before the planned start.",
        ),
        ({"general_contractor_id": 999999}, "general_contractor_id", "Unknown contractor."),
        ({"general_contractor_id": 0}, "general_contractor_id", "Enter a number from 1 to 2147483647."),
        ({"general_contractor_id": True}, "general_contractor_id", "Enter a whole number."),
    ],
)
def test_register_project_refuses_bad_fields(f, admin, values, field, message):
    f.city  # noqa: B018
    response = admin.post("/projects", json=project_body(**values))
    assert response.status_code == 400
    assert error(response)["code"] == "validation_error"
    assert error(response)["fields"][field] == message
    assert admin.get("/projects").get_json()["items"] == []


def test_query_parameters_are_checked_like_bodies(f, admin):
    response = admin.get("/projects", limit="201", state="", sort="name")
    assert error(response)["fields"] == {
        "limit": "Enter a number from 1 to 200.",
        "state": "Give a value or leave the parameter out.",
        "sort": "Unknown parameter.",
    }
    assert error(admin.post("/workers/lookup", json={}))["fields"] == {"id_number": "This field is required."}


def test_register_project_twice_names_the_permit_number(f, admin):
    f.city  # noqa: B018
    assert admin.post("/projects", json=project_body()).status_code == 201
    response = admin.post("/projects", json=project_body(name="Other"))
    assert response.status_code == 400
    assert error(response)["fields"] == {"permit_no": "A project with this permit number is already registered."}


def test_register_project_in_and_out_of_scope(f, as_user):
    staff = f.user("union_staff", jurisdiction=f.huancui)
    assert as_user(staff).post("/projects", json=project_body()).status_code == 201
    response = as_user(staff).post("/projects", json=project_body(permit_no="P-2", town_code="371003001"))
    assert response.status_code == 403
    assert error(response)["code"] == "forbidden"
    for role in ("city_staff",):
        assert as_user(f.user(role)).post("/projects", json=project_body(permit_no="P-3")).status_code == 403


def test_project_list_is_scoped_filtered_and_paginated(f, as_user):
    staff = f.user("union_staff", jurisdiction=f.huancui)
    mine = [f.project(name=f"羊亭项目{i}") for i in range(5)]
    other = f.project(town=f.wendeng_town, name="文登项目")
    f.fire(mine[0], "start", on=DAY)
    api = as_user(staff)
    first = api.get("/projects", limit=2).get_json()
    assert [p["id"] for p in first["items"]] == [mine[0].id, mine[1].id]
    second = api.get("/projects", limit=2, cursor=first["next"]).get_json()
    third = api.get("/projects", limit=2, cursor=second["next"]).get_json()
    assert [p["id"] for p in second["items"] + third["items"]] == [p.id for p in mine[2:]]
    assert third["next"] is None
    assert other.id not in [p["id"] for p in api.get("/projects", limit=200).get_json()["items"]]
    assert [p["id"] for p in api.get("/projects", state="under_construction").get_json()["items"]] == [mine[0].id]
    assert len(api.get("/projects", q="羊亭项目").get_json()["items"]) == 5
    assert len(api.get("/projects", q=mine[3].permit_no.lower()).get_json()["items"]) == 1
    assert len(api.get("/projects", town_code="371002").get_json()["items"]) == 5
    assert as_user(f.admin).get("/projects", town_code="371003").get_json()["items"][0]["id"] == other.id


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "building"}, "state"),
        ({"limit": "0"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"town_code": "000000"}, "town_code"),
    ],
)
def test_project_list_refuses_bad_parameters(f, admin, params, field):
    response = admin.get("/projects", **params)
    assert response.status_code == 400
    assert field in error(response)["fields"]


def test_project_out_of_scope_is_not_found(f, as_user):
    project = f.project(town=f.wendeng_town)
    staff = f.user("union_staff", jurisdiction=f.huancui)
    assert as_user(staff).get(f"/projects/{project.id}").status_code == 404
    assert as_user(staff).post(f"/projects/{project.id}/events", json={"event": "start"}).status_code == 404
    assert as_user(f.admin).get("/projects/999999").status_code == 404
    assert as_user(f.admin).get("/projects/99999999999").status_code == 404


def test_project_start_opens_its_union(f, admin):
    project = f.project()
    response = admin.post(f"/projects/{project.id}/events", json={"event": "start", "on": "2024-03-01"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "under_construction"
    assert body["actual_start"] == "2024-03-01"
    union = admin.get(f"/unions/{body['union_id']}").get_json()
    assert union["kind"] == "project"
    assert union["state"] == "preparing"
    assert union["project_id"] == project.id


def test_project_event_refused_in_this_state_lists_the_allowed_ones(f, admin):
    project = f.project()
    response = admin.post(f"/projects/{project.id}/events", json={"event": "complete"})
    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert error(response)["allowed"] == ["start", "cancel"]
    assert admin.get(f"/projects/{project.id}").get_json()["state"] == "planned"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"event": "explode"}, "event"), ({}, "event"), ({"event": "start", "on": "2999-01-01"}, "on")],
)
def test_project_event_refuses_bad_input(f, admin, body, field):
    project = f.project()
    response = admin.post(f"/projects/{project.id}/events", json=body)
    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert admin.get(f"/projects/{project.id}").get_json()["state"] == "planned"


def test_project_events_need_manage_rights(f, as_user):
    project = f.project()
    city = as_user(f.user("city_staff"))
    assert city.get(f"/projects/{project.id}").status_code == 200
    assert city.post(f"/projects/{project.id}/events", json={"event": "start"}).status_code == 403


def test_project_history(f, admin):
    project = f.project()
    f.fire(project, "start", on=DAY)
    items = admin.get(f"/projects/{project.id}/history").get_json()["items"]
    assert [(i["event"], i["from_state"], i["to_state"]) for i in items] == [
        ("create", None, "planned"),
        ("start", "planned", "under_construction"),
    ]
    assert items[1]["on"] == "2024-03-01"
    assert items[1]["at"].endswith("Z")


# Jurisdictions -------------------------------------------------------------


def test_jurisdictions(f, as_user):
    f.city  # noqa: B018
    api = as_user(f.user("city_staff"))
    districts = api.get("/jurisdictions", level="district", limit=200).get_json()["items"]
    assert {"code": "371002", "name": "环翠区", "level": "district", "parent_code": "371000"}.items() <= next(
        d for d in districts if d["code"] == "371002"
    ).items()
    towns = api.get("/jurisdictions", parent_code="371002", limit=200).get_json()["items"]
    assert towns and all(t["parent_code"] == "371002" and t["level"] == "town" for t in towns)
    assert error(api.get("/jurisdictions", level="village"))["fields"].keys() == {"level"}


# OpenAPI -------------------------------------------------------------------


def test_openapi_document_lists_every_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_openapi_document_is_in_the_users_language(client):
    doc = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    assert doc["paths"]["/api/v1/projects"]["post"]["summary"] == "Register a project"


def test_docs_page_renders_the_document_without_external_assets(client):
    response = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/api/v1/unions/{union_id}/members" in html
    assert 'id="schema-Membership"' in html
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html


def test_worker_fixture_numbers_are_valid():
    assert len(id_number()) == 18
