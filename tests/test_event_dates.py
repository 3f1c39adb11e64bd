"""Event dates in order: no transition dated before the object's previous one (DESIGN.md,
"Event dates"), refused with a 400 through the API and a field error on the form, for every
machine, and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.models import StateChange
from projectunion.services import memberships, wage_cases
from tests.api_support import error
from tests.views_support import field_errors, flashes, sign_in

D = dt.date


def history(db_session, machine: str, obj) -> list[tuple[str, dt.date]]:
    return list(
        db_session.execute(
            sa.select(StateChange.event, StateChange.on)
            .where(StateChange.machine == machine, StateChange.object_id == obj.id)
            .order_by(StateChange.id)
        ).all()
    )


def refused_on(response) -> str:
    assert response.status_code == 400, response.get_json()
    body = error(response)
    assert body["code"] == "validation_error"
    return body["fields"]["on"]


# --- the field trial's case: a union founded before its project started ---------------------------


def test_union_founded_before_its_project_started_is_refused_through_the_api(f, admin, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    chair = f.enroll(union, on=D(2024, 3, 1))
    response = admin.post(
        f"/unions/{union.id}/events", json={"event": "found", "on": "2024-02-15", "chair_membership_id": chair.id}
    )
    assert "2024-03-01" in refused_on(response)
    db_session.refresh(union)
    assert union.state == "preparing" and union.founded_on is None
    assert [e for e, _on in history(db_session, "union", union)] == ["create"]


def test_union_founded_on_the_day_construction_started_is_accepted(f, admin):
    union = f.started_union(on=D(2024, 3, 1))
    chair = f.enroll(union, on=D(2024, 3, 1))
    response = admin.post(
        f"/unions/{union.id}/events", json={"event": "found", "on": "2024-03-01", "chair_membership_id": chair.id}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "active"


def test_union_founded_before_its_project_started_is_a_form_error(f, client, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    chair = f.enroll(union, on=D(2024, 3, 1))
    sign_in(client, f.admin)
    response = client.post(
        f"/unions/{union.id}/events/found", data={"on": "2024-02-15", "chair_membership_id": str(chair.id)}
    )
    assert response.status_code == 200
    assert field_errors(response) == [
        "The date cannot be before Mar 1, 2024, the day construction started and the union was opened."
    ]
    db_session.refresh(union)
    assert union.state == "preparing"


# --- projects -------------------------------------------------------------------------------


def test_project_started_before_it_was_registered_is_refused_and_says_so(f, admin, db_session):
    project = f.project(registered_on=D(2024, 3, 1))
    response = admin.post(f"/projects/{project.id}/events", json={"event": "start", "on": "2024-02-01"})
    assert refused_on(response) == "The date cannot be before 2024-03-01, the day the project was registered."
    db_session.refresh(project)
    assert project.state == "planned" and project.union is None


def test_a_project_entered_after_the_fact_keeps_its_real_dates(f, client, db_session):
    """The officer registers today a site that started in March: the form takes the day it was registered."""
    from projectunion.models import Project

    sign_in(client, f.admin)
    form = client.get("/projects/new").get_data(as_text=True)
    assert 'id="registered_on"' in form
    client.post(
        "/projects/new",
        data={
            "name": "补录项目",
            "permit_no": "371002202400999",
            "town_code": f.yangting.code,
            "registered_on": "2024-02-20",
        },
    )
    project = db_session.scalars(sa.select(Project).where(Project.permit_no == "371002202400999")).one()
    response = client.post(f"/projects/{project.id}/events/start", data={"on": "2024-03-01"})
    assert response.status_code == 302, field_errors(response)
    db_session.refresh(project)
    assert project.state == "under_construction"


def test_project_halted_before_it_started_is_a_form_error(f, client, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    sign_in(client, f.admin)
    response = client.post(f"/projects/{union.project.id}/events/halt", data={"on": "2024-02-20"})
    assert field_errors(response) == [
        "The date cannot be before Mar 1, 2024, the date of the previous event (Start construction)."
    ]
    db_session.refresh(union.project)
    assert union.project.state == "under_construction"


def test_project_halt_dated_before_its_union_was_founded_is_refused_and_suspends_nothing(f, admin, db_session):
    """Halting suspends the union: its date must also follow the union's last event."""
    union = f.started_union(on=D(2024, 3, 1))
    chair = f.enroll(union, on=D(2024, 3, 1))
    f.fire(union, "found", on=D(2024, 3, 10), chair_membership_id=chair.id)
    response = admin.post(f"/projects/{union.project.id}/events", json={"event": "halt", "on": "2024-03-05"})
    assert "2024-03-10" in refused_on(response)
    db_session.refresh(union)
    assert union.state == "active" and union.project.state == "under_construction"
    assert [e for e, _on in history(db_session, "project", union.project)] == ["create", "start"]


def test_events_on_the_same_day_and_later_are_accepted(f, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    project = union.project
    f.fire(project, "halt", on=D(2024, 3, 1))
    f.fire(project, "resume", on=D(2024, 4, 1))
    assert [(e, on) for e, on in history(db_session, "project", project)][1:] == [
        ("start", D(2024, 3, 1)),
        ("halt", D(2024, 3, 1)),
        ("resume", D(2024, 4, 1)),
    ]


# --- memberships ------------------------------------------------------------------------------


def test_application_approved_before_the_worker_applied_is_refused_through_the_api(f, admin, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    applied = memberships.apply(db_session, union, id_number=_id(), name="李想", phone="13800000001")
    before = (today() - dt.timedelta(days=3)).isoformat()
    response = admin.post(f"/memberships/{applied.id}/events", json={"event": "approve", "on": before})
    assert refused_on(response) == f"The date cannot be before {today().isoformat()}, the day the worker applied."
    db_session.refresh(applied)
    assert applied.state == "pending" and applied.joined_on is None


def test_application_approved_before_the_worker_applied_is_refused_on_the_page(f, client, db_session):
    union = f.started_union(on=D(2024, 3, 1))
    applied = memberships.apply(db_session, union, id_number=_id(), name="王芳", phone="13800000002")
    sign_in(client, f.admin)
    before = (today() - dt.timedelta(days=3)).isoformat()
    response = client.post(
        f"/unions/{union.id}/applications",
        data={"on": before, "single": f"approve:{applied.id}"},
        follow_redirects=True,
    )
    assert f"王芳: The date cannot be before {_shown(today())}, the day the worker applied." in flashes(response)
    db_session.refresh(applied)
    assert applied.state == "pending"


def test_membership_ending_before_it_began_is_refused_through_the_api(f, admin, db_session):
    union = f.active_union(members=1)
    member = f.enroll(union, on=D(2024, 4, 1))
    response = admin.post(
        f"/memberships/{member.id}/events", json={"event": "end", "reason": "left_site", "on": "2024-03-20"}
    )
    assert refused_on(response).startswith("A membership cannot end before it began")
    db_session.refresh(member)
    assert member.state == "active" and member.ended_on is None


def test_membership_ending_before_it_began_is_a_form_error(f, client, db_session):
    union = f.active_union(members=1)
    member = f.enroll(union, on=D(2024, 4, 1))
    sign_in(client, f.admin)
    response = client.post(f"/memberships/{member.id}/end", data={"on": "2024-03-20", "reason": "left_site"})
    assert any("A membership cannot end before it began" in e for e in field_errors(response))
    db_session.refresh(member)
    assert member.state == "active"


# --- wage cases ---------------------------------------------------------------------------------


@pytest.fixture
def mediating_case(f, db_session):
    union = f.active_union(members=1)
    worker = union.chair.worker
    case = wage_cases.open_wage_case(
        db_session,
        f.admin,
        union,
        summary="拖欠工资",
        amount_claimed="8000",
        worker_ids=[worker.id],
        opened_on=D(2024, 5, 1),
    )
    f.fire(case, "mediate", on=D(2024, 6, 1))
    return case


def test_wage_case_escalated_before_its_mediation_began_is_refused_through_the_api(mediating_case, admin, db_session):
    response = admin.post(f"/wage-cases/{mediating_case.id}/events", json={"event": "escalate", "on": "2024-05-15"})
    assert refused_on(response) == (
        "The date cannot be before 2024-06-01, the date of the previous event (Start mediation)."
    )
    db_session.refresh(mediating_case)
    assert mediating_case.state == "mediating"


def test_wage_case_mediated_before_it_was_opened_is_a_form_error(f, client, db_session):
    union = f.active_union(members=1)
    case = wage_cases.open_wage_case(
        db_session,
        f.admin,
        union,
        summary="拖欠工资",
        amount_claimed="500",
        worker_ids=[union.chair.worker.id],
        opened_on=D(2024, 5, 1),
    )
    sign_in(client, f.admin)
    response = client.post(f"/wage-cases/{case.id}/events/mediate", data={"on": "2024-04-30"})
    assert field_errors(response) == ["The date cannot be before May 1, 2024, the day the case was opened."]
    db_session.refresh(case)
    assert case.state == "open"


# --- the refusal in the user's language ---------------------------------------------------------


def test_the_refusal_speaks_chinese(f, as_user):
    project = f.project(registered_on=D(2024, 3, 1))
    response = as_user(f.admin, language="zh-CN").post(
        f"/projects/{project.id}/events", json={"event": "start", "on": "2024-02-01"}
    )
    message = refused_on(response)
    assert "2024-03-01" in message and "登记" in message


def _id() -> str:
    from tests.factories import id_number

    return id_number(seq=777, birth=D(1990, 6, 1))


def _shown(day: dt.date) -> str:
    """How an English page writes a date (Mar 1, 2024)."""
    return f"{day:%b} {day.day}, {day.year}"
