"""Report benchmark: the city totals at province scale, against bare SQL.

    python bench/report.py --db sqlite|postgres [--scale 0.1] [--url URL] [--keep] [--repeat 3]

Generates a province-size history (at scale 1: 300,000 workers, 1,000,000
memberships, 3,000 project unions in 20 districts, three years 2023–2025, plus
their state changes, wage cases and services) with a bulk path (COPY on
PostgreSQL, executemany on SQLite; digests and encrypted numbers are dummies of
the right shape), then times, in the same run:

  (a) the dashboard totals for one year (2025) with the district breakdown,
      through ``projectunion.reporting`` — every total and the total row;
  (b) the same numbers by bare hand-written SQL aggregate queries;

checks that both give the same numbers, and prints both times and the ratio.
This is a benchmark, not a test: it prints, it does not assert a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import secrets
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from projectunion import migrate, reporting  # noqa: E402
from projectunion.db import make_engine  # noqa: E402

FIRST_DAY, LAST_DAY = dt.date(2023, 1, 1), dt.date(2025, 12, 31)
YEAR = reporting.Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 12, 31))
STAMP = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TRADES = ["钢筋工", "木工", "混凝土工", "架子工", "瓦工", "电工", "焊工", "油漆工", "水暖工", "塔吊司机", None]
ORIGINS = ["37", "41", "51", "34", "42", "43", "50", "52", "13", "22", "23", "45"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志新春海波宏峰成林"
KINDS = ["training", "hardship_aid", "student_aid", "legal_aid", "holiday_visit"]


def days(a: dt.date, b: dt.date) -> int:
    return (b - a).days


def _no_phone(rnd) -> None:
    """Phones are stored encrypted and the reports never read them; the two draws of the phone
    that was made here are kept, so the data stays the one the baseline was measured on."""
    rnd.randint(3, 9)
    rnd.randint(0, 999999999)


class Dataset:
    """Every row to load, as tuples in column order, with ids assigned here."""

    def __init__(self, scale: float, seed: int = 2025):
        self.rnd = random.Random(seed)
        self.n_workers = int(300_000 * scale)
        self.n_memberships = int(1_000_000 * scale)
        self.n_projects = max(20, int(3_000 * scale))
        self.tables: dict[str, tuple[list[str], list[tuple]]] = {}

    def add(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        self.tables[table] = (columns, rows)

    def build(self) -> Dataset:
        self._jurisdictions()
        self._contractors()
        self._unions()
        self._workers()
        self._memberships()
        self._cases_and_services()
        return self

    # -- places, contractors, unions ------------------------------------------------
    def _jurisdictions(self) -> None:
        rows = [(1, "379900", "基准市", "Bench City", "city", None, "379900/")]
        self.towns: list[int] = []
        self.district_of: dict[int, int] = {}
        next_id = 2
        for d in range(1, 21):
            code = f"3799{d:02d}"
            district_id = next_id
            rows.append((district_id, code, f"第{d}区", f"District {d}", "district", 1, f"379900/{code}/"))
            next_id += 1
            for t in range(1, 11):
                tcode = f"{code}{t:03d}"
                rows.append((next_id, tcode, f"第{d}区{t}街道", None, "town", district_id, f"379900/{code}/{tcode}/"))
                self.towns.append(next_id)
                self.district_of[next_id] = district_id
                next_id += 1
        self.add("jurisdictions", ["id", "code", "name", "name_en", "level", "parent_id", "path"], rows)

    def _contractors(self) -> None:
        n = max(20, self.n_projects // 6)
        self.contractor_ids = list(range(1, n + 1))
        rows = [(i, f"基准建设集团{i}有限公司", f"91379900MA{i:08d}", "general", STAMP) for i in self.contractor_ids]
        self.add("contractors", ["id", "name", "uscc", "kind", "created_at"], rows)

    def _unions(self) -> None:
        rnd = self.rnd
        projects, unions, changes = [], [], []
        self.regional_of: dict[int, int] = {}  # town id → regional union id
        self.windows: list[tuple[int, dt.date, dt.date, dt.date | None, int]] = []
        union_id = 0
        for town in self.towns:
            union_id += 1
            self.regional_of[town] = union_id
            unions.append((union_id, "regional", f"区域工会{town}", town, None, "active", None, None, None, STAMP))
            changes.append(("union", union_id, "create", None, "active", FIRST_DAY))
        for p in range(1, self.n_projects + 1):
            union_id += 1
            town = rnd.choice(self.towns)
            start = FIRST_DAY + dt.timedelta(days=rnd.randint(0, days(FIRST_DAY, dt.date(2025, 9, 30))))
            contractor = rnd.choice(self.contractor_ids)
            history = [("create", None, "preparing", start)]
            founded = dissolving = dissolved = None
            if rnd.random() < 0.03:
                abandon = start + dt.timedelta(days=rnd.randint(10, 60))
                history.append(("abandon", "preparing", "dissolved", abandon))
                dissolved = dissolving = abandon
            else:
                founded = start + dt.timedelta(days=rnd.randint(0, 30))
                history.append(("found", "preparing", "active", founded))
                complete = founded + dt.timedelta(days=rnd.randint(180, 720))
                if rnd.random() < 0.05:
                    halt = founded + dt.timedelta(days=rnd.randint(20, 120))
                    history += [
                        ("suspend", "active", "suspended", halt),
                        ("resume", "suspended", "active", halt + dt.timedelta(days=rnd.randint(5, 40))),
                    ]
                if complete <= LAST_DAY:
                    dissolving = complete
                    history.append(("begin_dissolution", "active", "dissolving", complete))
                    end = complete + dt.timedelta(days=rnd.randint(0, 30))
                    if end <= LAST_DAY:
                        dissolved = end
                        history.append(("dissolve", "dissolving", "dissolved", end))
            state = history[-1][2]
            project_state = {"preparing": "planned", "dissolving": "completed", "dissolved": "completed"}.get(
                state, "under_construction"
            )
            projects.append((p, f"基准项目{p}", f"BENCH{p:08d}", town, contractor, start, start, project_state, STAMP))
            unions.append(
                (union_id, "project", f"基准项目{p}项目工会", town, p, state, founded, dissolved, None, STAMP)
            )
            changes += [("union", union_id, e, f, t, on) for e, f, t, on in history]
            # enrollment is open from the start until dissolution begins
            self.windows.append((union_id, start, dissolving or LAST_DAY, dissolved, town))
        self.add(
            "projects",
            ["id", "name", "permit_no", "town_id", "general_contractor_id", "planned_start", "actual_start",
             "state", "created_at"],
            projects,
        )  # fmt: skip
        self.add(
            "unions",
            ["id", "kind", "name", "jurisdiction_id", "project_id", "state", "founded_on", "dissolved_on",
             "successor_union_id", "created_at"],
            unions,
        )  # fmt: skip
        self.union_changes = changes
        self.union_town = {u[0]: u[3] for u in unions}
        self.project_contractor = {u[0]: projects[u[4] - 1][4] for u in unions if u[4] is not None}
        # for each month, the project unions open for enrollment during it
        self.open_by_month: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        for w in self.windows:
            d = dt.date(w[1].year, w[1].month, 1)
            while d <= w[2]:
                self.open_by_month[(d.year, d.month)].append(w)
                d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)

    def _workers(self) -> None:
        rnd = self.rnd
        rows = []
        for i in range(1, self.n_workers + 1):
            origin = rnd.choice(ORIGINS)
            region = f"{origin}{rnd.randint(1, 9):02d}{rnd.randint(1, 30):02d}"
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randint(0, 365 * 40))
            last4 = f"{rnd.randint(0, 999):03d}{rnd.choice('0123456789X')}"
            rows.append(
                (
                    i,
                    hashlib.sha256(f"bench-worker-{i}".encode()).hexdigest(),
                    "gAAAAABbench" + secrets.token_urlsafe(24),
                    f"{region[:2]}**************{last4[-2:]}",
                    last4,
                    rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.6 else ""),
                    _no_phone(rnd),
                    rnd.choice(TRADES),
                    birth,
                    rnd.choice("MMMMF"),
                    region,
                    origin,
                    STAMP,
                    STAMP,
                )
            )
        self.add(
            "workers",
            ["id", "id_digest", "id_encrypted", "id_masked", "id_last4", "name", "phone_encrypted", "trade", "birth_date",
             "gender", "region_code", "origin_province_code", "created_at", "updated_at"],
            rows,
        )  # fmt: skip

    # -- memberships: chains of enrollment, transfer, hand-over at dissolution, end ----
    def _pick_project(self, on: dt.date):
        """A project union open for enrollment on that day (a few tries among those open that month)."""
        month = self.open_by_month.get((on.year, on.month))
        for _ in range(8 if month else 0):
            window = self.rnd.choice(month)
            if window[1] <= on < window[2]:
                return window
        return None

    def _memberships(self) -> None:
        rnd = self.rnd
        rows: list[tuple] = []
        changes: list[tuple] = []
        chairs: dict[int, int] = {}
        lengths = [1] * 15 + [2] * 15 + [3] * 20 + [4] * 25 + [5] * 15 + [6] * 10
        mid = 0

        def add(worker, union, joined, ended, state, source, previous, contractor):
            nonlocal mid
            mid += 1
            reason = None if state == "active" else ("left_site" if state == "ended" else "project_completed")
            rows.append(
                (mid, worker, union, state, joined, joined, ended, reason, previous, source,
                 "transfer" if previous else "paper", False, contractor, STAMP)
            )  # fmt: skip
            if previous is None:
                changes.append(("membership", mid, "create", None, "pending", joined))
                changes.append(("membership", mid, "approve", "pending", "active", joined))
            else:
                changes.append(("membership", mid, "create", None, "active", joined))
            if state != "active":
                changes.append(("membership", mid, "end" if state == "ended" else "transfer", "active", state, ended))
            if union in self.project_contractor:
                chairs.setdefault(union, mid)
            return mid

        for worker in range(1, self.n_workers + 1):
            if mid >= self.n_memberships:
                break
            length = rnd.choice(lengths)
            on = FIRST_DAY + dt.timedelta(days=rnd.randint(0, days(FIRST_DAY, LAST_DAY) - 20))
            steps = [rnd.randint(20, 150) for _ in range(length)]
            squeeze = min(1.0, days(on, LAST_DAY) / sum(steps))  # the chain fits in the three years
            previous, how, handed_to = None, "officer", None
            for k in range(length):
                last = k == length - 1 or mid + 1 >= self.n_memberships
                window = None
                if handed_to is None and (previous is not None or rnd.random() < 0.85):
                    window = self._pick_project(on)
                if window is None:  # a regional union: the first one for some, or where a dissolution hands on
                    union = handed_to or self.regional_of[rnd.choice(self.towns)]
                    dissolved, contractor = None, None
                else:
                    union, _start, _stop, dissolved, _town = window
                    contractor = self.project_contractor[union] if rnd.random() < 0.7 else None
                handed_to = None
                end = on + dt.timedelta(days=max(1, int(steps[k] * squeeze)))
                if dissolved is not None and dissolved < end:  # the union is dissolved: handed on
                    previous = add(worker, union, on, dissolved, "transferred", how, previous, contractor)
                    handed_to = self.regional_of[self.union_town[union]]
                    how, on = "dissolution", dissolved
                    if last:
                        add(worker, handed_to, on, None, "active", how, previous, None)
                        break
                    continue
                if last or end > LAST_DAY:
                    state = "active" if end > LAST_DAY or rnd.random() < 0.7 else "ended"
                    add(worker, union, on, None if state == "active" else end, state, how, previous, contractor)
                    break
                if rnd.random() < 0.6:  # moves on to another site: a transfer
                    previous = add(worker, union, on, end, "transferred", how, previous, contractor)
                    how, on = "transfer", end
                else:  # leaves, and enrolls again later
                    add(worker, union, on, end, "ended", how, previous, contractor)
                    previous, how = None, "officer"
                    on = min(LAST_DAY, end + dt.timedelta(days=rnd.randint(1, 60)))
        self.add(
            "memberships",
            ["id", "worker_id", "union_id", "state", "applied_on", "joined_on", "ended_on", "end_reason",
             "transferred_from_id", "source", "consent", "wants_transfer", "contractor_id", "created_at"],
            rows,
        )  # fmt: skip
        self.chairs = chairs
        self.membership_changes = changes

    def _cases_and_services(self) -> None:
        rnd = self.rnd
        project_unions = [w[0] for w in self.windows]
        n_cases = max(50, len(project_unions) * 3)
        cases, involved, changes = [], [], []
        for c in range(1, n_cases + 1):
            union = rnd.choice(project_unions)
            opened = FIRST_DAY + dt.timedelta(days=rnd.randint(0, days(FIRST_DAY, LAST_DAY) - 40))
            resolved = opened + dt.timedelta(days=rnd.randint(5, 120)) if rnd.random() < 0.8 else None
            if resolved is not None and resolved > LAST_DAY:
                resolved = None
            claimed = Decimal(rnd.randint(100_000, 50_000_000)) / 100
            recovered = (claimed * Decimal(rnd.randint(50, 100)) / 100).quantize(Decimal("0.01")) if resolved else 0
            cases.append(
                (c, union, self.project_contractor[union], "resolved" if resolved else "mediating", f"拖欠工资案件{c}",
                 opened, resolved, claimed, Decimal(recovered), STAMP)
            )  # fmt: skip
            for w in rnd.sample(range(1, self.n_workers + 1), rnd.randint(1, 6)):
                involved.append((c, w))
            changes.append(("wage_case", c, "create", None, "open", opened))
            changes.append(("wage_case", c, "mediate", "open", "mediating", opened))
            if resolved:
                changes.append(("wage_case", c, "resolve", "mediating", "resolved", resolved))
        self.add(
            "wage_cases",
            ["id", "union_id", "contractor_id", "state", "summary", "opened_on", "resolved_on", "amount_claimed",
             "amount_recovered", "created_at"],
            cases,
        )  # fmt: skip
        self.add("wage_case_workers", ["wage_case_id", "worker_id"], involved)
        services = []
        for s in range(1, max(500, self.n_workers * 2 // 3) + 1):
            kind = rnd.choice(KINDS)
            amount = (
                Decimal(0) if kind in ("training", "holiday_visit") else Decimal(rnd.randint(20_000, 500_000)) / 100
            )
            services.append(
                (s, kind, rnd.randint(1, self.n_workers), rnd.choice(project_unions),
                 FIRST_DAY + dt.timedelta(days=rnd.randint(0, days(FIRST_DAY, LAST_DAY))), amount, STAMP)
            )  # fmt: skip
        self.add(
            "service_records", ["id", "kind", "worker_id", "union_id", "served_on", "amount", "created_at"], services
        )
        all_changes = self.union_changes + self.membership_changes + changes
        self.add(
            "state_changes",
            ["id", "machine", "object_id", "event", "from_state", "to_state", "on", "at", "data"],
            [(i, *c, STAMP, "{}") for i, c in enumerate(all_changes, start=1)],
        )


LOAD_ORDER = [
    "jurisdictions", "contractors", "projects", "unions", "workers", "memberships", "wage_cases",
    "wage_case_workers", "service_records", "state_changes",
]  # fmt: skip


def _sqlite_value(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    return v


def load_sqlite(path: str, data: Dataset) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    with conn:
        for table in LOAD_ORDER:
            columns, rows = data.tables[table]
            cols = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", ([_sqlite_value(v) for v in r] for r in rows)
            )
        conn.executemany(
            "UPDATE unions SET chair_membership_id = ? WHERE id = ?", [(m, u) for u, m in data.chairs.items()]
        )
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, data: Dataset) -> None:
    import psycopg

    dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            # The rows are well-formed by construction: skip the per-row foreign-key triggers while loading.
            cur.execute("SET session_replication_role = replica")
            for table in LOAD_ORDER:
                columns, rows = data.tables[table]
                cols = ", ".join(f'"{c}"' for c in columns)
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            cur.executemany(
                "UPDATE unions SET chair_membership_id = %s WHERE id = %s", [(m, u) for u, m in data.chairs.items()]
            )
            for table in LOAD_ORDER:
                if table != "wage_case_workers":
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
            cur.execute("SET session_replication_role = origin")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


# -- (b) the same numbers by bare SQL -------------------------------------------------

DISTRICT = "CASE j.level WHEN 'district' THEN j.id WHEN 'town' THEN j.parent_id END"
ACTIVATED = "('active', 'ended', 'transferred')"
PLACE = "JOIN unions u ON u.id = {t}.union_id JOIN jurisdictions j ON j.id = u.jurisdiction_id"

# Each query once grouped by district ({key} = the district, {place} = the joins to it) and once for the
# whole city ({key} = NULL, no joins where none is needed).
BARE = {
    "members": f"""
        SELECT {{key}} AS k,
               COUNT(DISTINCT m.worker_id) FILTER (WHERE m.ended_on IS NULL OR m.ended_on > :last),
               COUNT(DISTINCT m.worker_id) FILTER (WHERE m.ended_on IS NULL OR m.ended_on > m.joined_on)
        FROM memberships m {{place}}
        WHERE m.state IN {ACTIVATED} AND m.joined_on <= :last AND (m.ended_on IS NULL OR m.ended_on > :start)
        {{group}}""",
    "firsts": f"""
        SELECT {{key}} AS k,
               COUNT(*) FILTER (WHERE m.joined_on >= :start),
               COUNT(*),
               COUNT(*) FILTER (WHERE m.joined_on >= :start AND u.kind = 'project'),
               COUNT(*) FILTER (WHERE u.kind = 'project')
        FROM memberships m {{place_or_union}}
        WHERE m.state IN {ACTIVATED} AND m.transferred_from_id IS NULL AND m.joined_on <= :last
          AND NOT EXISTS (SELECT 1 FROM memberships e
                          WHERE e.worker_id = m.worker_id AND e.state IN {ACTIVATED} AND e.transferred_from_id IS NULL
                            AND (e.joined_on < m.joined_on OR (e.joined_on = m.joined_on AND e.id < m.id)))
        {{group}}""",
    "firsts_postgresql": f"""
        SELECT {{key}} AS k,
               COUNT(*) FILTER (WHERE m.joined_on >= :start),
               COUNT(*),
               COUNT(*) FILTER (WHERE m.joined_on >= :start AND u.kind = 'project'),
               COUNT(*) FILTER (WHERE u.kind = 'project')
        FROM (SELECT DISTINCT ON (c.worker_id) c.worker_id, c.union_id, c.joined_on
              FROM memberships c WHERE c.transferred_from_id IS NULL AND c.state IN {ACTIVATED}
              ORDER BY c.worker_id, c.joined_on, c.id) m {{place_or_union}}
        WHERE m.joined_on <= :last
        {{group}}""",
    "unions": """
        SELECT {key} AS k,
               COUNT(DISTINCT u.id) FILTER (WHERE sc.event = 'found' AND sc."on" >= :start),
               COUNT(DISTINCT u.id) FILTER (WHERE sc.event = 'dissolve' AND sc."on" >= :start),
               COUNT(DISTINCT u.id) FILTER (WHERE sc.to_state IN ('active', 'suspended') AND NOT EXISTS (
                   SELECT 1 FROM state_changes l WHERE l.machine = 'union' AND l.object_id = sc.object_id
                     AND l."on" <= :last AND (l."on" > sc."on" OR (l."on" = sc."on" AND l.id > sc.id))))
        FROM state_changes sc JOIN unions u ON u.id = sc.object_id {place_of_union}
        WHERE sc.machine = 'union' AND u.kind = 'project' AND sc."on" <= :last
        {group}""",
    "wage_cases": """
        SELECT {key} AS k, COUNT(wc.id), SUM(ROUND(wc.amount_recovered * 100))
        FROM wage_cases wc {place}
        WHERE wc.state = 'resolved' AND wc.resolved_on >= :start AND wc.resolved_on <= :last
        {group}""",
    "wage_workers": """
        SELECT {key} AS k, COUNT(DISTINCT cw.worker_id)
        FROM wage_cases wc {place} JOIN wage_case_workers cw ON cw.wage_case_id = wc.id
        WHERE wc.state = 'resolved' AND wc.resolved_on >= :start AND wc.resolved_on <= :last
        {group}""",
    "services": """
        SELECT {key} AS k, s.kind, COUNT(*), COUNT(DISTINCT s.worker_id), SUM(ROUND(s.amount * 100))
        FROM service_records s {place}
        WHERE s.served_on >= :start AND s.served_on <= :last
        GROUP BY {key_group}s.kind""",
}
TABLE_ALIAS = {
    "members": "m",
    "firsts": "m",
    "firsts_postgresql": "m",
    "unions": "sc",
    "wage_cases": "wc",
    "wage_workers": "wc",
    "services": "s",
}
BARE_COLUMNS = {
    "members": ["active_members", "members_in_period"],
    "firsts": ["new_members", "new_members_cumulative", "developed_by_project_unions",
               "developed_by_project_unions_cumulative"],
    "unions": ["unions_founded", "unions_dissolved", "unions_active"],
    "wage_cases": ["wage_cases_resolved", "wages_recovered"],
    "wage_workers": ["workers_helped"],
}  # fmt: skip
MONEY = {"wages_recovered"}


#: Additive totals are the sum of the district rows; these count distinct people and need their own query.
DISTINCT_TOTALS = ("members", "wage_workers", "services")


def bare_report(session: so.Session, period: reporting.Period) -> tuple[dict, dict]:
    """The district rows and the total row, by hand-written SQL."""
    params = {"start": period.start, "last": period.last}
    rows: dict = defaultdict(dict)
    total: dict = {}

    def number(name, v):
        if name in MONEY or name.endswith(".amount"):
            return (Decimal(int(v or 0)) / 100).quantize(Decimal("0.01"))
        return int(v or 0)

    postgres = session.get_bind().dialect.name == "postgresql"
    for source, sql in BARE.items():
        if source == ("firsts" if postgres else "firsts_postgresql"):
            continue  # PostgreSQL finds each worker's first membership with DISTINCT ON, SQLite with NOT EXISTS
        for grouped in (True, False) if source in DISTINCT_TOTALS else (True,):
            place = PLACE.format(t=TABLE_ALIAS[source]) if grouped else ""
            text = sql.format(
                key=DISTRICT if grouped else "NULL",
                place=place,
                place_or_union=place or "JOIN unions u ON u.id = m.union_id",
                place_of_union="JOIN jurisdictions j ON j.id = u.jurisdiction_id" if grouped else "",
                group="GROUP BY 1" if grouped else "",
                key_group="1, " if grouped else "",
            )
            for k, *values in session.execute(sa.text(text), params):
                if source == "services":
                    kind, *values = values
                    names = [f"services.{kind}.{p}" for p in ("person_times", "people", "amount")]
                else:
                    names = BARE_COLUMNS[source.removesuffix("_postgresql")]
                out = rows[k] if grouped else total
                out.update({n: number(n, v) for n, v in zip(names, values, strict=True)})
    summed: dict = defaultdict(int)
    for values in rows.values():
        for name, value in values.items():
            summed[name] += value
    for name, value in summed.items():
        distinct = name in ("active_members", "members_in_period", "workers_helped") or name.endswith(".people")
        if not distinct:
            total[name] = value
    return rows, total


def timed(fns, repeat: int):
    """Run the functions in turn ``repeat`` times (so they share the machine's load); the best time of each."""
    best = [float("inf")] * len(fns)
    results = [None] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            results[i] = fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--url", help="database to create and fill (default: a new SQLite file / PostgreSQL database)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--repeat", type=int, default=5, help="time each side this many times, keep the best")
    args = parser.parse_args()

    tmp = None
    if args.url:
        url = args.url
    elif args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="pu-bench-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        name = f"pu_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)

    try:
        migrate.upgrade(url)
        t0 = time.perf_counter()
        data = Dataset(args.scale).build()
        t1 = time.perf_counter()
        if args.db == "sqlite":
            load_sqlite(sa.make_url(url).database, data)
        else:
            load_postgres(url, data)
        t2 = time.perf_counter()
        counts = {t: len(rows) for t, (_c, rows) in data.tables.items()}
        print(f"database: {args.db}  scale: {args.scale}")
        print(
            f"rows: {counts['workers']:,} workers, {counts['memberships']:,} memberships, "
            f"{counts['unions']:,} unions ({data.n_projects:,} project unions, 20 districts), "
            f"{counts['state_changes']:,} state changes, {counts['wage_cases']:,} wage cases, "
            f"{counts['service_records']:,} services"
        )
        print(f"generation: {t1 - t0:.1f} s in Python + {t2 - t1:.1f} s bulk load (and ANALYZE)")
        del data

        engine = make_engine(url)
        with so.Session(engine) as session:
            (ours, bare), (report, (bare_rows, bare_total)) = timed(
                [lambda: reporting.report(session, YEAR, None, "district"), lambda: bare_report(session, YEAR)],
                args.repeat,
            )
            ids = dict(session.execute(sa.text("SELECT code, id FROM jurisdictions")).all())
        engine.dispose()

        assert report.total.values == bare_total, "the total rows differ"
        for row in report.rows:
            expected = bare_rows.get(ids.get(row.key) if row.key else None, {})
            for name, value in row.values.items():
                want = expected.get(name, Decimal("0.00") if isinstance(value, Decimal) else 0)
                assert value == want, f"{row.label} {name}: {value} != {want}"
        t = report.total.values
        print(
            f"2025 as of 2025-12-31, whole city: active members {t['active_members']:,}, new members "
            f"{t['new_members']:,} (through project unions {t['developed_by_project_unions']:,}), "
            f"members during the year {t['members_in_period']:,}, unions active {t['unions_active']:,}, "
            f"wages recovered {t['wages_recovered']:,} yuan"
        )
        print(f"(a) reporting.report(by='district'), {len(report.metrics)} totals x {len(report.rows)} rows + total:"
              f" {ours * 1000:.0f} ms")  # fmt: skip
        print(f"(b) bare SQL, same numbers (checked equal): {bare * 1000:.0f} ms")
        print(f"ratio (a)/(b): {ours / bare:.2f}   (best of {args.repeat})")
    finally:
        if args.keep:
            print(f"kept: {url}")
        elif args.db == "postgres" and not args.url:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
        elif tmp:
            for f in Path(tmp).iterdir():
                f.unlink()
            Path(tmp).rmdir()


if __name__ == "__main__":
    main()
