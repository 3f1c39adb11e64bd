"""Officers on projects: union staff assign them from the project page; an officer sees the
projects they are assigned to and the unassigned planned projects of their town, and can take
one up; the assignment carries over to the project's union."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion import permissions
from projectunion.exceptions import NotFound, PermissionDenied
from projectunion.services import projects
from tests.views_support import flashes, sign_in, text


@pytest.fixture
def town_staff(f):
    return f.user("union_staff", jurisdiction=f.yangting)


@pytest.fixture
def newcomer(f):
    """An officer just created for 羊亭镇, on no project yet."""
    return f.user("officer", jurisdiction=f.yangting)


def test_a_new_officer_sees_the_unassigned_planned_project_of_their_town(f, client, newcomer):
    planned = f.project(name="羊亭安置房")
    elsewhere = f.project(name="文登新城", town=f.wendeng_town)
    sign_in(client, newcomer)
    home = text(client.get("/"))
    assert "羊亭安置房" in home and "No projects yet." not in home
    assert "文登新城" not in home
    page = client.get(f"/projects/{planned.id}")
    assert "Take up this project" in text(page)
    assert client.get(f"/projects/{elsewhere.id}").status_code == 404


def test_the_officer_takes_a_project_up_and_runs_its_union_once_construction_starts(f, client, newcomer, db_session):
    planned = f.project(name="羊亭安置房", registered_on=dt.date(2024, 2, 1))
    sign_in(client, newcomer)
    assert not permissions.can_manage_project(newcomer, planned)
    response = client.post(f"/projects/{planned.id}/officers/take-up", follow_redirects=True)
    assert "You now run this project. Start it when construction begins." in flashes(response)
    assert newcomer in planned.officers
    response = client.post(f"/projects/{planned.id}/events/start", data={"on": "2024-03-01"}, follow_redirects=True)
    db_session.refresh(planned)
    assert planned.state == "under_construction"
    assert planned.union in newcomer.unions
    assert permissions.can_manage_union(newcomer, planned.union)


def test_a_project_taken_up_is_no_longer_offered_to_the_other_officers_of_the_town(f, db_session, newcomer):
    planned = f.project()
    colleague = f.user("officer", jurisdiction=f.yangting)
    projects.take_up_project(db_session, newcomer, planned)
    assert not permissions.can_view_project(colleague, planned)
    with pytest.raises(NotFound):
        projects.take_up_project(db_session, colleague, planned)


def test_union_staff_assign_an_officer_from_the_project_page(f, client, town_staff, newcomer, db_session):
    union = f.started_union()
    sign_in(client, town_staff)
    page = client.get(f"/projects/{union.project.id}")
    assert newcomer.display_name in text(page)
    response = client.post(
        f"/projects/{union.project.id}/officers/assign", data={"officer_id": str(newcomer.id)}, follow_redirects=True
    )
    assert f"{newcomer.display_name} now runs this project and its union." in flashes(response)
    db_session.refresh(newcomer)
    assert union in newcomer.unions and union.project in newcomer.projects


def test_the_assigned_officer_sees_their_project_on_their_home_page(f, client, town_staff, newcomer, db_session):
    union = f.started_union(name="羊亭花园")
    projects.assign_officer(db_session, town_staff, union.project, newcomer)
    sign_in(client, newcomer)
    home = text(client.get("/"))
    assert "羊亭花园" in home and union.name in home
    assert client.get(f"/unions/{union.id}").status_code == 200


def test_an_officer_removed_from_a_project_no_longer_runs_its_union(f, db_session, town_staff, newcomer):
    union = f.started_union()
    projects.assign_officer(db_session, town_staff, union.project, newcomer)
    projects.unassign_officer(db_session, town_staff, union.project, newcomer)
    assert union not in newcomer.unions
    assert not permissions.can_manage_union(newcomer, union)


def test_only_union_staff_of_the_town_assign_officers(f, db_session, newcomer):
    project = f.project()
    other_staff = f.user("union_staff", jurisdiction=f.wendeng_town)
    with pytest.raises(Exception) as info:
        projects.assign_officer(db_session, other_staff, project, newcomer)
    assert info.value.status == 404  # outside their jurisdiction, the project is not theirs to see
    colleague = f.user("officer", jurisdiction=f.yangting)
    projects.take_up_project(db_session, newcomer, project)
    with pytest.raises(PermissionDenied):
        projects.assign_officer(db_session, newcomer, project, colleague)


def test_an_officer_of_another_town_cannot_be_assigned(f, db_session, town_staff):
    project = f.project()
    far = f.user("officer", jurisdiction=f.wendeng_town)
    with pytest.raises(Exception) as info:
        projects.assign_officer(db_session, town_staff, project, far)
    assert "officer_id" in info.value.fields
    assert far not in projects.assignable_officers(db_session, project)
