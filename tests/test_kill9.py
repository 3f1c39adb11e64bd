"""A process killed with SIGKILL in the middle of a roster commit leaves all of it or none of it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from projectunion import create_app, db, migrate
from projectunion.services import crews
from tests.conftest import TEST_CONFIG
from tests.factories import Factories, roster_csv, roster_person

ROWS = 1200


def _counts(url: str) -> tuple[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            workers = conn.scalar(sa.text("SELECT count(*) FROM workers"))
            members = conn.scalar(sa.text("SELECT count(*) FROM crew_members"))
            assert conn.scalar(sa.text("PRAGMA integrity_check")) == "ok"
    finally:
        engine.dispose()
    return workers, members


def test_a_roster_commit_killed_midway_leaves_all_or_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'kill9.sqlite3'}"
    migrate.upgrade(url)
    secret, data_key = "kill9-secret", "kill9-data-key-" + "k" * 32
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SECRET_KEY": secret, "DATA_KEY": data_key})
    with app.app_context():
        session = db.get_session()
        f = Factories(session)
        company = f.contractor()
        boss = f.user("contractor", contractor=company)
        crew = crews.create_crew(session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
        crew_id, username = crew.id, boss.username
    app.extensions["db_engine"].dispose()
    births = [dt.date(1980, 1, 1) + dt.timedelta(days=d) for d in range(ROWS // 1000 + 1)]
    rows = [roster_person(n % 1000, birth=births[n // 1000], name=f"工人{n}") for n in range(ROWS)]
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv(rows))
    before = _counts(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "PROJECTUNION_DATA_KEY": data_key}
    command = [str(Path(sys.executable).with_name("projectunion")), "roster", "import", str(crew_id), str(roster)]
    command += ["--user", username, "--commit"]

    killed, delay = 0, 0.5
    while True:
        worker = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        time.sleep(delay)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            killed += 1
        output = worker.communicate(timeout=120)[0].decode()
        after, everything = _counts(url), (before[0] + ROWS, before[1] + ROWS)
        assert worker.returncode in (0, -signal.SIGKILL), output
        assert after in (before, everything), f"killed after {delay:.2f} s, half a roster: {after} (before: {before})"
        if after == everything:  # committed (killed, perhaps, only as it was exiting)
            break
        delay += 0.5
        assert delay < 120, "the import never finished"
    assert killed >= 2, "no kill landed while the import was running"
