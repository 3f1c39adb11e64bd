"""Pages and buttons that depend on what kind of account signs in, asked of permissions.py.

Each rule used to be an inline role comparison in a route or a template; here
every role meets every such page, so a rule that drifts shows up by role.
"""

from __future__ import annotations

import re

import pytest

from tests.views_support import sign_in

ROLES = ("officer", "union_staff", "city_staff", "admin", "contractor")


@pytest.fixture
def users(f):
    return {
        "officer": f.user("officer", jurisdiction=f.huancui),
        "union_staff": f.user("union_staff", jurisdiction=f.huancui),
        "city_staff": f.user("city_staff"),
        "admin": f.admin,
        "contractor": f.user("contractor", contractor=f.contractor()),
    }


#: page → the answer per role (302: sent elsewhere)
PAGES = {
    "/unions/new": {"admin": 200, "union_staff": 200, "officer": 403, "city_staff": 403, "contractor": 403},
    "/projects/new": {"admin": 200, "union_staff": 200, "officer": 200, "city_staff": 403, "contractor": 403},
    "/admin/users": {"admin": 200, "union_staff": 403, "officer": 403, "city_staff": 403, "contractor": 403},
    "/contractors/": {"admin": 200, "union_staff": 200, "officer": 200, "city_staff": 200, "contractor": 302},
    "/contractors/new": {"admin": 200, "union_staff": 200, "officer": 200, "city_staff": 403, "contractor": 403},
    "/dashboard/": {"admin": 200, "union_staff": 200, "officer": 403, "city_staff": 200, "contractor": 403},
}


@pytest.mark.parametrize("role", ROLES)
def test_role_pages_answer_by_what_the_account_may_do(client, users, role):
    sign_in(client, users[role])
    answers = {page: client.get(page).status_code for page in PAGES}
    assert answers == {page: by_role[role] for page, by_role in PAGES.items()}


def test_a_contractor_is_sent_to_its_own_company(client, users):
    sign_in(client, users["contractor"])
    response = client.get("/contractors/")
    assert response.headers["Location"].endswith(f"/contractors/{users['contractor'].contractor_id}")


#: menu entry → roles that see it
MENU = {
    "/unions": {"officer", "union_staff", "city_staff", "admin"},
    "/workers/": {"officer", "union_staff", "city_staff", "admin"},
    "/contractors/": {"contractor", "union_staff", "admin"},
    "/sites/": set(ROLES),
    "/dashboard/": {"union_staff", "city_staff", "admin"},
    "/admin/users": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_what_the_account_may_use(client, users, role):
    sign_in(client, users[role])
    body = client.get("/").get_data(as_text=True)
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", body, re.S).group(1)
    shown = {href for href in MENU if f'href="{href}"' in nav}
    assert shown == {href for href, roles in MENU.items() if role in roles}


@pytest.mark.parametrize("role", ROLES)
def test_home_buttons_follow_the_permission_questions(client, users, role):
    sign_in(client, users[role])
    body = client.get("/").get_data(as_text=True)
    assert ('href="/projects/new"' in body) == (role in ("officer", "union_staff", "admin"))
    assert ('href="/admin/users/new"' in body) == (role == "admin")
    assert ("Crews and rosters" in body) == (role == "contractor")
