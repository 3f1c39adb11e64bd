"""Configuration secrets and the command line."""

from __future__ import annotations

import datetime as dt
import stat

import pytest
import sqlalchemy as sa

from projectunion import config, create_app
from projectunion.models import ApiToken, Membership, User
from projectunion.services import service_records, users, wage_cases


def test_secrets_are_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "PROJECTUNION_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)

    class App:
        instance_path = str(tmp_path / "instance")
        config: dict = {}

    first, second = App(), App()
    first.config, second.config = {}, {}
    config.load(first, None)
    config.load(second, None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["DATA_KEY"] == second.config["DATA_KEY"] != first.config["SECRET_KEY"]
    assert len(first.config["DATA_KEY"]) >= 32
    mode = (tmp_path / "instance" / "data_key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert first.config["DATABASE_URL"].endswith("instance/projectunion.sqlite3")


def test_environment_wins_over_instance_files(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("PROJECTUNION_DATA_KEY", "d" * 40)

    class App:
        instance_path = str(tmp_path)
        config: dict = {}

    a = App()
    a.config = {}
    config.load(a, None)
    assert (a.config["DATABASE_URL"], a.config["SECRET_KEY"], a.config["DATA_KEY"]) == (
        "postgresql+psycopg://u@h/db",
        "from-env",
        "d" * 40,
    )
    assert not (tmp_path / "secret_key").exists()


def test_missing_secret_in_test_config_is_refused():
    with pytest.raises(RuntimeError):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "", "DATA_KEY": "x" * 40})


def test_cli_creates_a_scoped_user_and_a_token(runner, f, db_session):
    f.city  # noqa: B018
    result = runner.invoke(args=["users", "create", "hc-staff", "--role", "union_staff", "--jurisdiction", "371002"])
    assert result.exit_code == 0, result.output
    assert "password:" in result.output
    user = db_session.scalars(sa.select(User).where(User.username == "hc-staff")).one()
    assert user.jurisdiction.name == "环翠区"
    result = runner.invoke(args=["users", "token", "hc-staff"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert users.user_for_token(db_session, token).id == user.id
    assert token not in {t.token_hash for t in db_session.scalars(sa.select(ApiToken))}


def test_cli_refuses_staff_without_jurisdiction_with_a_clear_message(runner, f):
    f.city  # noqa: B018
    result = runner.invoke(args=["users", "create", "nobody", "--role", "union_staff"])
    assert result.exit_code != 0
    assert "jurisdiction" in result.output


def test_cli_refuses_unknown_jurisdiction(runner, f):
    result = runner.invoke(args=["users", "create", "x", "--role", "union_staff", "--jurisdiction", "999999"])
    assert result.exit_code != 0
    assert "unknown jurisdiction" in result.output


def test_revoked_token_no_longer_works(f, db_session):
    user = f.user("city_staff")
    token = users.create_token(db_session, None, user)
    record = db_session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    users.revoke_token(db_session, user, record)
    assert users.user_for_token(db_session, token) is None


def test_service_record_and_wage_case_validation(f, db_session):
    union = f.active_union(members=1)
    member = db_session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).one()
    from projectunion.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as info:
        service_records.record_service(db_session, f.admin, union, kind="party", worker=member.worker, amount="-5")
    assert set(info.value.fields) == {"kind", "amount"}
    record = service_records.record_service(
        db_session,
        f.admin,
        union,
        kind="hardship_aid",
        worker=member.worker,
        amount="2,000",
        served_on=dt.date(2024, 12, 20),
    )
    assert str(record.amount) == "2000.00"
    with pytest.raises(ValidationError) as info:
        wage_cases.open_wage_case(db_session, f.admin, union, summary="", amount_claimed="abc", worker_ids=[])
    assert set(info.value.fields) == {"summary", "amount_claimed", "worker_ids"}
    with pytest.raises(PermissionDenied):
        wage_cases.open_wage_case(
            db_session, f.user("city_staff"), union, summary="s", amount_claimed="1", worker_ids=[member.worker_id]
        )


def test_the_cli_lists_what_users_create_needs(f, runner, company):
    regional = f.regional_union()
    project_union = f.started_union()
    towns = runner.invoke(args=["jurisdictions", "list"])
    assert towns.exit_code == 0 and "371002005" in towns.output and "羊亭镇" in towns.output
    regional_only = runner.invoke(args=["unions", "list", "--kind", "regional"])
    assert regional.name in regional_only.output and project_union.name not in regional_only.output
    everything = runner.invoke(args=["unions", "list"])
    assert f"{project_union.id}" in everything.output and project_union.name in everything.output
    companies = runner.invoke(args=["contractors", "list"])
    assert company.uscc in companies.output and company.name in companies.output
