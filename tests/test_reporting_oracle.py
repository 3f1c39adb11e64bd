"""Every total, breakdown and drill-down against a second, independent reading
of DESIGN.md's definitions, written in plain Python day by day, on random
histories (transfers, re-enrollments, overlaps, same-day ends, pending and
rejected applications, suspended and dissolved unions, wage cases, services).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from projectunion import reporting
from projectunion.models import (
    Contractor,
    Membership,
    Project,
    ServiceRecord,
    StateChange,
    Union,
    WageCase,
    Worker,
)
from projectunion.models.service_records import SERVICE_KINDS
from tests.factories import uscc

D = dt.date
START, STOP = D(2023, 1, 1), D(2025, 6, 30)
ACTIVATED = {"active", "ended", "transferred"}


def day(rnd: random.Random, low: dt.date = START, high: dt.date = STOP) -> dt.date:
    return low + dt.timedelta(days=rnd.randint(0, max(0, (high - low).days)))


@dataclass
class World:
    unions: list[Union] = field(default_factory=list)
    places: dict[int, object] = field(default_factory=dict)  # jurisdiction id → Jurisdiction
    changes: list[StateChange] = field(default_factory=list)
    workers: dict[int, Worker] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    cases: list[WageCase] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)


def build(session, f, seed: int) -> World:
    rnd = random.Random(seed)
    world = World()
    contractors = [Contractor(name=f"承包商{i}", uscc=uscc(900 + seed * 10 + i), kind="general") for i in range(2)]
    session.add_all(contractors)
    towns = [f.place(c) for c in ("371002005", "371002001", "371003001", "371082001")]
    standing = [("regional", f.yangting), ("regional", f.place("371003")), ("industry", f.city)]
    for i, town in enumerate(towns * 2):
        project = Project(
            name=f"项目{i}", permit_no=f"P{seed}-{i}", town=town, state="under_construction",
            general_contractor=rnd.choice([*contractors, None]),
        )  # fmt: skip
        union = Union(kind="project", name=f"项目工会{i}", jurisdiction=town, project=project, state="preparing")
        world.unions.append(union)
    for i, (kind, place) in enumerate(standing):
        world.unions.append(Union(kind=kind, name=f"常设工会{i}", jurisdiction=place, state="active"))
    session.add_all(world.unions)
    session.flush()
    world.places = {u.jurisdiction.id: u.jurisdiction for u in world.unions}

    for union in world.unions:
        if union.kind != "project":
            continue
        on = day(rnd, START, D(2024, 6, 1))
        steps = [("create", None, "preparing")]
        if rnd.random() < 0.2:
            steps.append(("abandon", "preparing", "dissolved"))
        else:
            steps.append(("found", "preparing", "active"))
            if rnd.random() < 0.5:
                steps += [("suspend", "active", "suspended"), ("resume", "suspended", "active")]
            if rnd.random() < 0.6:
                steps += [("begin_dissolution", "active", "dissolving"), ("dissolve", "dissolving", "dissolved")]
        for event, before, after in steps:
            world.changes.append(
                StateChange(machine="union", object_id=union.id, event=event, from_state=before, to_state=after, on=on)
            )
            union.state = after
            on += dt.timedelta(days=rnd.choice([0, 0, 1, 30, 90]))  # same-day events too
    # membership history of some other object with the same id must not be taken for a union's
    world.changes.append(
        StateChange(
            machine="membership", object_id=world.unions[0].id, event="create", to_state="active", on=D(2023, 1, 1)
        )
    )
    session.add_all(world.changes)

    for i in range(36):
        worker = Worker(
            id_digest=f"oracle-{seed}-{i}", id_encrypted="x", id_masked=f"410***********{i:04d}", id_last4=f"{i:04d}",
            name=f"工人{i:02d}", trade=rnd.choice(["木工", "钢筋工", None]), birth_date=D(1980, 1, 1),
            gender="M", region_code="411502", origin_province_code=rnd.choice(["41", "51", "37"]),
        )  # fmt: skip
        session.add(worker)
        session.flush()
        world.workers[worker.id] = worker
        on = day(rnd)
        previous: Membership | None = None
        for k in range(rnd.randint(1, 4)):
            last = k == 3 or rnd.random() < 0.3
            union = rnd.choice(world.unions)
            m = Membership(
                worker_id=worker.id, union_id=union.id, applied_on=on, joined_on=on, state="active",
                source="officer", contractor_id=rnd.choice([c.id for c in contractors] + [None]),
            )  # fmt: skip
            how = None if previous is None else previous.state
            if how == "transferred":
                m.transferred_from_id = previous.id
                m.source = "transfer"
            session.add(m)
            session.flush()
            world.memberships.append(m)
            if last and rnd.random() < 0.5:
                break  # stays active
            m.ended_on = on + dt.timedelta(days=rnd.choice([0, 1, 20, 200, 400]))
            m.state = rnd.choice(["ended", "transferred"])
            m.end_reason = "left_site" if m.state == "ended" else "project_completed"
            previous = m
            # a transfer starts the day the old one ends; a re-enrollment later, or
            # (back-dated paperwork) even overlapping the old one
            gap = 0 if m.state == "transferred" else rnd.choice([-10, 5, 60])
            on = m.ended_on + dt.timedelta(days=gap)
            if last:
                break
        for state in ("pending", "rejected"):
            if rnd.random() < 0.2:
                m = Membership(
                    worker_id=worker.id, union_id=rnd.choice(world.unions).id, applied_on=day(rnd), state=state,
                    source="application",
                )  # fmt: skip
                session.add(m)
                world.memberships.append(m)
    session.flush()

    people = list(world.workers)
    for i in range(10):
        resolved = rnd.random() < 0.7
        case = WageCase(
            union=rnd.choice(world.unions), contractor_id=rnd.choice([c.id for c in contractors] + [None]),
            state="resolved" if resolved else "mediating", summary=f"案件{i}", opened_on=D(2023, 1, 1),
            resolved_on=day(rnd) if resolved else None, amount_claimed=Decimal("99999.99"),
            amount_recovered=Decimal(rnd.randint(0, 2_000_000)) / 100 if resolved else Decimal("0.00"),
            workers=[world.workers[w] for w in {people[0], *rnd.sample(people, rnd.randint(1, 4))}],
        )  # fmt: skip
        world.cases.append(case)
    for i in range(50):
        world.services.append(
            ServiceRecord(
                kind=SERVICE_KINDS[i % len(SERVICE_KINDS)],
                worker_id=rnd.choice(people),
                union=rnd.choice(world.unions),
                served_on=day(rnd),
                amount=Decimal(rnd.randint(0, 50_000)) / 100,
            )  # fmt: skip
        )
    session.add_all(world.cases + world.services)
    session.commit()
    return world


# --------------------------------------------------------------------------
# The oracle: DESIGN.md's definitions read literally, one day at a time.
# --------------------------------------------------------------------------


def days(first: dt.date, last: dt.date):
    d = first
    while d <= last:
        yield d
        d += dt.timedelta(days=1)


def in_force(m: Membership, d: dt.date) -> bool:
    return m.state in ACTIVATED and m.joined_on <= d and (m.ended_on is None or m.ended_on > d)


class Oracle:
    def __init__(self, world: World, scope):
        self.w = world
        self.scope = scope
        self.union = {u.id: u for u in world.unions}

    def in_scope(self, union_id: int) -> bool:
        return self.union[union_id].jurisdiction.path.startswith(self.scope.path)

    def place(self, union_id: int, level: str) -> str:
        node = self.union[union_id].jurisdiction
        while node is not None and node.level != level:
            node = node.parent
        return node.code if node is not None else ""

    def group(self, by: str, union_id: int, worker_id: int | None, contractor_id: int | None) -> str:
        if by in ("district", "town"):
            return self.place(union_id, by)
        if by == "trade":
            return self.w.workers[worker_id].trade or ""
        if by == "origin":
            return self.w.workers[worker_id].origin_province_code
        return str(contractor_id) if contractor_id else ""

    def union_state(self, union_id: int, d: dt.date) -> str | None:
        mine = [c for c in self.w.changes if c.machine == "union" and c.object_id == union_id and c.on <= d]
        return max(mine, key=lambda c: (c.on, c.id)).to_state if mine else None

    def first_memberships(self) -> dict[int, Membership]:
        firsts: dict[int, Membership] = {}
        for m in self.w.memberships:
            if m.state in ACTIVATED:
                best = firsts.get(m.worker_id)
                if best is None or (m.joined_on, m.id) < (best.joined_on, best.id):
                    firsts[m.worker_id] = m
        return firsts

    def facts(self, metric: reporting.Metric, first: dt.date, last: dt.date):
        """(group fields, what is counted) for every row behind the metric in the window."""
        name = metric.name
        out = []
        if name in ("active_members", "members_in_period"):
            for m in self.w.memberships:
                if not self.in_scope(m.union_id):
                    continue
                ok = in_force(m, last) if name == "active_members" else any(in_force(m, d) for d in days(first, last))
                if ok:
                    out.append(((m.union_id, m.worker_id, m.contractor_id), m.worker_id))
        elif metric.source == "firsts":
            for m in self.first_memberships().values():
                if not self.in_scope(m.union_id) or m.joined_on > last:
                    continue
                if not name.endswith("cumulative") and m.joined_on < first:
                    continue
                if name.startswith("developed") and self.union[m.union_id].kind != "project":
                    continue
                out.append(((m.union_id, m.worker_id, m.contractor_id), m.worker_id))
        elif metric.source == "unions":
            for u in self.w.unions:
                if u.kind != "project" or not self.in_scope(u.id):
                    continue
                contractor = u.project.general_contractor_id
                if name == "unions_active":
                    ok = self.union_state(u.id, last) in ("active", "suspended")
                else:
                    event = "found" if name == "unions_founded" else "dissolve"
                    ok = any(
                        c.machine == "union" and c.object_id == u.id and c.event == event and first <= c.on <= last
                        for c in self.w.changes
                    )
                if ok:
                    out.append(((u.id, None, contractor), u.id))
        elif metric.source in ("wage_cases", "wage_workers"):
            for c in self.w.cases:
                if c.state != "resolved" or not (first <= c.resolved_on <= last) or not self.in_scope(c.union_id):
                    continue
                if name == "workers_helped":
                    out += [((c.union_id, w.id, c.contractor_id), w.id) for w in c.workers]
                else:
                    out.append(((c.union_id, None, c.contractor_id), c.amount_recovered if metric.money else c.id))
        else:
            for s in self.w.services:
                if s.kind != metric.kind or not (first <= s.served_on <= last) or not self.in_scope(s.union_id):
                    continue
                part = name.rsplit(".", 1)[1]
                counted = {"person_times": s.id, "people": s.worker_id, "amount": s.amount}[part]
                out.append(((s.union_id, s.worker_id, None), counted))
        return out

    @staticmethod
    def value(metric: reporting.Metric, counted: list):
        if metric.money:
            return sum(counted, Decimal("0.00"))
        if metric.agg == "distinct":
            return len(set(counted))
        return len(counted)

    def report(self, period: reporting.Period, by: str | None):
        total = {
            m.name: self.value(m, [c for _, c in self.facts(m, period.start, period.last)]) for m in reporting.METRICS
        }
        rows: dict[str, dict] = defaultdict(dict)
        if by in reporting.TIME_DIMENSIONS:
            for b in reporting.buckets(period, by):
                for m in reporting.METRICS:
                    rows[b.key][m.name] = self.value(m, [c for _, c in self.facts(m, b.first, b.last)])
        elif by is not None:
            for m in reporting.METRICS:
                if not m.applies(by):
                    continue
                grouped = defaultdict(list)
                for fields, counted in self.facts(m, period.start, period.last):
                    grouped[self.group(by, *fields)].append(counted)
                for key, counted in grouped.items():
                    rows[key][m.name] = self.value(m, counted)
        return total, rows


PERIODS = [
    ("2024-01-01", "2024-12-31", "2025-06-30"),
    ("2024-01-01", "2024-12-31", "2024-05-15"),  # as of a day inside the period
    ("2023-03-10", "2024-02-20", "2025-01-01"),  # a period not aligned on months
]


@pytest.mark.parametrize("seed", [1, 2])
def test_every_total_and_breakdown_matches_the_definitions(f, db_session, seed):
    world = build(db_session, f, seed)
    nonzero: set[str] = set()  # the histories must exercise every total...
    fewer_than_the_sum: set[str] = set()  # ...and people counted in several groups
    for scope_code in ("371000", "371002", "371002005"):
        scope = reporting.resolve_scope(db_session, None, scope_code)
        oracle = Oracle(world, scope)
        for start, end, as_of in PERIODS:
            period = reporting.make_period(start, end, as_of)
            for by in (None, *reporting.DIMENSIONS):
                expected_total, expected_rows = oracle.report(period, by)
                report = reporting.report(db_session, period, scope, by)
                where = f"{scope_code} {start}..{end} as of {as_of} by {by}"
                assert report.total.values == expected_total, where
                keys = {r.key for r in report.rows}
                assert {k for k, v in expected_rows.items() if any(v.values())} <= keys, where
                for r in report.rows:
                    want = {
                        m.name: expected_rows.get(r.key, {}).get(m.name, Decimal("0.00") if m.money else 0)
                        if m.applies(by)
                        else None
                        for m in reporting.METRICS
                    }
                    assert r.values == want, f"{where} row {r.key}"
                nonzero |= {name for name, v in report.total.values.items() if v}
                for m in report.metrics:
                    if by is None or not m.applies(by):
                        continue
                    summed = sum(r.values[m.name] for r in report.rows)
                    if report.total_rule(m) == "sum":
                        assert summed == report.total.values[m.name], where
                    elif summed > report.total.values[m.name]:
                        fewer_than_the_sum.add(m.name)
    assert nonzero == set(reporting.BY_NAME)
    assert {"members_in_period", "workers_helped"} <= fewer_than_the_sum


@pytest.mark.parametrize("seed", [3])
def test_every_drill_down_lists_exactly_what_its_number_counts(f, db_session, seed):
    build(db_session, f, seed)
    period = reporting.make_period("2024-01-01", "2024-12-31", "2025-06-30")
    for by in (None, "district", "month", "trade", "contractor"):
        report = reporting.report(db_session, period, None, by)
        for r in [report.total] if by is None else report.rows:
            for m in report.metrics:
                value = r.values[m.name]
                if value is None:
                    continue
                listing = reporting.drill(db_session, period, None, m.name, by, r.key if by else None, per_page=500)
                if m.money:
                    assert listing.sum == value, (m.name, by, r.key)
                    assert sum((x["amount"] for x in listing.rows), Decimal("0.00")) == value
                else:
                    assert listing.count == value == len(listing.rows), (m.name, by, r.key)


SUBSETS = [
    ("active_members",),  # only memberships in force on the last day are read
    ("new_members",),  # only first memberships in the window are read
    ("new_members", "developed_by_project_unions"),
    ("new_members", "active_members"),  # what the dashboard's charts ask for
]


@pytest.mark.parametrize("seed", [4])
def test_asking_for_some_totals_gives_the_same_numbers(f, db_session, seed):
    world = build(db_session, f, seed)
    for scope_code in ("371000", "371003"):
        scope = reporting.resolve_scope(db_session, None, scope_code)
        oracle = Oracle(world, scope)
        for start, end, as_of in PERIODS:
            period = reporting.make_period(start, end, as_of)
            for by in (None, *reporting.DIMENSIONS):
                expected_total, expected_rows = oracle.report(period, by)
                for names in SUBSETS:
                    metrics = reporting.select_metrics(names)
                    for with_total in (True, False) if by else (True,):
                        report = reporting.report(db_session, period, scope, by, metrics, with_total)
                        where = f"{scope_code} {start}..{end} as of {as_of} by {by}: {names} total={with_total}"
                        for r in report.rows:
                            want = {n: expected_rows.get(r.key, {}).get(n, 0) for n in names}
                            assert r.values == want, f"{where} row {r.key}"
                        for n in names:
                            counted = report.total.values[n]
                            assert counted == expected_total[n] or (counted is None and not with_total), where
