"""Who may see and do what: every role against every kind of page, in and out of its scope.

In scope: 200. Out of scope: 404 (the object's existence is private). Visible
but not the user's to change (city staff, a contractor on its project): 403.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion import permissions, scopes
from projectunion.models import Membership, Project, Union, Worker
from projectunion.services import wage_cases
from tests.views_support import sign_in

SHOW = ("project_show", "union_show", "worker_show", "wage_case_show")
MANAGE = (
    "project_event",
    "union_enroll",
    "union_event",
    "union_dissolve",
    "membership_end",
    "membership_transfer",
    "wage_case_new",
    "wage_case_event",
    "service_new",
)

PATHS = {
    "project_show": "/projects/{project}",
    "project_event": "/projects/{project}/events/halt",
    "union_show": "/unions/{union}",
    "union_enroll": "/unions/{union}/enroll",
    "union_event": "/unions/{union}/events/found",
    "union_dissolve": "/unions/{union}/dissolve",
    "membership_end": "/memberships/{membership}/end",
    "membership_transfer": "/memberships/{membership}/transfer",
    "worker_show": "/workers/{worker}",
    "wage_case_show": "/wage-cases/{case}",
    "wage_case_new": "/wage-cases/new?union_id={union}",
    "wage_case_event": "/wage-cases/{case}/events/mediate",
    "service_new": "/services/new?worker_id={worker}",
}


class World:
    """Two sites in two districts, each with a union, a member and a wage case."""

    def __init__(self, f):
        self.company = f.contractor()
        self.sites = {}
        for key, town in (("A", f.yangting), ("B", f.wendeng_town)):
            project = f.project(town=town, general_contractor_id=self.company.id if key == "A" else None)
            f.fire(project, "start", on=dt.date(2024, 3, 1))
            member = f.enroll(project.union, on=dt.date(2024, 3, 2))
            case = wage_cases.open_wage_case(
                f.session, f.admin, project.union, summary="欠薪", amount_claimed="100", worker_ids=[member.worker_id]
            )
            self.sites[key] = {
                "project": project.id,
                "union": project.union.id,
                "membership": member.id,
                "worker": member.worker_id,
                "case": case.id,
            }
        union_a = f.session.get(Union, self.sites["A"]["union"])
        self.users = {
            "officer": f.user("officer", jurisdiction=f.huancui, unions=[union_a]),
            "union_staff": f.user("union_staff", jurisdiction=f.huancui),
            "city_staff": f.user("city_staff"),
            "admin": f.admin,
            "contractor": f.user("contractor", contractor=self.company),
        }

    def path(self, kind: str, site: str) -> str:
        return PATHS[kind].format(**self.sites[site])


@pytest.fixture
def world(f):
    return World(f)


def expected(role: str, kind: str, site: str) -> int:
    if role == "admin":
        return 200
    if role == "city_staff":
        return 200 if kind in SHOW else 403
    if role == "contractor":
        if site == "A" and kind == "project_show":
            return 200
        if site == "A" and kind == "project_event":
            return 403
        return 404
    # officer (runs union A) and district staff of 环翠区 (where site A is)
    return 200 if site == "A" else 404


ROLES = ("officer", "union_staff", "city_staff", "admin", "contractor")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_by_role_and_scope(client, world, role):
    sign_in(client, world.users[role])
    wrong = []
    for kind in PATHS:
        for site in "AB":
            path = world.path(kind, site)
            response = client.get(path)
            if response.status_code != expected(role, kind, site):
                wrong.append(f"{path}: {response.status_code}, expected {expected(role, kind, site)}")
            elif response.status_code in (403, 404):
                body = response.get_data(as_text=True)
                if "欠薪" in body or "工人" in body:
                    wrong.append(f"{path}: shows someone else's data")
    assert wrong == []


POSTS = {
    "union_enroll": {"name": "张三", "id_number": "11010519491231002X", "joined_on": "2024-03-05"},
    "project_event": {"on": "2024-04-01"},
    "union_event": {"on": "2024-04-01", "chair_membership_id": "1"},
    "membership_end": {"reason": "withdrew", "on": "2024-04-01"},
    "wage_case_event": {"on": "2024-04-01"},
}


@pytest.mark.parametrize(
    ("role", "kind", "site"),
    [
        ("officer", "union_enroll", "B"),
        ("union_staff", "union_enroll", "B"),
        ("city_staff", "union_enroll", "A"),
        ("contractor", "union_enroll", "A"),
        ("officer", "project_event", "B"),
        ("city_staff", "project_event", "A"),
        ("contractor", "project_event", "A"),
        ("city_staff", "union_event", "A"),
        ("officer", "membership_end", "B"),
        ("city_staff", "membership_end", "A"),
        ("union_staff", "wage_case_event", "B"),
        ("city_staff", "wage_case_event", "A"),
    ],
)
def test_actions_out_of_scope_are_refused_and_change_nothing(client, world, db_session, role, kind, site):
    def snapshot():
        return (
            db_session.scalar(sa.select(sa.func.count(Membership.id))),
            tuple(db_session.scalars(sa.select(Project.state).order_by(Project.id))),
            tuple(db_session.scalars(sa.select(Union.state).order_by(Union.id))),
            tuple(db_session.scalars(sa.select(Membership.state).order_by(Membership.id))),
        )

    before = snapshot()
    sign_in(client, world.users[role])
    response = client.post(world.path(kind, site), data=POSTS[kind])
    assert response.status_code == expected(role, kind, site)
    db_session.expire_all()
    assert snapshot() == before


def test_list_pages_only_list_what_is_in_scope(client, world, db_session):
    union_b = db_session.get(Union, world.sites["B"]["union"])
    project_b = db_session.get(Project, world.sites["B"]["project"])
    sign_in(client, world.users["officer"])
    for path in ("/", "/projects/", "/unions", "/workers/", "/wage-cases"):
        body = client.get(path).get_data(as_text=True)
        assert union_b.name not in body and project_b.name not in body, path


def test_city_staff_see_everything_but_no_buttons(client, world, db_session):
    sign_in(client, world.users["city_staff"])
    union_a = world.sites["A"]["union"]
    body = client.get(f"/unions/{union_a}").get_data(as_text=True)
    assert f"/unions/{union_a}/enroll" not in body and "/events/" not in body and "Make chair" not in body
    project_a = world.sites["A"]["project"]
    body = client.get(f"/projects/{project_a}").get_data(as_text=True)
    assert "/events/" not in body and "You can read this project but not change it." in body
    assert client.get("/projects/new").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_scope_sql_agrees_with_the_permission_rules(world, db_session, f, role):
    """The list filters (scopes) and the per-object checks (permissions) never disagree."""
    f.regional_union()  # a standing union the officer sees in their district
    user = world.users[role]
    projects = db_session.scalars(sa.select(Project)).all()
    unions = db_session.scalars(sa.select(Union)).all()
    workers = db_session.scalars(sa.select(Worker)).all()
    sql = set(db_session.scalars(sa.select(Project.id).where(scopes.visible_projects(user))))
    assert sql == {p.id for p in projects if permissions.can_view_project(user, p)}
    sql = set(db_session.scalars(sa.select(Union.id).where(scopes.visible_unions(user))))
    assert sql == {u.id for u in unions if permissions.can_view_union(user, u)}
    sql = set(db_session.scalars(sa.select(Union.id).where(scopes.manageable_unions(user))))
    assert sql == {u.id for u in unions if permissions.can_manage_union(user, u)}
    sql = set(db_session.scalars(sa.select(Worker.id).where(scopes.visible_workers(user, Worker.id))))
    assert sql == {w.id for w in workers if permissions.can_view_worker(db_session, user, w)}
    sql = set(db_session.scalars(sa.select(Project.id).where(scopes.site_surveys(user))))
    assert sql == {p.id for p in projects if permissions.can_view_site_survey(user, p)}
    # What the drill-down lists link to, asked for a page of ids at once.
    every = {"worker": [w.id for w in workers], "union": [u.id for u in unions], "project": [p.id for p in projects]}
    assert scopes.visible_ids(db_session, user, "worker", [*every["worker"], None]) == {
        w.id for w in workers if permissions.can_view_worker(db_session, user, w)
    }
    assert scopes.visible_ids(db_session, user, "union", every["union"]) == {
        u.id for u in unions if permissions.can_view_union(user, u)
    }
    assert scopes.visible_ids(db_session, user, "site_survey", every["project"]) == {
        p.id for p in projects if permissions.can_view_site_survey(user, p)
    }
