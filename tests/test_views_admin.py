"""The administrator's pages: creating accounts with a role and a scope, changing and disabling them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from projectunion.models import AuditEvent, User
from projectunion.services.users import check_password
from tests.views_support import field_errors, flashes, forget_signed_in_user, sign_in, text


def new_user(client, **values):
    data = {
        "username": "wang",
        "password": "a long enough secret",
        "role": "officer",
        "display_name": "王建国",
        "jurisdiction": "",
        "contractor": "",
        "union_ids": [],
    }
    data.update(values)
    return client.post("/admin/users/new", data=data, follow_redirects=True)


def test_create_an_officer_with_unions(client, f, db_session):
    union = f.started_union()
    sign_in(client, f.admin)
    form = text(client.get("/admin/users/new"))
    assert union.name in form and "Site union officer" in form
    response = new_user(client, jurisdiction="371002", union_ids=[str(union.id)], can_reveal_id="y")
    assert "The account wang (Site union officer) is created." in flashes(response)
    user = db_session.scalar(sa.select(User).where(User.username == "wang"))
    assert user.role == "officer" and user.jurisdiction.code == "371002"
    assert [u.id for u in user.unions] == [union.id] and user.can_reveal_id
    assert check_password(user, "a long enough secret")


def test_an_empty_new_user_form_lists_its_errors_in_the_order_of_the_fields(client, f):
    f.started_union()
    sign_in(client, f.admin, locale="zh_Hans_CN")
    empty = {"display_name": "", "username": "", "password": "", "role": "", "jurisdiction": "", "contractor": ""}
    body = client.post("/admin/users/new", data=empty).get_data(as_text=True)
    summary = body[body.index('class="error-summary') :]
    summary = summary[: summary.index("</ul>")]
    linked = [summary.index(f'href="#{name}"') for name in ("display_name", "username", "password", "role")]
    assert linked == sorted(linked)
    fields = [body.index(f'id="{name}"') for name in ("display_name", "username", "password", "role")]
    assert fields == sorted(fields)
    assert "项目工会（筹备中）" in body and "项目工会 (" not in body


def test_create_staff_and_contractor_accounts(client, f, db_session):
    company = f.contractor()
    sign_in(client, f.admin)
    new_user(client, username="li", role="union_staff", jurisdiction="371002005")
    new_user(client, username="hr", role="contractor", contractor=str(company.id))
    staff = db_session.scalar(sa.select(User).where(User.username == "li"))
    contractor = db_session.scalar(sa.select(User).where(User.username == "hr"))
    assert staff.jurisdiction.code == "371002005"
    assert contractor.contractor_id == company.id


def test_create_refuses_bad_input_per_field(client, f, db_session):
    f.user("officer")  # officer1 exists
    sign_in(client, f.admin)
    taken = db_session.scalar(sa.select(User.username).where(User.role == "officer"))
    response = new_user(client, username=taken, password="short", role="union_staff")
    errors = field_errors(response)
    assert "This user name is taken." in errors
    assert "The password needs at least 10 characters." in errors
    assert "Union staff need a jurisdiction." in errors
    response = new_user(client, username="hr", role="contractor")
    assert "A contractor account needs its company." in field_errors(response)
    assert db_session.scalar(sa.select(User).where(User.username == "hr")) is None


def test_edit_scope_and_reset_password(client, f, db_session):
    union = f.started_union()
    officer = f.user("officer")
    sign_in(client, f.admin)
    page = text(client.get(f"/admin/users/{officer.id}"))
    assert officer.username in page and "Set a new password" in page
    response = client.post(
        f"/admin/users/{officer.id}",
        data={"display_name": "新名字", "jurisdiction": "371002", "contractor": "", "union_ids": [str(union.id)]},
        follow_redirects=True,
    )
    assert f"The account {officer.username} is saved." in flashes(response)
    db_session.refresh(officer)
    assert officer.display_name == "新名字" and officer.unions == [union] and not officer.can_reveal_id
    response = client.post(f"/admin/users/{officer.id}/password", data={"password": "short"})
    assert response.status_code == 400
    assert "The password needs at least 10 characters." in field_errors(response)
    response = client.post(
        f"/admin/users/{officer.id}/password", data={"password": "another long secret"}, follow_redirects=True
    )
    assert any("is changed" in m for m in flashes(response))
    db_session.refresh(officer)
    assert check_password(officer, "another long secret")
    assert db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "reset_password")) is not None


def test_disable_and_enable_an_account(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, f.admin)
    response = client.post(f"/admin/users/{officer.id}/active", data={"active": "0"}, follow_redirects=True)
    assert f"The account {officer.username} is disabled: it can no longer sign in." in flashes(response)
    db_session.refresh(officer)
    assert not officer.is_active
    assert "Disabled" in text(client.get("/admin/users"))
    client.post(f"/admin/users/{officer.id}/active", data={"active": "1"})
    db_session.refresh(officer)
    assert officer.is_active


def test_a_disabled_user_is_signed_out_at_once(client, f, db_session):
    officer = f.user("officer")
    sign_in(client, officer)
    assert client.get("/").status_code == 200
    officer.is_active = False
    db_session.commit()
    forget_signed_in_user()
    assert client.get("/").status_code == 302


def test_admin_cannot_disable_themselves(client, f, db_session):
    sign_in(client, f.admin)
    response = client.post(f"/admin/users/{f.admin.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "You cannot disable your own account." in flashes(response)
    db_session.refresh(f.admin)
    assert f.admin.is_active


def test_user_list_search_and_role_filter(client, f):
    staff = f.user("union_staff", jurisdiction=f.huancui)
    officer = f.user("officer")
    sign_in(client, f.admin)
    page = text(client.get("/admin/users?role=union_staff"))
    assert staff.username in page and officer.username not in page
    page = text(client.get(f"/admin/users?q={officer.username}"))
    assert officer.username in page and staff.username not in page


@pytest.mark.parametrize("role", ["officer", "union_staff", "city_staff", "contractor"])
def test_only_administrators_reach_the_admin_pages(client, f, role):
    kwargs = {"jurisdiction": f.huancui} if role == "union_staff" else {}
    if role == "contractor":
        kwargs = {"contractor": f.contractor()}
    user = f.user(role, **kwargs)
    sign_in(client, user)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 403
