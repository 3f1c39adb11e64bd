"""Alembic is the only way the schema is made: models and migrations agree, and
upgrade → downgrade → upgrade works on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from projectunion import migrate
from tests.databases import empty_database


@pytest.fixture
def scratch_url():
    """An empty database of the kind under test."""
    with empty_database("pu_mig") as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_models_and_migrations_agree(database_url, engine):
    migrate.check(database_url)  # raises if autogenerate would find any difference


def test_upgrade_downgrade_upgrade(scratch_url):
    migrate.upgrade(scratch_url)
    tables = _tables(scratch_url)
    assert {"workers", "memberships", "unions", "projects", "state_changes", "audit_events"} <= tables
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == tables
    migrate.check(scratch_url)


def test_cli_db_upgrade_is_idempotent(runner, database_url):
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "agree" in result.output


def test_names_stored_with_a_space_between_chinese_characters_are_normalised(scratch_url):
    migrate.upgrade(scratch_url, "0002")
    engine = sa.create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            for n, name in enumerate(["黄 涛", "阿依古丽 · 买买提", "John  Smith", "李明"], start=1):
                conn.execute(
                    sa.text(
                        "INSERT INTO workers (id, id_digest, id_encrypted, id_masked, id_last4, name, birth_date, gender,"
                        " region_code, origin_province_code, created_at, updated_at) VALUES (:id, :digest, 'x', 'x',"
                        " '123X', :name, '1980-01-01', 'M', '371002', '37', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": n, "digest": f"d{n}", "name": name},
                )
        migrate.upgrade(scratch_url)
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT name FROM workers ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    assert names == ["黄涛", "阿依古丽·买买提", "John Smith", "李明"]
