"""Enrollment over HTTP: our API against a minimal Flask app doing one INSERT per request.

    python bench/enroll_http.py [--db sqlite|postgres|both] [--seconds 10] [--clients 8] [--rounds 2] [--url URL]

For each database, in the same run and on the same fresh database (SQLite in
WAL mode, or a new PostgreSQL database), it starts three servers under
gunicorn (2 sync workers each, on 127.0.0.1 and a free port, one at a time):

  (a) projectunion itself: ``POST /api/v1/unions/{id}/members`` with a bearer
      token — sign-in, validation of the ID number, name and age, the worker
      found or created by the keyed digest of the ID, the membership and its
      lifecycle transitions with their history, one writing transaction;
  (b) the raw SQL floor: a bare Flask app running the very statements (a)
      runs for a new worker, hand-written, with nothing else — no ORM, no
      lifecycle engine, no permission rules, no extensions. It is not a
      product; it shows how much of the gap is the work itself;
  (c) the baseline: a minimal Flask app whose only work is one INSERT of the
      same JSON body into a table of the same database.

The same load generator drives each for the same time: ``--clients`` threads,
each posting one new worker after another (every request a different valid
ID number), after a short warm-up, in alternating rounds so that whatever
else the machine is doing slows all alike. It prints enrollments per second,
the median and 99th-percentile latency, the error count (anything but 201)
and PASS or FAIL for projectunion's targets: zero errors and a 99th
percentile under 100 ms (meant for 8 clients, the default). The ratios to
the one-INSERT app and to the hand-written floor are printed for
information: they are not targets. This is a benchmark, not a test: it
prints, it does not assert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from projectunion import create_app, migrate  # noqa: E402
from projectunion.db import get_session, make_engine  # noqa: E402
from projectunion.services import jurisdictions, projects, users  # noqa: E402
from projectunion.services.events import fire_checked_and_commit  # noqa: E402

PG_DEFAULT = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
WARM_UP = 2.0
P99_TARGET_MS = 100.0
SECRET = "bench-secret-key"
DATA_KEY = "bench-data-key-" + "x" * 32

# --- the baseline -------------------------------------------------------------

MINIMAL = sa.Table(
    "bench_minimal_enrollments",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("id_number", sa.String(18)),
    sa.Column("name", sa.String(50)),
    sa.Column("joined_on", sa.Date),
)


def minimal_app():
    """A Flask app with one route that INSERTs the posted body: the least an enrollment can cost."""
    from flask import Flask, request

    app = Flask("minimal")
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.post("/enroll")
    def enroll():
        body = request.get_json()
        with engine.begin() as conn:
            new_id = conn.execute(
                MINIMAL.insert().returning(MINIMAL.c.id),
                {
                    "id_number": body["id_number"],
                    "name": body["name"],
                    "joined_on": dt.date.fromisoformat(body["joined_on"]),
                },
            ).scalar_one()
        return {"id": new_id}, 201

    return app


def raw_sql_app():
    """The floor of our enrollment: the very statements it runs, hand-written, in a bare Flask app.

    Per request, in one transaction (locking on SQLite, as the app's): the
    token's user, the union, the worker by the digest of the ID number, the
    union's state again, the worker, the membership and its two history rows,
    with the same ID-number check, digest and encryption. No
    ORM, no lifecycle engine, no permission rules, no extensions: how fast
    this work can possibly go on this machine, to show how much of the gap to
    the one-INSERT app is the work itself.
    """
    from flask import Flask, request

    from projectunion.models import ApiToken, Jurisdiction, Membership, StateChange, Union, User, Worker
    from projectunion.realname import IdProtector, parse_id_number
    from projectunion.services.users import token_hash

    app = Flask("raw_sql")
    engine = make_engine(os.environ["DATABASE_URL"], immediate=True)
    protect = IdProtector(os.environ["PROJECTUNION_DATA_KEY"])
    user_q = (
        sa.select(User.id, User.role, Jurisdiction.path)
        .join(ApiToken, ApiToken.user_id == User.id)
        .outerjoin(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None), User.is_active)
    )
    union_q = (
        sa.select(Union.id, Union.state, Union.name, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == Union.jurisdiction_id)
        .where(Union.id == sa.bindparam("union_id"))
    )
    worker_q = sa.select(Worker.id).where(Worker.id_digest == sa.bindparam("digest"))
    state_q = sa.select(Union.state).where(Union.id == sa.bindparam("union_id")).with_for_update(read=True)
    insert_worker = Worker.__table__.insert().returning(Worker.__table__.c.id)
    insert_membership = Membership.__table__.insert().returning(Membership.__table__.c.id)
    insert_history = StateChange.__table__.insert()

    @app.post("/unions/<int:union_id>/members")
    def enroll(union_id: int):
        body = request.get_json()
        token = request.headers["Authorization"].partition(" ")[2]
        day = dt.date.fromisoformat(body["joined_on"])
        with engine.begin() as conn:
            user = conn.execute(user_q, {"token_hash": token_hash(token)}).one()
            union = conn.execute(union_q, {"union_id": union_id}).one()
            resident = parse_id_number(body["id_number"], today=dt.date.today())
            digest = protect.digest(resident.number)
            if conn.execute(worker_q, {"digest": digest}).first() is not None:
                return {"error": "known worker"}, 409
            conn.execute(state_q, {"union_id": union_id}).one()
            worker_id = conn.execute(
                insert_worker,
                {
                    "id_digest": digest,
                    "id_encrypted": protect.encrypt(resident.number),
                    "id_masked": resident.masked,
                    "id_last4": resident.number[-4:],
                    "name": body["name"],
                    "birth_date": resident.birth_date,
                    "gender": resident.gender,
                    "region_code": resident.region_code,
                    "origin_province_code": resident.province_code,
                },
            ).scalar_one()
            membership_id = conn.execute(
                insert_membership,
                {
                    "worker_id": worker_id,
                    "union_id": union_id,
                    "state": "active",
                    "applied_on": day,
                    "joined_on": day,
                    "source": "officer",
                    "consent": "api",
                },
            ).scalar_one()
            step = {"machine": "membership", "object_id": membership_id, "on": day, "actor_id": user.id}
            conn.execute(
                insert_history,
                [
                    {**step, "event": "create", "from_state": None, "to_state": "pending", "data": {}},
                    {**step, "event": "approve", "from_state": "pending", "to_state": "active", "data": {}},
                ],
            )
        return {"id": membership_id, "worker_id": worker_id, "union_id": union_id, "union_name": union.name}, 201

    return app


# --- one database -------------------------------------------------------------


def id_number(n: int) -> str:
    """The n-th valid resident ID number: a different birth date every 1000."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"411502{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@dataclass
class Database:
    url: str
    cleanup: list = field(default_factory=list)


def fresh_database(kind: str, pg_url: str) -> Database:
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="pu_bench_")
        return Database(f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}", [tmp.cleanup])
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"pu_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return Database(sa.make_url(pg_url).set(database=name).render_as_string(hide_password=False), [drop])


def prepare(url: str) -> tuple[int, str]:
    """Schema, the city, a started project (its union enrolls), a staff account and its token."""
    migrate.upgrade(url)
    engine = make_engine(url)
    MINIMAL.create(engine)
    engine.dispose()
    app = create_app({"SECRET_KEY": SECRET, "DATA_KEY": DATA_KEY, "DATABASE_URL": url})
    with app.app_context():
        session = get_session()
        jurisdictions.load_divisions(session)
        session.commit()
        town = jurisdictions.by_code(session, "371002005")
        staff = users.create_user(
            session,
            None,
            username="bench",
            password="correct horse battery",
            role="union_staff",
            jurisdiction=jurisdictions.by_code(session, "371002"),
        )
        project = projects.register_project(
            session, staff, name="基准测试项目", permit_no="BENCH-1", town=town, registered_on=dt.date(2024, 1, 1)
        )
        fire_checked_and_commit(session, staff, project, "start", on=dt.date(2024, 3, 1))
        return project.union.id, users.create_token(session, None, staff, "bench")


def count_rows(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        members = conn.exec_driver_sql("SELECT count(*) FROM memberships WHERE state = 'active'").scalar_one()
        minimal = conn.execute(sa.select(sa.func.count()).select_from(MINIMAL)).scalar_one()
    engine.dispose()
    return members, minimal


# --- servers ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn with 2 sync workers on 127.0.0.1, stopped on exit."""

    def __init__(self, target: str, url: str) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "PROJECTUNION_DATA_KEY": DATA_KEY,
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
                target,
            ],
            env=env,
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited while starting")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- load ---------------------------------------------------------------------


@dataclass
class Result:
    done: int
    errors: int
    seconds: float
    latencies: list[float]
    first_error: str | None

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def drive(
    port: int, path: str, headers: dict[str, str], numbers: itertools.count, seconds: float, clients: int
) -> Result:
    """``clients`` threads post new enrollments for ``WARM_UP + seconds``; only the last ``seconds`` count."""
    start = time.monotonic()
    measure_from = start + WARM_UP
    stop = measure_from + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"done": 0, "errors": 0}
    first_error: list[str] = []

    def client() -> None:
        mine: list[float] = []
        done = errors = 0
        while True:
            began = time.monotonic()
            if began >= stop:
                break
            n = next(numbers)
            body = json.dumps({"id_number": id_number(n), "name": f"工人{n}", "joined_on": "2024-03-02"})
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body=body.encode(), headers=headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                ok = response.status == 201
            except OSError as exc:
                ok, payload = False, repr(exc).encode()
            ended = time.monotonic()
            if began < measure_from:
                continue
            if ok:
                done += 1
                mine.append(ended - began)
            else:
                errors += 1
                if not first_error:
                    first_error.append(payload[:300].decode(errors="replace"))
        with lock:
            latencies.extend(mine)
            counts["done"] += done
            counts["errors"] += errors

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(counts["done"], counts["errors"], seconds, latencies, first_error[0] if first_error else None)


def merged(results: list[Result]) -> Result:
    errors = [r.first_error for r in results if r.first_error]
    return Result(
        sum(r.done for r in results),
        sum(r.errors for r in results),
        sum(r.seconds for r in results),
        [x for r in results for x in r.latencies],
        errors[0] if errors else None,
    )


APPS = (
    # name, gunicorn target, path, whether it needs the bearer token
    ("projectunion", "projectunion:create_app()", "/api/v1/unions/{union_id}/members", True),
    ("raw SQL floor", "bench.enroll_http:raw_sql_app()", "/unions/{union_id}/members", True),
    ("minimal", "bench.enroll_http:minimal_app()", "/enroll", False),
)


def run(kind: str, pg_url: str, seconds: float, clients: int, rounds: int) -> None:
    """The apps in alternating rounds, so that a busy machine slows them alike."""
    db = fresh_database(kind, pg_url)
    results: dict[str, list[Result]] = {name: [] for name, *_ in APPS}
    try:
        union_id, token = prepare(db.url)
        numbers = itertools.count(1)
        json_headers = {"Content-Type": "application/json"}
        for _ in range(rounds):
            for name, target, path, signed in APPS:
                headers = {**json_headers, "Authorization": f"Bearer {token}"} if signed else json_headers
                with Server(target, db.url) as server:
                    results[name].append(
                        drive(server.port, path.format(union_id=union_id), headers, numbers, seconds / rounds, clients)
                    )
        members, rows = count_rows(db.url)
    finally:
        for step in db.cleanup:
            step()
    rates = {name: merged(r) for name, r in results.items()}
    print(
        f"\n{kind}: {seconds:g} s each in {rounds} alternating rounds (after {WARM_UP:g} s warm-up each), "
        f"{clients} client threads, gunicorn 2 sync workers"
    )
    print(f"  {'app':<15}{'enroll/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, r in rates.items():
        print(f"  {name:<15}{r.rate:>10.1f}{r.percentile(50):>9.1f}{r.percentile(99):>9.1f}{r.errors:>8}")
        if r.first_error:
            print(f"    first error: {r.first_error}")
    mine, floor, minimal = rates["projectunion"], rates["raw SQL floor"], rates["minimal"]
    p99 = mine.percentile(99)
    verdict = "PASS" if mine.errors == 0 and mine.done and p99 < P99_TARGET_MS else "FAIL"
    print(
        f"  {verdict}: projectunion {mine.errors} errors, p99 {p99:.1f} ms "
        f"(targets: zero errors, p99 under {P99_TARGET_MS:g} ms; {clients} clients)"
    )
    if minimal.rate and floor.rate:
        print(
            f"  for information: projectunion reaches {mine.rate / minimal.rate:.0%} of the minimal app "
            f"and {mine.rate / floor.rate:.0%} of the hand-written floor, "
            f"which reaches {floor.rate / minimal.rate:.0%} of the minimal app"
        )
    print(f"  rows written, warm-up included: {members} active memberships, {rows} minimal rows")
    print(f"  load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="alternate the apps this many times")
    parser.add_argument("--url", default=PG_DEFAULT, help="a PostgreSQL URL; a fresh database is created beside it")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    for kind in kinds:
        run("postgresql" if kind == "postgres" else kind, args.url, args.seconds, args.clients, args.rounds)


if __name__ == "__main__":
    main()
