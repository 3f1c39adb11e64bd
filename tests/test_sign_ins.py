"""A stolen cookie is worth only as long as the sign-in it belongs to: every way a sign-in ends is replayed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from projectunion.models import SignIn
from projectunion.services import accounts
from tests.views_support import PASSWORD, forget_signed_in_user, sign_in


def _signed_in(app, cookies: dict[str, str]) -> bool:
    """Does a browser holding only these cookies get a signed-in page?"""
    forget_signed_in_user()
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    response = thief.get("/account")
    forget_signed_in_user()
    return response.status_code == 200


def _cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def _sign_in(client, user, remember: bool = True):
    client.delete_cookie("session")
    client.delete_cookie("remember_token")
    forget_signed_in_user()
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/sign-in", data=data).status_code == 302
    return _cookies(client)


@pytest.fixture
def officer(f):
    return f.user("officer", jurisdiction=f.yangting)


def test_both_cookies_are_dead_after_sign_out(app, client, officer):
    stolen = _sign_in(client, officer)
    assert set(stolen) == {"session", "remember_token"}
    assert _signed_in(app, stolen) and _signed_in(app, {"remember_token": stolen["remember_token"]})
    client.post("/sign-out")
    assert not _signed_in(app, stolen)
    assert not _signed_in(app, {"session": stolen["session"]})
    assert not _signed_in(app, {"remember_token": stolen["remember_token"]})


def test_a_password_change_ends_the_other_sign_ins_and_keeps_this_one(app, client, officer):
    elsewhere = _sign_in(app.test_client(), officer)
    here = _sign_in(client, officer)
    response = client.post(
        "/account", data={"current": PASSWORD, "new": "a new long password", "repeat": "a new long password"}
    )
    assert response.status_code == 302
    assert not _signed_in(app, elsewhere)
    assert _signed_in(app, here)


def test_an_admin_reset_and_a_disable_end_every_sign_in(app, client, f, db_session, officer):
    admin = f.admin
    stolen = _sign_in(app.test_client(), officer)
    accounts.reset_password(db_session, admin, officer, "another long password")
    assert not _signed_in(app, stolen)

    forget_signed_in_user()
    again = app.test_client()
    again.post("/sign-in", data={"username": officer.username, "password": "another long password"})
    stolen = _cookies(again)
    assert _signed_in(app, stolen)
    accounts.set_active(db_session, admin, officer, False)
    assert not _signed_in(app, stolen)


@pytest.mark.parametrize(
    ("remember", "idle", "age", "alive"),
    [
        (False, dt.timedelta(minutes=119), dt.timedelta(hours=3), True),
        (False, dt.timedelta(minutes=121), dt.timedelta(hours=3), False),  # idle
        (False, dt.timedelta(minutes=5), dt.timedelta(hours=13), False),  # absolute
        (True, dt.timedelta(days=6), dt.timedelta(days=20), True),
        (True, dt.timedelta(days=8), dt.timedelta(days=20), False),
        (True, dt.timedelta(hours=1), dt.timedelta(days=31), False),
    ],
)
def test_sign_ins_time_out_when_idle_and_after_their_absolute_limit(
    app, client, db_session, officer, remember, idle, age, alive
):
    cookies = _sign_in(client, officer, remember=remember)
    now = dt.datetime.now(dt.UTC)
    db_session.execute(sa.update(SignIn).values(last_seen_at=now - idle, created_at=now - age))
    db_session.commit()
    assert _signed_in(app, cookies) is alive
    if not alive:
        assert db_session.scalar(sa.select(SignIn.end_reason)) == "timed_out"


def test_every_sign_in_gets_new_cookies(app, client, officer):
    first = _sign_in(client, officer)
    second = _sign_in(client, officer)
    assert first["remember_token"] != second["remember_token"]


def test_cookies_are_http_only_and_same_site_and_secure_when_asked(app, officer):
    def set_cookies() -> list[str]:
        forget_signed_in_user()
        data = {"username": officer.username, "password": PASSWORD, "remember": "y"}
        return app.test_client().post("/sign-in", data=data).headers.getlist("Set-Cookie")

    plain = set_cookies()
    assert len(plain) == 2 and all("HttpOnly" in c and "SameSite=Lax" in c for c in plain)
    assert not any("Secure" in c for c in plain)
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    assert all("Secure" in c for c in set_cookies())


def test_the_helper_signs_in_through_the_same_path(client, officer):
    sign_in(client, officer)
    assert client.get("/account").status_code == 200


def test_signing_in_takes_as_long_for_an_unknown_name_as_for_a_known_one(db_session, officer):
    """The scrypt check dominates the time; it is done for unknown names too (counted, not timed)."""
    import werkzeug.security

    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash.split("$")[0])
        return real(pwhash, password)

    import projectunion.services.accounts as accounts_module
    import projectunion.services.users as users_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts_module, "check_password_hash", counting)
        mp.setattr(users_module, "check_password_hash", counting)
        assert accounts.authenticate(db_session, "nobody-by-this-name", "guess") is None
        assert accounts.authenticate(db_session, officer.username, "guess") is None
    assert len(calls) == 2 and calls[0] == calls[1]
