"""CSRF protection switched on (the other view tests switch it off): a POST without the token is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from projectunion.models import Membership
from tests.factories import id_number
from tests.views_support import PASSWORD, forget_signed_in_user, text


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def token(page) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in_with_token(client, user):
    forget_signed_in_user()
    form = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"username": user.username, "password": PASSWORD, "csrf_token": token(form)}
    )
    assert response.status_code == 302


def test_sign_in_without_the_token_is_refused(csrf_app, client, f):
    officer = f.user("officer")
    response = client.post("/sign-in?lang=en", data={"username": officer.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "The form was open too long or came from another page." in text(response)
    assert client.get("/").status_code == 302  # not signed in


def test_sign_in_with_the_token_works(csrf_app, client, f):
    sign_in_with_token(client, f.user("officer"))
    assert client.get("/").status_code == 200


def test_an_action_without_the_token_changes_nothing(csrf_app, client, f, db_session):
    union = f.started_union()
    officer = f.user("officer", unions=[union])
    sign_in_with_token(client, officer)
    data = {"name": "张伟", "id_number": id_number(seq=42, birth=dt.date(1980, 1, 1)), "joined_on": "2024-03-05"}
    response = client.post(f"/unions/{union.id}/enroll", data=data)
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count(Membership.id))) == 0
    response = client.post(f"/unions/{union.id}/enroll", data={**data, "csrf_token": "forged"})
    assert response.status_code == 400
    form = client.get(f"/unions/{union.id}/enroll")
    response = client.post(f"/unions/{union.id}/enroll", data={**data, "csrf_token": token(form)})
    assert response.status_code == 302
    assert db_session.scalar(sa.select(sa.func.count(Membership.id))) == 1


@pytest.mark.parametrize("path", ["/language", "/sign-out"])
def test_small_forms_need_the_token_too(csrf_app, client, f, path):
    sign_in_with_token(client, f.user("officer"))
    assert client.post(path, data={"locale": "en", "next": "/"}).status_code == 400


def test_every_post_form_on_the_pages_carries_the_token(csrf_app, client, f):
    union = f.active_union(members=2)
    officer = f.user("officer", unions=[union], jurisdiction=f.huancui, can_reveal_id=True)
    sign_in_with_token(client, officer)
    worker = f.memberships_of(union.chair.worker)[0].worker
    pages = [
        "/",
        "/account",
        f"/unions/{union.id}",
        f"/unions/{union.id}?tab=pending",
        f"/unions/{union.id}/enroll",
        f"/projects/{union.project_id}",
        f"/projects/{union.project_id}/events/halt",
        f"/workers/{worker.id}",
        "/projects/new",
    ]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", body, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, path
