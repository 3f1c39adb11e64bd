"""Load and soak: a mixed load on gunicorn (4 workers), PostgreSQL and Redis, all on 127.0.0.1.

    python bench/load.py [--seconds 120] [--users 50] [--url POSTGRES_URL] [--redis redis://127.0.0.1:6379/12]

A fresh PostgreSQL database is made beside ``--url`` and dropped at the end.
``--users`` threads (each a person at its own address, sent as
X-Forwarded-For through one trusted proxy, as behind nginx) first sign in
(not measured: a burst of password hashing), then all start together and for
``--seconds`` do, at random, with ``--think`` seconds between two requests:
browse the unions list, enroll a worker over the API, send a QR application,
preview a crew's roster over the API, and open the city dashboard. It prints
requests/s, p50 and p99 per kind and the error count (anything but the
expected status), then checks the database: no worker holds two active
memberships, every membership has its state changes, the audit chain verifies
(``projectunion audit verify``), and no connection is idle in transaction.

Targets: 0 errors, p99 under 1 s for pages (and the roster preview, which writes nothing) and
under 250 ms for API writes, every invariant holding. A benchmark, not a test: it prints PASS or FAIL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.enroll_http import DATA_KEY, PG_DEFAULT, SECRET, free_port, fresh_database, id_number  # noqa: E402
from projectunion import create_app, migrate  # noqa: E402
from projectunion.db import get_session  # noqa: E402
from projectunion.models import Contractor  # noqa: E402
from projectunion.services import crews, join, jurisdictions, memberships, projects, users  # noqa: E402
from projectunion.services.events import fire_checked_and_commit  # noqa: E402

PASSWORD = "correct horse battery"
#: kind → (weight, p99 target in seconds, expected status): pages 1 s, API writes 250 ms; a preview writes nothing
KINDS = {
    "browse": (3, 1.0, 200),
    "dashboard": (1, 1.0, 200),
    "enroll": (3, 0.25, 201),
    "qr_apply": (2, 1.0, 302),
    "roster_preview": (1, 1.0, 200),
}


def prepare(url: str) -> dict:
    """Schema, the city, a founded project union, a crew, and the accounts the users act as."""
    migrate.upgrade(url)
    app = create_app({"SECRET_KEY": SECRET, "DATA_KEY": DATA_KEY, "DATABASE_URL": url})
    with app.app_context():
        session = get_session()
        jurisdictions.load_divisions(session)
        session.commit()
        town, district = jurisdictions.by_code(session, "371002005"), jurisdictions.by_code(session, "371002")
        staff = users.create_user(
            session, None, username="staff", password=PASSWORD, role="union_staff", jurisdiction=district
        )
        users.create_user(session, None, username="city", password=PASSWORD, role="city_staff")
        project = projects.register_project(
            session, staff, name="压测项目", permit_no="LOAD-1", town=town, registered_on=dt.date(2024, 1, 1)
        )
        fire_checked_and_commit(session, staff, project, "start", on=dt.date(2024, 3, 1))
        union = project.union
        chair = memberships.enroll(
            session, staff, union, name="主席", id_number=id_number(999_000), joined_on=dt.date(2024, 3, 1)
        )
        fire_checked_and_commit(session, staff, union, "found", on=dt.date(2024, 3, 2), chair_membership_id=chair.id)
        company = Contractor(name="压测建工", uscc="91371000MA3C8N7X2K", kind="general")
        session.add(company)
        session.commit()
        boss = users.create_user(
            session, None, username="boss", password=PASSWORD, role="contractor", contractor=company
        )
        crew = crews.create_crew(session, boss, company, name="压测班组", created_on=dt.date(2024, 1, 1))
        return {
            "union_id": union.id,
            "join_token": join.join_token(union),
            "crew_id": crew.id,
            "staff_token": users.create_token(session, None, staff, "load"),
            "boss_token": users.create_token(session, None, boss, "load"),
        }


def roster_file(n: int) -> bytes:
    rows = ["姓名,身份证号,手机号,工种,进场日期"]
    rows += [f"班组工人{n}_{i},{id_number(500_000 + n * 40 + i)},138{i:08d},钢筋工,2024-03-01" for i in range(30)]
    return ("\n".join(rows) + "\n").encode()


class Load:
    def __init__(self, base: str, setup: dict, seconds: float, users_count: int, think: tuple[float, float]) -> None:
        self.base, self.setup, self.seconds, self.users = base, setup, seconds, users_count
        self.think = think
        self.deadline = 0.0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.first_errors: dict[str, str] = {}
        self.lock = threading.Lock()
        self.serial = iter(range(10**9))
        self.setup_errors: list[str] = []

    def next_n(self) -> int:
        with self.lock:
            return next(self.serial)

    def record(self, kind: str, started: float, response: requests.Response | None, error: str | None) -> None:
        elapsed = time.perf_counter() - started
        expected = KINDS[kind][2]
        with self.lock:
            self.latencies[kind].append(elapsed)
            if response is None or response.status_code != expected:
                self.errors[kind] += 1
                self.first_errors.setdefault(kind, error or f"{response.status_code}: {response.text[:200]}")

    def signed_in(self, address: str, username: str) -> requests.Session:
        web = requests.Session()
        web.headers["X-Forwarded-For"] = address
        page = web.get(self.base + "/sign-in", timeout=30)
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        data = {"csrf_token": csrf, "username": username, "password": PASSWORD}
        answer = web.post(self.base + "/sign-in", data=data, timeout=30, allow_redirects=False)
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in failed: {answer.status_code}")
        return web

    def user(self, number: int) -> None:
        try:
            self._user(number)
        except Exception as exc:  # a user that could not even start counts as an error
            with self.lock:
                self.setup_errors.append(repr(exc))
            if not self.ready.broken:
                self.ready.wait()  # the others still start together

    def _user(self, number: int) -> None:
        address = f"10.{number // 250}.{number % 250}.{random.randint(1, 250)}"
        staff = self.signed_in(address, "staff")
        city = self.signed_in(address, "city")
        api = requests.Session()
        api.headers["X-Forwarded-For"] = address
        phone = requests.Session()
        phone.headers["X-Forwarded-For"] = address
        join_url = f"{self.base}/join/{self.setup['join_token']}"
        join_csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', phone.get(join_url, timeout=30).text).group(1)
        kinds = [k for k, (w, _page, _status) in KINDS.items() for _ in range(w)]
        self.ready.wait(timeout=300)  # every user has signed in: the measured load begins
        deadline = self.deadline
        time.sleep(random.uniform(*self.think))
        while time.monotonic() < deadline:
            kind = random.choice(kinds)
            started = time.perf_counter()
            response, error = None, None
            try:
                if kind == "browse":
                    response = staff.get(self.base + "/unions", timeout=30)
                elif kind == "dashboard":
                    response = city.get(self.base + "/dashboard/", timeout=30)
                elif kind == "enroll":
                    body = {"name": f"工人{self.next_n()}", "id_number": id_number(self.next_n())}
                    response = api.post(
                        f"{self.base}/api/v1/unions/{self.setup['union_id']}/members",
                        json=body,
                        headers={"Authorization": f"Bearer {self.setup['staff_token']}"},
                        timeout=30,
                    )
                elif kind == "qr_apply":
                    n = 300_000 + self.next_n()
                    data = {"csrf_token": join_csrf, "name": f"申请人{n}", "id_number": id_number(n)}
                    data |= {"phone": "138 0000 0011", "trade": "木工", "consent": "y"}
                    response = phone.post(join_url, data=data, timeout=30, allow_redirects=False)
                else:
                    files = {"file": ("roster.csv", io.BytesIO(roster_file(self.next_n() % 1000)), "text/csv")}
                    response = api.post(
                        f"{self.base}/api/v1/crews/{self.setup['crew_id']}/roster",
                        files=files,
                        data={"dry_run": "true"},
                        headers={"Authorization": f"Bearer {self.setup['boss_token']}"},
                        timeout=30,
                    )
            except requests.RequestException as exc:
                error = repr(exc)
            self.record(kind, started, response, error)
            time.sleep(random.uniform(*self.think))  # a person reads the page, a phone types

    def run(self) -> float:
        """Every user signs in first (password hashing, not measured); then all start together and the
        measured load lasts ``seconds``."""
        started: list[float] = []

        def begin() -> None:  # run once, as the last user is ready and before any is released
            started.append(time.monotonic())
            self.deadline = started[0] + self.seconds

        self.ready = threading.Barrier(self.users, action=begin)
        threads = [threading.Thread(target=self.user, args=(n,), daemon=True) for n in range(self.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def idle_in_transaction(url: str) -> int:
    """Asked while the server still runs: its workers' connections, each between two requests."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        idle = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state IN ('idle in transaction', 'idle in transaction (aborted)')"
        ).scalar_one()
    engine.dispose()
    return idle


def invariants(url: str, idle: int) -> dict[str, bool]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        doubles = conn.exec_driver_sql(
            "SELECT count(*) FROM (SELECT worker_id FROM memberships WHERE state = 'active' "
            "GROUP BY worker_id HAVING count(*) > 1) AS d"
        ).scalar_one()
        without_history = conn.exec_driver_sql(
            "SELECT count(*) FROM memberships m WHERE NOT EXISTS (SELECT 1 FROM state_changes s "
            "WHERE s.machine = 'membership' AND s.object_id = m.id)"
        ).scalar_one()
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PROJECTUNION_DATA_KEY": DATA_KEY}
    cli = Path(sys.executable).with_name("projectunion")
    verified = subprocess.run([str(cli), "audit", "verify"], env=env, capture_output=True, text=True, timeout=600)
    if verified.returncode:
        print(verified.stdout + verified.stderr)
    return {
        "no worker holds two active memberships": doubles == 0,
        "every membership has its state changes": without_history == 0,
        "the audit chain verifies": verified.returncode == 0,
        "no connection is idle in transaction": idle == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--url", default=PG_DEFAULT, help="a PostgreSQL URL; a fresh database is created beside it")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="where the rate limits are kept")
    parser.add_argument(
        "--think",
        default="1-3",
        help="seconds each user waits between two requests, uniformly in MIN-MAX (a person reading the page); "
        "0.05-0.3 saturates the server",
    )
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split("-", 1))
    if len(think) != 2 or not 0 <= think[0] <= think[1] <= 60:
        parser.error("--think takes MIN-MAX seconds, e.g. 1-3")
    if not 1 <= args.users <= 200 or not 1 <= args.seconds <= 600:
        parser.error("--users 1..200 and --seconds 1..600: a bounded run")
    database = fresh_database("postgres", args.url)
    try:
        setup = prepare(database.url)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "SECRET_KEY": SECRET,
            "PROJECTUNION_DATA_KEY": DATA_KEY,
            "RATELIMIT_STORAGE_URI": args.redis,
            "PROJECTUNION_PROXIES": "1",  # each simulated person has its own address
            "PROJECTUNION_SECURE_COOKIES": "0",  # plain HTTP on the loopback
        }
        cli = Path(sys.executable).with_name("projectunion")
        server = subprocess.Popen(
            [str(cli), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "4", "--no-access-log"], env=env
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    requests.get(base + "/healthz", timeout=5)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            load = Load(base, setup, args.seconds, args.users, think)
            elapsed = load.run()
            time.sleep(1.0)  # the last responses are sent and their sessions closed
            idle = idle_in_transaction(database.url)
        finally:
            server.terminate()
            server.wait(timeout=60)
        total = sum(len(v) for v in load.latencies.values())
        errors = sum(load.errors.values()) + len(load.setup_errors)
        print(
            f"{args.users} users (think {args.think} s) for {elapsed:.0f} s: "
            f"{total / elapsed:.1f} requests/s, {errors} errors"
        )
        if load.setup_errors:
            print(f"  {len(load.setup_errors)} users could not start: {load.setup_errors[0]}")
        ok = errors == 0 and total > 0
        for kind, (_w, target, _status) in KINDS.items():
            values = load.latencies[kind]
            p50, p99 = percentile(values, 50), percentile(values, 99)
            ok &= p99 < target
            print(
                f"  {kind:<15} {len(values) / elapsed:6.1f}/s  p50 {p50 * 1000:6.0f} ms  p99 {p99 * 1000:6.0f} ms"
                f"  (target {target * 1000:.0f} ms)  errors {load.errors[kind]}"
            )
            if kind in load.first_errors:
                print(f"    first error: {load.first_errors[kind]}")
        for name, holds in invariants(database.url, idle).items():
            ok &= holds
            print(f"  {'holds' if holds else 'BROKEN'}: {name}")
        print("PASS" if ok else "FAIL")
    finally:
        for cleanup in database.cleanup:
            cleanup()


if __name__ == "__main__":
    main()
