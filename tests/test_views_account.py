"""Signing in and out, one's own password, and choosing the language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from projectunion.models import AuditEvent, User
from projectunion.services.users import check_password
from tests.views_support import PASSWORD, field_errors, flashes, sign_in, text

PAGES = [
    "/",
    "/help",
    "/projects/",
    "/projects/new",
    "/unions",
    "/workers/",
    "/wage-cases",
    "/services",
    "/account",
    "/admin/users",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_stranger_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_sign_in_then_back_to_the_page_asked_for(client, f):
    officer = f.user("officer", jurisdiction=f.huancui)
    response = client.post(
        "/sign-in?next=/unions", data={"username": officer.username, "password": PASSWORD, "next": "/unions"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/unions"
    home = client.get("/")
    assert officer.display_name in text(home)


def test_sign_in_never_follows_a_next_to_another_site(client, f):
    officer = f.user("officer")
    response = client.post(
        "/sign-in", data={"username": officer.username, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password"),
    [("nobody", PASSWORD), (None, "wrong password!")],
)
def test_wrong_name_or_password_is_refused_without_saying_which(client, f, username, password):
    officer = f.user("officer")
    response = client.post("/sign-in?lang=en", data={"username": username or officer.username, "password": password})
    assert response.status_code == 200
    assert "The user name or the password is not right, or the account is disabled." in field_errors(response)
    assert client.get("/").status_code == 302


def test_empty_sign_in_form_names_each_missing_field(client):
    response = client.post("/sign-in?lang=en", data={})
    assert field_errors(response) == ["Enter your user name.", "Enter your password."]


def test_disabled_account_cannot_sign_in(client, f, db_session):
    officer = f.user("officer")
    officer.is_active = False
    db_session.commit()
    response = client.post("/sign-in", data={"username": officer.username, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_sign_out(client, f):
    sign_in(client, f.user("officer"))
    response = client.post("/sign-out", follow_redirects=True)
    assert "You are signed out." in flashes(response)
    assert client.get("/").status_code == 302


def test_change_password(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, officer)
    response = client.post(
        "/account",
        data={"current": PASSWORD, "new": "a brand new secret", "repeat": "a brand new secret"},
        follow_redirects=True,
    )
    assert "Your password is changed." in flashes(response)
    db_session.refresh(officer)
    assert check_password(officer, "a brand new secret")
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "change_password")) is not None


def test_change_password_errors_are_shown_per_field_and_change_nothing(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, officer)
    response = client.post("/account", data={"current": "not it", "new": "short", "repeat": "other"})
    errors = field_errors(response)
    assert "The current password is not right." in errors
    assert "The password needs at least 10 characters." in errors
    assert "The two new passwords are not the same." in errors
    db_session.refresh(officer)
    assert check_password(officer, PASSWORD)


def test_profile_shows_role_and_scope(client, f):
    union = f.started_union()
    officer = f.user("officer", jurisdiction=f.huancui, unions=[union])
    sign_in(client, officer)
    page = text(client.get("/account"))
    assert "Site union officer" in page
    assert union.name in page
    assert "Huancui District" in page


def test_language_switch_for_a_visitor_is_kept_in_the_session(client):
    page = client.get("/sign-in")
    assert 'lang="zh-CN"' in page.get_data(as_text=True)
    response = client.post("/language", data={"locale": "en", "next": "/sign-in"})
    assert response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in")
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Sign in" in text(page)


def test_language_switch_is_saved_on_the_account(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, officer, locale=None)
    assert officer.locale is None
    client.post("/language", data={"locale": "en", "next": "/"})
    db_session.refresh(officer)
    assert officer.locale == "en"
    client.post("/language", data={"locale": "zh_Hans_CN", "next": "/"})
    db_session.refresh(officer)
    assert officer.locale == "zh_Hans_CN"


def test_unknown_language_is_refused(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, officer)
    response = client.post("/language", data={"locale": "xx", "next": "/"}, follow_redirects=True)
    assert "Unknown language." in flashes(response)
    assert db_session.get(User, officer.id).locale == "en"


@pytest.fixture
def limited_client(database_url, connection):
    """An app with the rate limits on (the test configuration turns them off)."""
    import sqlalchemy.orm as so

    from projectunion import create_app, db
    from tests.conftest import TEST_CONFIG

    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "3 per minute"}
    )
    db.use_sessionmaker(
        app, so.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    with app.app_context():
        yield app.test_client()


def test_guessing_passwords_is_slowed_down(limited_client):
    for _ in range(3):
        assert limited_client.post("/sign-in", data={"username": "admin", "password": "guess"}).status_code == 200
    refused = limited_client.post("/sign-in", data={"username": "admin", "password": "guess"})
    assert refused.status_code == 429
    assert "请求过于频繁：请稍候一分钟再试。" in text(refused)
    assert limited_client.get("/sign-in").status_code == 200  # reading the page is not limited
