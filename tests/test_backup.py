"""`projectunion backup` / `restore`: the restored database is the one backed up, checked by its
schema head, its rows and its audit chains; the data key is never in a backup."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from projectunion import backup, create_app, db
from projectunion.health import head_revision
from projectunion.models import AuditEvent, Membership, Worker
from tests.conftest import TEST_CONFIG
from tests.databases import empty_database
from tests.factories import Factories, id_number


@pytest.fixture
def backed_up(live_app, tmp_path):
    """A committed union with members, a revealed ID number (an audit event), and its backup."""
    number = id_number(seq=77, birth=dt.date(1979, 5, 6))
    with live_app.app_context():
        session = db.get_session()
        f = Factories(session)
        union = f.active_union(members=3)
        f.enroll(union, id_number=number, name="王小明")
        from projectunion.services import workers

        workers.reveal_id_number(session, f.admin, workers.find_by_id_number(session, number), reason="test")
        session.close()
    path = tmp_path / "projectunion.backup"
    result = live_app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    return path, number


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            "workers": connection.scalar(sa.select(sa.func.count()).select_from(Worker)),
            "memberships": connection.scalar(sa.select(sa.func.count()).select_from(Membership)),
            "audit_events": connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
        }


@pytest.fixture
def fresh_app():
    """An app on a new, empty database (not even migrated): where a restore goes."""
    with empty_database("pu_restore") as url:
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        yield app
        app.extensions["db_engine"].dispose()


def test_a_restore_brings_back_every_row_and_checks_head_rows_and_chain(live_app, backed_up, fresh_app):
    path, _ = backed_up
    source = _counts(live_app.extensions["db_engine"])
    assert source["workers"] == 4 and source["audit_events"] >= 1

    result = fresh_app.test_cli_runner().invoke(args=["restore", str(path)])

    assert result.exit_code == 0, result.output
    assert "audit chains intact" in result.output
    engine = fresh_app.extensions["db_engine"]
    assert _counts(engine) == source
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == head_revision()
    with fresh_app.app_context():
        names = set(db.get_session().scalars(sa.select(Worker.name)))
    assert "王小明" in names


def test_the_backup_holds_neither_the_data_key_nor_clear_id_numbers(backed_up):
    path, number = backed_up
    stored = path.read_bytes() + backup.manifest_path(path).read_bytes()
    assert TEST_CONFIG["DATA_KEY"].encode() not in stored
    assert number.encode() not in stored


def test_a_restore_refuses_a_database_that_already_holds_data(live_app, backed_up):
    path, _ = backed_up
    result = live_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    assert "already holds data" in result.output


def test_a_changed_audit_row_is_reported_after_restore(backed_up, fresh_app):
    path, _ = backed_up
    assert fresh_app.test_cli_runner().invoke(args=["restore", str(path)]).exit_code == 0
    engine = fresh_app.extensions["db_engine"]
    manifest = json.loads(backup.manifest_path(path).read_text())
    assert backup.check_restored(engine, manifest) == []
    with engine.begin() as connection:
        first = connection.scalar(sa.select(sa.func.min(AuditEvent.id)))
        connection.execute(sa.update(AuditEvent).where(AuditEvent.id == first).values(action="nothing_happened"))
    problems = backup.check_restored(engine, manifest)
    assert any(p.startswith("audit chain audit_events broken") for p in problems), problems


def test_a_chain_cut_short_is_reported_after_restore(backed_up, fresh_app):
    """Removing the newest audit rows leaves a chain that verifies; the manifest's end does not match."""
    path, _ = backed_up
    assert fresh_app.test_cli_runner().invoke(args=["restore", str(path)]).exit_code == 0
    engine = fresh_app.extensions["db_engine"]
    with engine.begin() as connection:
        connection.execute(
            sa.delete(AuditEvent).where(AuditEvent.id == sa.select(sa.func.max(AuditEvent.id)).scalar_subquery())
        )
    problems = backup.check_restored(engine, json.loads(backup.manifest_path(path).read_text()))
    assert any(p.startswith("audit_events:") for p in problems), problems
    assert any(p.startswith("audit chain audit_events ends at") for p in problems), problems


def test_a_restore_without_its_manifest_is_refused(backed_up, fresh_app):
    path, _ = backed_up
    backup.manifest_path(path).unlink()
    result = fresh_app.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code != 0
    assert "manifest" in result.output
