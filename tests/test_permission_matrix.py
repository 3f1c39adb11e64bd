"""Every route of the URL map, for every role, with an object in the role's scope and one outside it,
answers as the permission questions the matrix names for it say.

The expected answer is never written here: it is what ``permissions.py``
answers about the object (``view`` false → 404, ``act`` false → 403, else
neither). A route missing from :data:`projectunion.permission_matrix.MATRIX`
fails the first test.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import url_for

from projectunion import permissions
from projectunion.models import WageCase
from projectunion.permission_matrix import ARG_KINDS, MATRIX, Question, about
from projectunion.permission_matrix import answer as ask_about
from projectunion.services import crews, site_entries, users, wage_cases
from tests.factories import id_number, roster_csv, roster_person
from tests.views_support import forget_signed_in_user, sign_in

ROLES = ("officer", "union_staff", "city_staff", "admin", "contractor")
#: Requests that would end the test's own sign-in.
#: account.revoke_token takes a token id, not an object of the world: tests/test_api_tokens.py walks it.
NOT_WALKED = {"account.sign_out", "account.revoke_token"}
#: A value for URL arguments that are not object ids.
TEXT_ARGS = {"token": "x", "fmt": "csv", "which": "without_union", "filename": "app.css", "action": "assign"}
EVENTS = {"projects.fire": "halt", "unions.fire": "suspend", "cases.wage_case_event": "mediate"}


def test_the_matrix_covers_every_route_and_nothing_else(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - set(MATRIX)) == [], "routes the permission matrix does not cover"
    assert sorted(set(MATRIX) - endpoints) == [], "matrix rows without a route"
    for ask in MATRIX.values():
        for q in ask.view + ask.act:
            assert callable(getattr(permissions, q.name, None)), q.name


class World:
    """Two sites in two districts, each with a company, a crew on the site, a union with a member in
    the crew, a wage case; accounts scoped to site A."""

    def __init__(self, f):
        session = f.session
        self.session = session
        self.objects: dict[str, dict[str, object]] = {}
        for key, town in (("A", f.yangting), ("B", f.wendeng_town)):
            company = f.contractor()
            project = f.project(town=town, general_contractor_id=company.id)
            f.fire(project, "start", on=dt.date(2024, 3, 1))
            number = id_number(seq=600 + ord(key), birth=dt.date(1984, 1, 2))
            membership = f.enroll(project.union, on=dt.date(2024, 3, 2), id_number=number, name=f"工人{key}")
            crew = crews.create_crew(session, f.admin, company, name=f"钢筋{key}班", created_on=dt.date(2024, 1, 1))
            member = crews.add_member(
                session, f.admin, crew, id_number=number, name=f"工人{key}", joined_on=dt.date(2024, 2, 1)
            )
            entry = site_entries.enter_site(session, f.admin, project, crew=crew, entered_on=dt.date(2024, 3, 3))
            case = wage_cases.open_wage_case(
                session, f.admin, project.union, summary="欠薪", amount_claimed="100", worker_ids=[membership.worker_id]
            )
            self.objects[key] = {
                "project": project,
                "union": project.union,
                "membership": membership,
                "worker": membership.worker,
                "case": session.get(WageCase, case.id),
                "crew": crew,
                "member": member,
                "contractor": company,
                "entry": entry,
                "user": f.user("city_staff"),
            }
        a = self.objects["A"]
        self.users = {
            "officer": f.user("officer", jurisdiction=f.huancui, unions=[a["union"]]),
            "union_staff": f.user("union_staff", jurisdiction=f.huancui),
            "city_staff": f.user("city_staff"),
            "admin": f.admin,
            "contractor": f.user("contractor", contractor=a["contractor"]),
        }

    def about(self, path: str, site: str):
        """``case.union`` → site's wage case's union; ``project,crew`` → (project, crew)."""
        return about(path, self.objects[site].__getitem__)


def answer(world: World, user, question: Question, site: str) -> bool:
    """Ask ``permissions.<question>`` about the site's object, as the route does."""
    obj = None if question.about is None else world.about(question.about, site)
    return ask_about(world.session, user, question, obj)


def expected(world: World, user, endpoint: str, site: str) -> str:
    ask = MATRIX[endpoint]
    for q in ask.view:
        if not answer(world, user, q, site):
            return "400" if q.in_body else "404"
    if not all(answer(world, user, q, site) for q in ask.act):
        return "403"
    return "allowed"


def _url(rule, world: World, site: str) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in ARG_KINDS:
            values[arg] = world.objects[site][ARG_KINDS[arg]].id
        elif hasattr(rule._converters[arg], "items"):
            values[arg] = sorted(rule._converters[arg].items)[0]
        elif arg == "event":
            values[arg] = EVENTS[rule.endpoint]
        else:
            values[arg] = TEXT_ARGS[arg]
    values.update(_fill(world, MATRIX[rule.endpoint].query, site))
    return url_for(rule.endpoint, **values)


def _fill(world: World, value, site: str):
    """``"{case.union}"`` → the id of the site's wage case's union; lists and dicts filled through."""
    if isinstance(value, dict):
        return {k: _fill(world, v, site) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(world, v, site) for v in value]
    if value == "@roster.csv":
        return (io.BytesIO(roster_csv([roster_person(901)])), "roster.csv")
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return world.about(value[1:-1], site).id
    return value


def _body(world: World, endpoint: str, site: str) -> dict | None:
    body = MATRIX[endpoint].body
    return None if body is None else _fill(world, body, site)


def _status(response) -> str:
    code = response.status_code
    if code in (400, 403, 404):
        return str(code)
    if code == 401 or (code == 302 and "/sign-in" in response.headers.get("Location", "")):
        return "signed out"
    assert code < 500, response.get_data(as_text=True)[:500]
    return "allowed"


@pytest.fixture
def world(f):
    return World(f)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_every_role_in_and_out_of_scope_as_the_matrix_says(app, client, db_session, world, role):
    user = world.users[role]
    sign_in(client, user)
    token = users.create_token(db_session, None, user, "matrix")
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in NOT_WALKED and not MATRIX[r.endpoint].public),
        key=lambda r: ("POST" in r.methods and "GET" not in r.methods, r.endpoint),
    )
    wrong, scoped = [], set()
    for rule in rules:
        for site in "AB":
            with app.test_request_context():
                url = _url(rule, world, site)
            method = "GET" if "GET" in rule.methods else "POST"
            headers = {"Authorization": f"Bearer {token}"} if rule.endpoint.startswith("api.") else {}
            forget_signed_in_user()
            body = _body(world, rule.endpoint, site)
            if method == "GET":
                response = client.get(url, headers=headers)
            elif rule.endpoint.startswith("api.") and "file" not in (body or {}):
                response = client.post(url, headers=headers, json=body)
            else:
                response = client.post(url, headers=headers, data=body)
            want, got = expected(world, user, rule.endpoint, site), _status(response)
            if want != got and not (want == "allowed" and got == "400"):  # past the questions, the body refused
                wrong.append(f"{method} {url} ({rule.endpoint}): {response.status_code}, the matrix says {want}")
            scoped.add((rule.endpoint, site, want))
            response.close()
    assert wrong == [], "\n".join(wrong)
    if not permissions.reads_everything(user):  # the walk met the scope: some answers differ between A and B
        assert any((e, "A", w) in scoped and (e, "B", w) not in scoped for e, _, w in scoped)


def test_signed_out_visitors_reach_only_the_public_routes(app, client, world):
    wrong = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_WALKED:
            continue
        with app.test_request_context():
            url = _url(rule, world, "A")
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        refused = _status(response) == "signed out" or response.status_code == 403
        response.close()
        if refused == MATRIX[rule.endpoint].public:
            wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
