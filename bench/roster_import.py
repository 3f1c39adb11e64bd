"""Roster import benchmark: our checked import against a clerk's pandas one-liner.

    python bench/roster_import.py [--db sqlite|postgres|both] [--rows 10000] [--invalid 3] [--repeat 3] [--url URL]

Generates an XLSX roster with Chinese headers (姓名, 身份证号, 手机号, 工种, 进场日期)
of which a few percent of rows are invalid (wrong check digit, impossible birth
date, under 16, bad phone, duplicate ID, ID typed as a number), then measures,
in the same run and each time into a fresh database:

  (a) ours: the preview (every row checked, one digest look-up per batch of IDs)
      and then the commit (checked again, bulk inserts of workers and crew members
      in one transaction) — what a user does with the roster page or the API;
  (b) the baseline a data-savvy clerk would use: ``pandas.read_excel`` (its default
      engine) and ``DataFrame.to_sql`` of the same file, with no validation at all.

Every measurement runs in a fresh interpreter, after an untimed 20-row warm-up of
the same side (so one-time loading of libraries and data is not counted). It
prints rows per second for both and the ratio (ours / baseline; ≥ 1.0 means we
are at least as fast while checking every row), then our peak memory: the Python
heap peak of one import under ``tracemalloc``, and the peak RSS of the process
doing it.
For reference it also times pandas with the calamine engine, which is not the
default. This is a benchmark, not a test: it prints, it does not assert a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from projectunion import create_app, migrate  # noqa: E402
from projectunion.db import get_session  # noqa: E402
from projectunion.models import Contractor, CrewMember  # noqa: E402
from projectunion.services import crews, rosters, users  # noqa: E402

HEADER = ["姓名", "身份证号", "手机号", "工种", "进场日期"]
PG_DEFAULT = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志新春海波宏峰成林"
TRADES = ["钢筋工", "木工", "混凝土工", "砌筑工", "架子工", "电焊工", "水电工", "抹灰工", "油漆工", "普工"]
REGIONS = ["371002", "411502", "510104", "130102", "341221", "420111", "430102", "500101", "522401"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC = "91371000MA00000010"


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def id_number(rng: random.Random, birth: dt.date) -> str:
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_char(first17)


def make_roster(rows: int, invalid_percent: float, seed: int = 4) -> tuple[bytes, int]:
    """The XLSX file and how many of its rows are invalid."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    today = dt.date.today()
    seen: set[str] = set()
    body: list[list] = []
    while len(body) < rows:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
        number = id_number(rng, birth)
        if number in seen:
            continue
        seen.add(number)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        entered = today - dt.timedelta(days=rng.randrange(30, 900))
        body.append([name, number, phone, rng.choice(TRADES), entered])
    spoilers = [
        lambda r: r.__setitem__(1, r[1][:-1] + ("0" if r[1][-1] != "0" else "1")),  # wrong check digit
        lambda r: r.__setitem__(1, r[1][:10] + "0231" + r[1][14:17] + check_char(r[1][:10] + "0231" + r[1][14:17])),
        lambda r: r.__setitem__(2, "1380013800"),  # phone one digit short
        lambda r: r.__setitem__(1, int(r[1][:17])),  # typed as a number in Excel
        lambda r: r.__setitem__(1, body[0][1]),  # duplicate of the first row
        lambda r: r.__setitem__(
            1, (lambda f: f + check_char(f))(r[1][:6] + f"{today.year - 15}0101" + r[1][14:17])
        ),  # 15 years old
    ]
    bad = rng.sample(range(1, rows), int(rows * invalid_percent / 100))
    for i, index in enumerate(bad):
        spoilers[i % len(spoilers)](body[index])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(HEADER)
    for row in body:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), len(bad)


class Databases:
    """Fresh, empty databases on demand; dropped (or deleted) at the end."""

    def __init__(self, kind: str, pg_url: str) -> None:
        self.kind = kind
        self.pg_url = pg_url
        self.folder = tempfile.TemporaryDirectory()
        self.created: list[str] = []

    def fresh(self) -> str:
        name = f"pu_bench_{secrets.token_hex(4)}"
        if self.kind == "sqlite":
            return f"sqlite:///{Path(self.folder.name) / (name + '.sqlite3')}"
        admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        self.created.append(name)
        return sa.make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.created:
            admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self.created:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
        self.folder.cleanup()


def ours(url: str, data: bytes, trace: bool = False) -> tuple[float, int, int, int]:
    """Preview then commit into a fresh, migrated database.

    Returns (seconds, rows committed, peak traced heap bytes, peak RSS kB of this process).
    """
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(32), "DATA_KEY": secrets.token_urlsafe(48)}
    )
    with app.app_context():
        session = get_session()
        company = Contractor(name="威海建工集团", uscc=USCC, kind="labor_service")
        session.add(company)
        session.commit()
        user = users.create_user(
            session, None, username="hr", password="benchmark-password", role="contractor", contractor=company
        )
        crew = crews.create_crew(session, user, company, name="钢筋一班")
        warm_up = crews.create_crew(session, user, company, name="预热班")
        rosters.import_roster(session, user, warm_up, make_roster(20, 0, seed=99)[0], dry_run=False)
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        preview = rosters.import_roster(session, user, crew, data, dry_run=True)
        result = rosters.import_roster(session, user, crew, data, dry_run=False)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        if trace:
            tracemalloc.stop()
        assert preview.valid == result.valid == result.created, (preview.valid, result.as_dict())
        members = session.scalar(sa.select(sa.func.count()).where(CrewMember.crew_id == crew.id))
        assert members == result.created
    app.extensions["db_engine"].dispose()
    return elapsed, members, peak, peak_rss_kb()


def peak_rss_kb() -> int:
    """VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec."""
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def baseline(url: str, path: Path, engine_name: str | None = None) -> tuple[float, int]:
    """pandas.read_excel + DataFrame.to_sql into a fresh, empty database: (seconds, rows written)."""
    import pandas as pd

    engine = sa.create_engine(url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas announces a future change of its default engine
        small = path.with_name("warm-up.xlsx")
        small.write_bytes(make_roster(20, 0, seed=99)[0])
        read = pd.read_excel(small, engine=engine_name) if engine_name else pd.read_excel(small)
        read.to_sql("warm_up", engine, index=False)
        start = time.perf_counter()
        frame = pd.read_excel(path, engine=engine_name) if engine_name else pd.read_excel(path)
        written = frame.to_sql("roster", engine, index=False)
        elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed, written if written is not None else len(frame)


def isolated(function, *args):
    """Run one measurement in a fresh interpreter, so that neither side inherits the other's
    state (imported libraries, idle thread pools, garbage, caches)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--invalid", type=float, default=3.0, help="percent of invalid rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the median counts")
    parser.add_argument("--url", default=PG_DEFAULT, help="PostgreSQL server (a database is created per run)")
    args = parser.parse_args()

    data, invalid = make_roster(args.rows, args.invalid)
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / "roster.xlsx"
    path.write_bytes(data)
    print(
        f"Roster: {args.rows:,} rows with Chinese headers, {invalid} invalid ({args.invalid:g}%), XLSX {len(data) / 2**20:.2f} MB"
    )
    print(f"Each side runs {args.repeat} times, each in a fresh interpreter and a fresh database; the median counts.\n")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"{'database':10} {'ours: preview + commit':>28} {'baseline: read_excel + to_sql':>32} {'ratio':>7}")
    heap = rss = 0
    for kind in kinds:
        dbs = Databases("sqlite" if kind == "sqlite" else "postgres", args.url)
        try:
            mine, theirs, fast = [], [], []
            for _ in range(args.repeat):
                seconds, committed, _, run_rss = isolated(ours, dbs.fresh(), data)
                rss = max(rss, run_rss)
                mine.append(seconds)
                theirs.append(isolated(baseline, dbs.fresh(), path)[0])
                fast.append(isolated(baseline, dbs.fresh(), path, "calamine")[0])
            if kind == kinds[0]:
                heap = isolated(ours, dbs.fresh(), data, True)[2]
        finally:
            dbs.close()
        ours_rate = args.rows / statistics.median(mine)
        base_rate = args.rows / statistics.median(theirs)
        print(
            f"{kind:10} {ours_rate:>15,.0f} rows/s ({statistics.median(mine):.2f} s)"
            f" {base_rate:>17,.0f} rows/s ({statistics.median(theirs):.2f} s) {ours_rate / base_rate:>7.2f}"
        )
        print(
            f"{'':10} {committed:>15,} rows committed  "
            f" (pandas with engine='calamine', not its default: {args.rows / statistics.median(fast):,.0f} rows/s,"
            f" ratio {ours_rate / (args.rows / statistics.median(fast)):.2f})"
        )
    print(
        f"\nPeak memory of one import: {heap / 2**20:.0f} MB Python heap (tracemalloc),"
        f" {rss / 1024:.0f} MB peak RSS of the whole process (app, libraries and import)"
    )
    print("Target: ratio ≥ 1.0 on SQLite and PostgreSQL, peak memory < 300 MB.")
    folder.cleanup()


if __name__ == "__main__":
    main()
