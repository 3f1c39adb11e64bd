"""The coverage totals, breakdowns and drill-downs against a second, independent reading of
DESIGN.md's coverage table, in plain Python, on random histories: projects started, halted,
resumed, completed, cancelled (some on the same day); unions founded late or never; crews
entering and leaving sites, workers joining and leaving crews (exit days included);
memberships in project and standing unions starting and ending around the day asked for;
pending applications; single-worker entries (which are not a crew on the site)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest

from projectunion.models import Contractor, Crew, CrewMember, Membership, Project, SiteEntry, StateChange, Union, Worker
from projectunion.reporting.coverage import Filter, coverage_listing, coverage_report, coverage_totals
from tests.factories import uscc

D = dt.date
START, STOP = D(2023, 1, 1), D(2024, 12, 31)
ACTIVATED = {"active", "ended", "transferred"}


def day(rnd: random.Random, low: dt.date = START, high: dt.date = STOP) -> dt.date:
    return low + dt.timedelta(days=rnd.randint(0, max(0, (high - low).days)))


@dataclass
class World:
    projects: list[Project] = field(default_factory=list)
    changes: list[StateChange] = field(default_factory=list)
    unions: list[Union] = field(default_factory=list)
    crews: list[Crew] = field(default_factory=list)
    members: list[CrewMember] = field(default_factory=list)
    entries: list[SiteEntry] = field(default_factory=list)
    workers: dict[int, Worker] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)


PROJECT_PATHS = [
    [("create", "planned")],
    [("create", "planned"), ("cancel", "cancelled")],
    [("create", "planned"), ("start", "under_construction")],
    [("create", "planned"), ("start", "under_construction"), ("halt", "halted")],
    [("create", "planned"), ("start", "under_construction"), ("halt", "halted"), ("resume", "under_construction")],
    [("create", "planned"), ("start", "under_construction"), ("complete", "completed")],
]


def build(session, f, seed: int) -> World:
    rnd = random.Random(seed)
    world = World()
    contractors = [Contractor(name=f"公司{seed}-{i}", uscc=uscc(700 + seed * 10 + i), kind="general") for i in range(3)]
    session.add_all(contractors)
    towns = [f.place(c) for c in ("371002005", "371002001", "371003001", "371082001")]
    regional = Union(kind="regional", name=f"区域{seed}", jurisdiction=f.yangting, state="active")
    session.add(regional)
    for i in range(10):
        town = rnd.choice(towns)
        project = Project(
            name=f"工地{seed}-{i}", permit_no=f"C{seed}-{i}", town=town, state="planned",
            general_contractor=rnd.choice([*contractors, None]),
        )  # fmt: skip
        session.add(project)
        session.flush()
        world.projects.append(project)
        on = day(rnd, START, D(2024, 3, 1))
        for event, state in rnd.choice(PROJECT_PATHS):
            world.changes.append(
                StateChange(machine="project", object_id=project.id, event=event, to_state=state, on=on)
            )
            project.state = state
            if event == "start":
                union = Union(
                    kind="project", name=f"工会{seed}-{i}", jurisdiction=town, project=project, state="preparing"
                )
                session.add(union)
                session.flush()
                world.unions.append(union)
                world.changes.append(
                    StateChange(machine="union", object_id=union.id, event="create", to_state="preparing", on=on)
                )
                if rnd.random() < 0.6:
                    found_on = on + dt.timedelta(days=rnd.choice([0, 10, 45, 200]))
                    world.changes.append(
                        StateChange(machine="union", object_id=union.id, event="found", to_state="active", on=found_on)
                    )
            on += dt.timedelta(days=rnd.choice([0, 1, 30, 120]))
    # another machine's history under a project's id must not be read as the project's
    world.changes.append(
        StateChange(machine="wage_case", object_id=world.projects[0].id, event="create", to_state="under_construction", on=START)
    )  # fmt: skip
    session.add_all(world.changes)

    for i in range(30):
        worker = Worker(
            id_digest=f"cov-{seed}-{i}", id_encrypted="x", id_masked=f"371***********{i:04d}", id_last4=f"{i:04d}",
            name=f"工人{i:02d}", trade=rnd.choice(["木工", "钢筋工", None]), birth_date=D(1980, 1, 1),
            gender="M", region_code="371002", origin_province_code="37",
        )  # fmt: skip
        session.add(worker)
        session.flush()
        world.workers[worker.id] = worker
    people = list(world.workers)
    for i in range(5):
        crew = Crew(contractor=rnd.choice(contractors), name=f"班组{i}", state="open", created_on=START)
        session.add(crew)
        session.flush()
        world.crews.append(crew)
        for worker_id in rnd.sample(people, 8):
            joined = day(rnd, START, D(2024, 6, 1))
            left = joined + dt.timedelta(days=rnd.choice([0, 20, 300])) if rnd.random() < 0.4 else None
            world.members.append(CrewMember(crew_id=crew.id, worker_id=worker_id, joined_on=joined, left_on=left))
        for _ in range(rnd.randint(1, 3)):
            entered = day(rnd, START, D(2024, 6, 1))
            exited = entered + dt.timedelta(days=rnd.choice([0, 15, 200])) if rnd.random() < 0.5 else None
            project = rnd.choice(world.projects)
            world.entries.append(
                SiteEntry(project_id=project.id, crew_id=crew.id, entered_on=entered, exited_on=exited)
            )
        if rnd.random() < 0.5:  # a worker alone: not a crew on the site
            world.entries.append(
                SiteEntry(project_id=rnd.choice(world.projects).id, crew_id=crew.id, worker_id=rnd.choice(people),
                          entered_on=START)
            )  # fmt: skip
    session.add_all(world.members + world.entries)

    union_ids = [u.id for u in world.unions] + [regional.id]
    for worker_id in people:
        if rnd.random() < 0.3:
            continue
        joined = day(rnd, START, D(2024, 8, 1))
        ended = joined + dt.timedelta(days=rnd.choice([0, 1, 40, 400])) if rnd.random() < 0.5 else None
        state = "active" if ended is None else rnd.choice(["ended", "transferred"])
        world.memberships.append(
            Membership(worker_id=worker_id, union_id=rnd.choice(union_ids), state=state, applied_on=joined,
                       joined_on=joined, ended_on=ended, source="officer")
        )  # fmt: skip
        if rnd.random() < 0.3:
            world.memberships.append(
                Membership(worker_id=worker_id, union_id=rnd.choice(union_ids), state=rnd.choice(["pending", "rejected"]),
                           applied_on=day(rnd), source="application")
            )  # fmt: skip
    session.add_all(world.memberships)
    session.commit()
    return world


# --- the oracle: the coverage table read literally ----------------------------------------


class Oracle:
    def __init__(self, world: World, on: dt.date):
        self.w, self.on = world, on

    def project_state(self, project: Project) -> str | None:
        mine = [c for c in self.w.changes if c.machine == "project" and c.object_id == project.id and c.on <= self.on]
        return max(mine, key=lambda c: (c.on, c.id)).to_state if mine else None

    def founded(self, project: Project) -> bool:
        union = next((u for u in self.w.unions if u.project_id == project.id), None)
        return union is not None and any(
            c.machine == "union" and c.object_id == union.id and c.event == "found" and c.on <= self.on
            for c in self.w.changes
        )

    def building(self) -> list[Project]:
        return [p for p in self.w.projects if self.project_state(p) in ("under_construction", "halted")]

    def on_site(self) -> set[tuple[int, int]]:
        """(project id, worker id) pairs: in a crew on D that is on the site on D (exit day included)."""
        d = self.on
        out = set()
        for e in self.w.entries:
            if e.worker_id is not None or e.entered_on > d or (e.exited_on is not None and e.exited_on < d):
                continue
            for m in self.w.members:
                if m.crew_id == e.crew_id and m.joined_on <= d and (m.left_on is None or m.left_on >= d):
                    out.add((e.project_id, m.worker_id))
        return out

    def member(self, worker_id: int) -> bool:
        d = self.on
        return any(
            m.worker_id == worker_id
            and m.state in ACTIVATED
            and m.joined_on <= d
            and (m.ended_on is None or m.ended_on > d)
            for m in self.w.memberships
        )


@pytest.mark.parametrize("seed", [1, 2, 4, 5, 6])
def test_coverage_matches_the_definitions_on_any_day(f, db_session, seed):
    world = build(db_session, f, seed)
    rnd = random.Random(seed * 31)
    days = [D(2023, 1, 1), D(2024, 6, 1), D(2024, 12, 31)] + [day(rnd) for _ in range(5)]
    ours = Filter(contractor_id=None)
    project_ids = {p.id for p in world.projects}
    seen = {"workers": 0, "members": 0, "founded": 0, "building": 0}
    for on in days:
        o = Oracle(world, on)
        building = o.building()
        founded = [p for p in building if o.founded(p)]
        pairs = {(p, w) for p, w in o.on_site() if p in project_ids}
        workers = {w for _p, w in pairs}
        members = {w for w in workers if o.member(w)}
        for name, found in (("workers", workers), ("members", members), ("founded", founded), ("building", building)):
            seen[name] += len(found)
        totals = coverage_totals(db_session, on, ours)
        assert totals["sites_under_construction"] == len(building), on
        assert totals["sites_founded"] == len(founded), on
        assert totals["workers_on_site"] == len(workers), on
        assert totals["members_on_site"] == len(members), on
        rate = totals["membership_rate"]
        assert (None if rate is None else float(rate)) == (
            pytest.approx(len(members) / len(workers), abs=1e-4) if workers else None
        )

        by_site = {r.key: r.values for r in coverage_report(db_session, on, ours, "site").rows}
        for p in world.projects:
            here = {w for q, w in pairs if q == p.id}
            values = by_site.get(str(p.id))
            if values is None:
                assert not here and p not in building, (on, p.name)
                continue
            assert values["workers_on_site"] == len(here), (on, p.name)
            assert values["members_on_site"] == len(here & members), (on, p.name)
            assert values["sites_under_construction"] == (p in building)

        by_trade = {r.key: r.values for r in coverage_report(db_session, on, ours, "trade").rows}
        for trade in ("木工", "钢筋工", None):
            group = {w for w in workers if world.workers[w].trade == trade}
            got = by_trade.get(trade or "", {}).get("workers_on_site", 0)
            assert got == len(group), (on, trade)

        by_district = coverage_report(db_session, on, ours, "district")
        assert sum(r.values["sites_under_construction"] for r in by_district.rows) == len(building)

        listing, rows = coverage_listing(db_session, on, ours, "workers_not_members")
        assert {(r["project_id"], r["worker_id"]) for r in rows} == {(p, w) for p, w in pairs if w not in members}
        listing, rows = coverage_listing(db_session, on, ours, "sites_founded")
        assert {r["project_id"] for r in rows} == {p.id for p in founded}
    assert all(seen.values()), seen  # the histories are not empty: the comparison means something
