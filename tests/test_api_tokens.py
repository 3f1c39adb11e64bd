"""API tokens end: they expire, their owner sees and revokes them, the operator revokes them, and each step is audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from projectunion.exceptions import ValidationError
from projectunion.models import ApiToken, AuditEvent
from projectunion.models._columns import utcnow
from projectunion.services import users
from tests.api_support import Api
from tests.views_support import sign_in, text


def _record(db_session, user) -> ApiToken:
    return db_session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).first()


def test_a_token_stops_working_when_it_expires(f, client, db_session):
    user = f.user("city_staff")
    token = users.create_token(db_session, None, user, "report", days=30)
    record = _record(db_session, user)
    assert dt.timedelta(days=29) < record.expires_at.replace(tzinfo=dt.UTC) - utcnow() <= dt.timedelta(days=30)
    assert Api(client, token).get("/me").status_code == 200
    record.expires_at = utcnow() - dt.timedelta(seconds=1)
    db_session.commit()
    refused = Api(client, token).get("/me")
    assert refused.status_code == 401
    assert "已过期" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize("days", [0, 366])
def test_a_token_lives_one_day_to_one_year(f, db_session, days):
    with pytest.raises(ValidationError) as refused:
        users.create_token(db_session, None, f.user("city_staff"), "x", days=days)
    assert "days" in refused.value.fields


def test_my_tokens_page_lists_them_and_revokes_one(f, client, db_session):
    user = f.user("officer")
    kept = users.create_token(db_session, None, user, "nightly export")
    ended = users.create_token(db_session, None, user, "old laptop")
    sign_in(client, user)
    page = client.get("/account/tokens")
    assert "nightly export" in text(page) and "old laptop" in text(page)
    assert kept not in page.get_data(as_text=True)  # only hashes are kept: a token is never shown again
    record = _record(db_session, user)
    assert record.name == "old laptop"
    done = client.post(f"/account/tokens/{record.id}/revoke", follow_redirects=True)
    assert "is revoked" in text(done) and "Revoked on" in text(done)
    assert Api(client, ended).get("/me").status_code == 401
    assert Api(client, kept).get("/me").status_code == 200
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "revoke_token")).one()
    assert (event.actor_id, event.object_id, event.data["name"]) == (user.id, record.id, "old laptop")


def test_a_new_token_is_shown_once_on_the_page_that_made_it(f, client, db_session):
    user = f.user("city_staff")
    sign_in(client, user)
    made = client.post("/account/tokens", data={"name": "dashboard feed", "days": "7"})
    token = re.search(r"pu_[A-Za-z0-9_-]{20,}", made.get_data(as_text=True)).group(0)
    assert made.headers["Cache-Control"] == "no-store"
    assert Api(client, token).get("/me").status_code == 200
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create_token")).one()
    assert event.actor_id == user.id and event.data["name"] == "dashboard feed"


def test_nobody_revokes_another_users_token_from_their_page(f, client, db_session):
    owner, other = f.user("city_staff"), f.user("officer")
    token = users.create_token(db_session, None, owner, "owner's")
    sign_in(client, other)
    assert "owner's" not in text(client.get("/account/tokens"))
    assert client.post(f"/account/tokens/{_record(db_session, owner).id}/revoke").status_code == 404
    assert Api(client, token).get("/me").status_code == 200


def test_the_operator_lists_and_revokes_tokens_from_the_command_line(f, runner, db_session, client):
    user = f.user("city_staff")
    made = runner.invoke(args=["users", "token", user.username, "--name", "etl", "--expires", "10"])
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    record = _record(db_session, user)
    listed = runner.invoke(args=["users", "token", user.username, "--list"])
    assert f"{record.id}\tetl\tIn use\texpires " in listed.output
    revoked = runner.invoke(args=["users", "token", "--revoke", str(record.id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert Api(client, token).get("/me").status_code == 401
    assert f"{record.id}\tetl\tRevoked" in runner.invoke(args=["users", "token", user.username, "--list"]).output
    event = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "revoke_token")).one()
    assert event.actor_id is None  # the operator
    unknown = runner.invoke(args=["users", "token", "--revoke", "999999"])
    assert unknown.exit_code != 0 and "no token" in unknown.output
