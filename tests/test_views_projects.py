"""Projects: the list with its filters, registering and editing, and the lifecycle buttons."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.dates import today
from projectunion.models import Project, StateChange
from tests.views_support import field_errors, flashes, sign_in, text


@pytest.fixture
def staff(f):
    return f.user("union_staff", jurisdiction=f.huancui)


def test_list_shows_projects_in_scope_only(client, f, staff):
    mine = f.project(name="羊亭镇安置房")
    other = f.project(town=f.wendeng_town, name="文登区医院")
    sign_in(client, staff)
    page = text(client.get("/projects/"))
    assert mine.name in page
    assert other.name not in page


def test_list_filters_by_state_place_contractor_and_search(client, f):
    builder = f.contractor("威海建工")
    started = f.project(name="开工项目", general_contractor_id=builder.id)
    f.fire(started, "start", on=dt.date(2024, 3, 1))
    planned = f.project(name="规划项目")
    elsewhere = f.project(town=f.wendeng_town, name="文登项目", permit_no="WD-2024-001")
    sign_in(client, f.admin)

    def names(query: str) -> set[str]:
        page = text(client.get("/projects/?" + query))
        return {p.name for p in (started, planned, elsewhere) if p.name in page}

    assert names("") == {"开工项目", "规划项目", "文登项目"}
    assert names("state=under_construction") == {"开工项目"}
    assert names("place=371003") == {"文登项目"}
    assert names("place=371002005") == {"开工项目", "规划项目"}
    assert names(f"contractor={builder.id}") == {"开工项目"}
    assert names("q=wd-2024") == {"文登项目"}
    assert names("q=规划") == {"规划项目"}
    assert "No project matches." in text(client.get("/projects/?q=nothing-like-this"))


def test_list_is_paginated(client, f, app):
    app.config["PAGE_SIZE"] = 3
    for i in range(7):
        f.project(name=f"分页项目{i}")
    sign_in(client, f.admin)
    first = text(client.get("/projects/"))
    assert "1–3 of 7" in first
    last = text(client.get("/projects/?page=3"))
    assert "7–7 of 7" in last
    assert "分页项目0" in last


def test_register_a_project(client, f, staff, db_session):
    builder = f.contractor()
    sign_in(client, staff)
    form = client.get("/projects/new")
    assert "羊亭镇" in text(form)
    assert "文登" not in form.get_data(as_text=True).split('id="town_code"')[1].split("</select>")[0]
    response = client.post(
        "/projects/new",
        data={
            "name": "  威海市民文化中心 ",
            "permit_no": "371002202400099",
            "town_code": "371002005",
            "address": "文化路1号",
            "general_contractor_id": str(builder.id),
            "planned_start": "2024-03-01",
            "planned_end": "2026-06-30",
        },
        follow_redirects=True,
    )
    project = db_session.scalar(sa.select(Project).where(Project.permit_no == "371002202400099"))
    assert project.name == "威海市民文化中心"
    assert project.general_contractor_id == builder.id
    assert project.created_by_id == staff.id
    assert any("is registered" in m for m in flashes(response))
    page = text(response)
    assert "Start construction" in page and "Cancel the project" in page


def test_register_refuses_bad_input_per_field_and_saves_nothing(client, f, staff, db_session):
    f.project(permit_no="DUP-1")
    sign_in(client, staff)
    before = db_session.scalar(sa.select(sa.func.count(Project.id)))
    response = client.post(
        "/projects/new",
        data={
            "name": "",
            "permit_no": "dup-1",
            "town_code": "371002005",
            "planned_start": "2024-05-01",
            "planned_end": "2024-04-01",
        },
    )
    assert field_errors(response) == [
        "Enter the project's name (at most 200 characters).",
        "A project with this permit number is already registered.",
        "The planned end cannot be before the planned start.",
    ]
    response = client.post(
        "/projects/new", data={"name": "x", "permit_no": "P-2", "town_code": "371002005", "planned_start": "03/01/2024"}
    )
    assert "Enter a date like 2024-03-01." in field_errors(response)
    response = client.post("/projects/new", data={"name": "x", "permit_no": "P-3", "town_code": ""})
    assert "Choose the town (street) where the site is." in field_errors(response)
    assert db_session.scalar(sa.select(sa.func.count(Project.id))) == before


def test_register_outside_the_jurisdiction_is_refused(client, f, staff, db_session):
    sign_in(client, staff)
    response = client.post("/projects/new", data={"name": "x", "permit_no": "P-9", "town_code": "371003001"})
    assert "Choose one of the options shown." in field_errors(response)
    assert db_session.scalar(sa.select(Project).where(Project.permit_no == "P-9")) is None


def test_officer_without_a_jurisdiction_cannot_register(client, f):
    sign_in(client, f.user("officer"))
    assert client.get("/projects/new").status_code == 403


def test_edit_a_project(client, f, staff, db_session):
    project = f.project(name="旧名字")
    sign_in(client, staff)
    page = client.get(f"/projects/{project.id}/edit")
    assert "旧名字" in page.get_data(as_text=True)
    response = client.post(
        f"/projects/{project.id}/edit",
        data={"name": "新名字", "address": "", "general_contractor_id": "", "planned_start": "", "planned_end": ""},
        follow_redirects=True,
    )
    assert "The project is saved." in flashes(response)
    db_session.refresh(project)
    assert project.name == "新名字"


def test_completed_project_cannot_be_edited(client, f, staff):
    project = f.project()
    f.fire(project, "start", on=dt.date(2024, 3, 1))
    f.fire(project, "complete", on=dt.date(2024, 9, 1))
    sign_in(client, staff)
    response = client.post(
        f"/projects/{project.id}/edit",
        data={"name": "改不了", "address": "", "general_contractor_id": "", "planned_start": "", "planned_end": ""},
    )
    assert "A completed or cancelled project can no longer be edited." in " ".join(field_errors(response))
    assert "Edit" not in [a.strip() for a in text(client.get(f"/projects/{project.id}")).split(" · ")]


def test_project_page_offers_only_the_events_allowed_now(client, f, staff):
    project = f.project()
    sign_in(client, staff)
    body = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/projects/{project.id}/events/start" in body
    assert f"/projects/{project.id}/events/cancel" in body
    assert f"/projects/{project.id}/events/complete" not in body
    assert f'class="btn btn-primary" href="/projects/{project.id}/events/start"' in body
    assert 'class="lifecycle' not in body  # the diagrams live on the help page


def test_start_asks_for_confirmation_and_the_date_then_opens_the_union(client, f, staff, db_session):
    project = f.project(name="文化中心")
    sign_in(client, staff)
    confirm = client.get(f"/projects/{project.id}/events/start")
    assert confirm.status_code == 200
    assert f'value="{today().isoformat()}"' in confirm.get_data(as_text=True)
    assert "Confirm: Start construction" in text(confirm)
    response = client.post(
        f"/projects/{project.id}/events/start", data={"on": "2024-03-01", "union_name": ""}, follow_redirects=True
    )
    db_session.refresh(project)
    assert project.state == "under_construction"
    assert project.actual_start == dt.date(2024, 3, 1)
    assert project.union.state == "preparing"
    assert "Construction of “文化中心” has started; its union is open in preparation." in flashes(response)
    change = db_session.scalar(
        sa.select(StateChange).where(StateChange.machine == "project", StateChange.event == "start")
    )
    assert change.on == dt.date(2024, 3, 1) and change.actor_id == staff.id


def test_start_can_name_the_union(client, f, staff, db_session):
    project = f.project()
    sign_in(client, staff)
    client.post(f"/projects/{project.id}/events/start", data={"on": "2024-03-01", "union_name": "文化中心项目工会"})
    db_session.refresh(project)
    assert project.union.name == "文化中心项目工会"


def test_event_in_the_future_is_refused_and_changes_nothing(client, f, staff, db_session):
    project = f.project()
    sign_in(client, staff)
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/projects/{project.id}/events/start", data={"on": tomorrow})
    assert "The date cannot be in the future." in field_errors(response)
    db_session.refresh(project)
    assert project.state == "planned"


def test_event_not_allowed_now_is_explained(client, f, staff, db_session):
    project = f.project()
    sign_in(client, staff)
    page = client.get(f"/projects/{project.id}/events/complete")
    assert "This is not possible now" in text(page)
    response = client.post(f"/projects/{project.id}/events/complete", data={"on": "2024-03-01"})
    assert "“Complete the project” is not possible while the project is “Planned”." in field_errors(response)
    db_session.refresh(project)
    assert project.state == "planned"


def test_unknown_event_is_404(client, f, staff):
    project = f.project()
    sign_in(client, staff)
    assert client.get(f"/projects/{project.id}/events/explode").status_code == 404


def test_halt_suspends_the_union_and_complete_begins_its_dissolution(client, f, staff, db_session):
    union = f.active_union(members=2)
    project = union.project
    sign_in(client, staff)
    client.post(f"/projects/{project.id}/events/halt", data={"on": "2024-05-01"})
    db_session.refresh(union)
    assert union.state == "suspended"
    client.post(f"/projects/{project.id}/events/resume", data={"on": "2024-06-01"})
    client.post(f"/projects/{project.id}/events/complete", data={"on": "2024-09-01"})
    db_session.refresh(union)
    assert union.state == "dissolving"
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/unions/{union.id}/dissolve" in page
