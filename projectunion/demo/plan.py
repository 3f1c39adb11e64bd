"""The demo's whole history planned in plain Python from one seed, as dated events to replay."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from projectunion.demo.catalogue import (
    CONTRACTORS,
    CREW_STEMS,
    DAY,
    DISTRICT_WEIGHTS,
    ESTATES,
    NEVER,
    OFFICER2_TOWN,
    OFFICER_TOWN,
    ORDINALS,
    PHASES,
    PROJECT_KINDS,
    ROADS,
    STAGES,
    STARTED,
    YEARS,
)
from projectunion.demo.people import People, Person, _uscc, _weighted
from projectunion.models import (
    Contractor,
    Crew,
    Jurisdiction,
    Project,
    Union,
    WageCase,
)

if TYPE_CHECKING:
    from projectunion.demo.loader import Loader


@dataclass(eq=False)
class ContractorPlan:
    name: str
    uscc: str
    kind: str
    crews: list[CrewPlan] = field(default_factory=list)
    row: Contractor | None = None


@dataclass(eq=False)
class CrewPlan:
    contractor: ContractorPlan
    name: str
    trade: str
    created_on: dt.date | None = None
    leader: Person | None = None
    row: Crew | None = None


@dataclass(eq=False)
class Stint:
    """One membership of a person in a project union, as planned."""

    person: Person
    project: ProjectPlan
    joined_on: dt.date
    crew: CrewPlan
    fate: str | None = None  # for those who stay until the union dissolves: handed_on, withdraw, decided
    membership_id: int | None = None


@dataclass(eq=False)
class CasePlan:
    """A wage case: when it opens, how many are involved, and the steps it goes through."""

    union: Callable[[], Union]
    opened_on: dt.date
    size: int
    steps: list[tuple[str, dt.date]]
    row: WageCase | None = None


@dataclass(eq=False)
class ProjectPlan:
    stage: str
    name: str
    category: str
    town: Jurisdiction
    address: str
    general: ContractorPlan
    manager: str
    registered_on: dt.date
    planned_start: dt.date
    planned_end: dt.date
    start: dt.date | None = None
    founded: dt.date | None = None
    halts: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    completed: dt.date | None = None
    dissolved: dt.date | None = None
    cancelled: dt.date | None = None
    successor: str = "regional"
    weight: float = 1.0
    crews: list[CrewPlan] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    chair: Stint | None = None
    decisions: list[tuple[Stint, str]] = field(default_factory=list)
    permit_no: str = ""
    row: Project | None = None

    def windows(self, anchor: dt.date) -> list[tuple[dt.date, dt.date]]:
        """The days on which the union takes members (preparing or active)."""
        stop = {
            "dissolved": self.completed,
            "dissolving": self.completed,
            "halted": self.halts[-1][0] if self.halts else None,
        }.get(self.stage)
        stop = stop - DAY if stop else anchor
        out, begin = [], self.start
        for halt, resume in self.halts:
            if resume is None:
                break
            out.append((begin, halt - DAY))
            begin = resume
        out.append((begin, stop))
        return out


Event = tuple[dt.date, int, int, Callable, tuple]

# Order of events on the same day.
P_SETUP, P_START, P_SITE, P_CREW, P_JOIN, P_FOUND, P_END, P_CASE, P_STOP, P_DISSOLVE = range(10)


class Plan:
    """The whole history, as dated events to replay through the services."""

    def __init__(self, rng: random.Random, anchor: dt.date, n_workers: int, towns: list[Jurisdiction], data: dict):
        self.rng = rng
        self.anchor = anchor
        self.begin = anchor - dt.timedelta(days=365 * YEARS)
        self.towns = towns
        self.people = People(rng, anchor, data["origin_provinces_typical"])
        self.persons: list[Person] = []
        self.events: list[Event] = []
        self._seq = itertools.count()
        self.n_pending = max(3, min(8, n_workers // 250))
        self.n_roster_only = max(1, n_workers // 60)
        self.n_members = n_workers - self.n_pending - self.n_roster_only
        self.contractors = self._contractors()
        self.projects = self._projects()
        self.cases: list[CasePlan] = []

    def day(self, days_ago: int) -> dt.date:
        return self.anchor - dt.timedelta(days=days_ago)

    def add(self, on: dt.date, priority: int, fn: Callable, *args) -> None:
        self.events.append((on, priority, next(self._seq), fn, args))

    def new_person(self, first_date: dt.date, trade: str | None = None) -> Person:
        person = self.people.new(first_date, trade)
        self.persons.append(person)
        return person

    # contractors, crews, projects ----------------------------------------------------------
    def _contractors(self) -> list[ContractorPlan]:
        out = []
        for kind, companies in CONTRACTORS.items():
            for name, short, region, trades in companies:
                company = ContractorPlan(name=name, uscc=_uscc(self.rng, region), kind=kind)
                counts: Counter[str] = Counter()
                for trade in trades:
                    stem = CREW_STEMS[trade]
                    counts[stem] += 1
                    company.crews.append(CrewPlan(company, f"{short}{stem}{ORDINALS[counts[stem] - 1]}班", trade))
                out.append(company)
        return out

    def _town(self, name: str | None = None) -> Jurisdiction:
        if name is not None:
            return next(t for t in self.towns if t.name == name)
        district = _weighted(self.rng, DISTRICT_WEIGHTS)
        return self.rng.choice([t for t in self.towns if t.path.split("/")[1] == district])

    def _projects(self) -> list[ProjectPlan]:
        rng = self.rng
        kinds = list(PROJECT_KINDS)
        rng.shuffle(kinds)
        generals = [c for c in self.contractors if c.kind == "general"]
        out: list[ProjectPlan] = []
        serial = itertools.count(1)
        for stage, count in STAGES:
            for i in range(count):
                dates = self._stage_dates(stage, i)
                if (stage, i) in (("dissolved", 2), ("active", 0), ("preparing", 0)):
                    manager, town = "officer", self._town(OFFICER_TOWN)
                elif (stage, i) == ("halted", 0):
                    manager, town = "officer2", self._town(OFFICER2_TOWN)
                else:
                    town = self._town()
                    if town.name == OFFICER_TOWN:
                        manager = "yangting"
                    elif town.path.split("/")[1] == "371002":
                        manager = "huancui"
                    else:
                        manager = "admin"
                template, category = kinds[len(out) % len(kinds)]
                kind = template.format(estate=rng.choice(ESTATES), phase=rng.choice(PHASES))
                district = town.parent.name.replace("临港经济技术开发区", "临港区")
                general = generals[0] if (stage, i) in (("active", 0), ("dissolved", 0), ("halted", 1)) else None
                project = ProjectPlan(
                    stage=stage,
                    name=f"{district}{town.name}{kind}",
                    category=category,
                    town=town,
                    address=f"{district}{town.name}{rng.choice(ROADS)}{rng.randrange(1, 300)}号",
                    general=general or rng.choice(generals),
                    manager=manager,
                    **dates,
                )
                project.weight *= rng.uniform(0.5, 1.6)
                project.permit_no = f"{town.code[:6]}{project.registered_on:%Y%m%d}{next(serial):02d}{category}"
                out.append(project)
        return out

    def _stage_dates(self, stage: str, i: int) -> dict:
        rng, d = self.rng, self.day
        r = rng.randint
        out: dict = {"weight": 1.0}
        if stage == "dissolved":
            start = d(1060 - i * 95 - r(0, 30))
            length = r(210, 400)
            out.update(start=start)
            if i == 1:
                halt = start + dt.timedelta(days=length // 3)
                resume = halt + dt.timedelta(days=r(30, 60))
                out["halts"] = [(halt, resume)]
                length += (resume - halt).days
            completed = min(start + dt.timedelta(days=length), d(80))
            out.update(completed=completed, dissolved=completed + dt.timedelta(days=r(14, 40)))
            out["successor"] = "industry" if i == 4 else "regional"
        elif stage == "dissolving":
            out.update(start=d(r(420, 640)), completed=d(r(40, 60) if i == 0 else r(8, 20)), weight=0.9)
        elif stage == "halted":
            out.update(start=d(r(320, 520)), weight=0.6)
            out["halts"] = [(d(r(100, 140) if i == 0 else r(35, 60)), None)]
        elif stage == "active":
            start = d((680, 560, 420, 300, 190, 75)[i] + r(-20, 20))
            out.update(start=start, weight=0.4 if i == 5 else 1.0)
            if i == 1:
                halt = start + dt.timedelta(days=r(90, 150))
                out["halts"] = [(halt, halt + dt.timedelta(days=r(25, 50)))]
        elif stage == "preparing":
            out.update(start=d(r(18, 30) if i == 0 else r(5, 12)), weight=0.04)
        if "start" in out:
            start = out["start"]
            first_stop = min([h for h, _ in out.get("halts", [])] + [out.get("completed") or self.anchor + DAY])
            if stage != "preparing":
                out["founded"] = min(start + dt.timedelta(days=r(6, 25)), first_stop - DAY, self.anchor)
            out["registered_on"] = max(start - dt.timedelta(days=r(15, 90)), self.begin)
            out["planned_start"] = start + dt.timedelta(days=r(-10, 20))
            out["planned_end"] = out["planned_start"] + dt.timedelta(days=r(300, 720))
        elif stage == "planned":
            out["registered_on"] = d(r(20, 60))
            out["planned_start"] = self.anchor + dt.timedelta(days=r(15, 90))
            out["planned_end"] = out["planned_start"] + dt.timedelta(days=r(300, 600))
        else:  # cancelled
            out["registered_on"] = d(r(700, 800))
            out["cancelled"] = out["registered_on"] + dt.timedelta(days=r(60, 150))
            out["planned_start"] = out["registered_on"] + dt.timedelta(days=r(30, 90))
            out["planned_end"] = out["planned_start"] + dt.timedelta(days=r(300, 600))
        return out

    # members ------------------------------------------------------------------------------
    def slots(self) -> list[tuple[dt.date, int, ProjectPlan, CrewPlan, bool]]:
        """Who joins where and when, before knowing who: (date, n, project, crew, is_chair)."""
        rng = self.rng
        started = [p for p in self.projects if p.stage in STARTED]
        total = round(1.35 * self.n_members)
        weights = sum(p.weight for p in started)
        labour = [c for k in self.contractors if k.kind == "labor_service" for c in k.crews]
        special = [c for k in self.contractors if k.kind == "subcontractor" for c in k.crews]
        out = []
        n = itertools.count()
        for p in started:
            p.crews = list(p.general.crews[:2])
            if p.stage != "preparing":
                p.crews += rng.sample(labour, rng.randint(2, 4)) + rng.sample(special, rng.randint(1, 2))
            crew_weights = [0.5 if c.contractor is p.general else 1.5 if c in labour else 0.7 for c in p.crews]
            count = max(3, round(total * p.weight / weights))
            windows = p.windows(self.anchor)
            first = windows[0]
            chair_day = p.start + dt.timedelta(days=rng.randint(0, min(3, ((p.founded or first[1]) - p.start).days)))
            out.append((chair_day, next(n), p, p.crews[0], True))
            spans = [(b - a).days + 1 for a, b in windows]
            for _ in range(count - 1):
                a, _b = rng.choices(windows, weights=spans)[0]
                on = a + dt.timedelta(days=rng.randrange(spans[windows.index((a, _b))]))
                out.append((on, next(n), p, rng.choices(p.crews, weights=crew_weights)[0], False))
        out.sort(key=lambda s: (s[0], s[1]))
        return out

    def members(self, loader: Loader) -> None:
        """Give every slot a person, new or returning, and plan what becomes of them."""
        rng = self.rng
        waiting: list[tuple[dt.date, int, Person]] = []
        ready: list[Person] = []
        order = itertools.count()
        created = 0
        slots = self.slots()
        chairs_left = sum(1 for s in slots if s[4])  # every founded union needs a first member
        for on, _n, p, crew, is_chair in slots:
            chairs_left -= is_chair
            budget = self.n_members - created - chairs_left
            while waiting and waiting[0][0] <= on:
                ready.append(heapq.heappop(waiting)[2])
            person = None
            if ready and (budget <= 0 or rng.random() < 0.3):
                for _ in range(6):
                    i = rng.randrange(len(ready))
                    if ready[i].project is not p:
                        ready[i], ready[-1] = ready[-1], ready[i]
                        person = ready.pop()
                        break
            if person is None:
                if budget <= 0 and not is_chair:
                    continue
                person = self.new_person(on, crew.trade)
                created += 1
            self._join_crew(loader, person, crew, on)
            stint = Stint(person, p, on, crew)
            p.stints.append(stint)
            self.add(on, P_JOIN, loader.enroll, stint)
            if is_chair:
                p.chair = stint
            self._outcome(loader, stint, "stay" if is_chair or person.leader else None)
            if person.free_from < NEVER:
                heapq.heappush(waiting, (person.free_from, next(order), person))
        self.leftovers(loader, self.n_members - created)

    def _join_crew(self, loader: Loader, person: Person, crew: CrewPlan, on: dt.date) -> None:
        if person.crew is crew:
            return
        if crew.created_on is None:
            crew.created_on = max(on - dt.timedelta(days=self.rng.randint(10, 200)), self.begin)
            self.add(crew.created_on, P_SETUP, loader.create_crew, crew)
        if person.crew is not None:
            self.add(on, P_CREW, loader.leave_crew, person, on)
        person.crew = crew
        self.add(on, P_CREW, loader.join_crew, person, crew, on)
        if crew.leader is None:
            crew.leader = person
            person.leader = True

    def _outcome(self, loader: Loader, stint: Stint, outcome: str | None) -> None:
        """Stay to the end, move on (a later transfer), leave the site, or withdraw."""
        rng, person, p, on = self.rng, stint.person, stint.project, stint.joined_on
        outcome = outcome or rng.choices(("stay", "move", "leave", "withdraw"), (60, 20, 15, 5))[0]
        if outcome in ("leave", "withdraw"):
            limit = (p.dissolved - DAY) if p.dissolved else self.anchor
            ends = min(on + dt.timedelta(days=rng.randint(20, 300)), limit)
            if ends <= on:
                outcome = "stay"
            else:
                reason = "left_site" if outcome == "leave" else "withdrew"
                self.add(ends, P_END, loader.end, stint, ends, reason)
                if outcome == "leave":
                    self.add(ends, P_CREW, loader.leave_crew, person, ends)
                    person.crew = None
                person.project = None
                person.free_from = ends + dt.timedelta(days=rng.randint(7, 120))
                return
        person.project = p
        if outcome == "move":
            person.free_from = on + dt.timedelta(days=rng.randint(45, 400))
        elif person.leader:
            person.free_from = NEVER
        elif p.stage == "dissolved":
            stint.fate = "withdraw" if rng.random() < 0.05 else "handed_on"
            if stint.fate == "withdraw":
                ends = min(p.dissolved + dt.timedelta(days=rng.randint(20, 200)), self.anchor)
                self.add(ends, P_END, loader.withdraw, person, ends)
                person.free_from = ends + dt.timedelta(days=rng.randint(5, 60))
            else:
                person.free_from = p.dissolved + dt.timedelta(days=rng.randint(1, 150))
        elif p.stage == "dissolving":
            person.free_from = p.completed + dt.timedelta(days=rng.randint(1, 60))
        elif p.stage == "halted":
            person.free_from = p.halts[-1][0] + dt.timedelta(days=rng.randint(5, 90))
        else:
            person.free_from = NEVER

    def leftovers(self, loader: Loader, regional: int) -> None:
        """Workers who joined a town's regional union directly, and some who are only on a crew's roster."""
        rng = self.rng
        for _ in range(max(0, regional)):
            on = self.begin + dt.timedelta(days=rng.randint(30, 365 * YEARS - 1))
            person = self.new_person(on)
            town = self._town()
            self.add(on, P_JOIN, loader.join_regional, person, town.code, on)
            if rng.random() < 0.08:
                ends = min(on + dt.timedelta(days=rng.randint(30, 400)), self.anchor)
                self.add(ends, P_END, loader.withdraw, person, ends)
        used = [c for k in self.contractors for c in k.crews if c.created_on is not None]
        for _ in range(self.n_roster_only):
            crew = rng.choice(used)
            on = crew.created_on + dt.timedelta(days=rng.randint(0, (self.anchor - crew.created_on).days))
            person = self.new_person(on, crew.trade)
            self.add(on, P_CREW, loader.join_crew, person, crew, on)

    def lifecycle(self, loader: Loader) -> None:
        """The projects' own events, the crews on their sites, dissolution choices and wage cases."""
        for p in self.projects:
            self.add(p.registered_on, P_SETUP, loader.register, p)
            if p.cancelled:
                self.add(p.cancelled, P_STOP, loader.fire_project, p, "cancel", p.cancelled)
            if p.start is None:
                continue
            self.add(p.start, P_START, loader.start, p)
            if p.founded:
                self.add(p.founded, P_FOUND, loader.found, p)
            for halt, resume in p.halts:
                self.add(halt, P_STOP, loader.fire_project, p, "halt", halt)
                if resume:
                    self.add(resume, P_START, loader.fire_project, p, "resume", resume)
            if p.completed:
                self.add(p.completed, P_STOP, loader.fire_project, p, "complete", p.completed)
            if p.dissolved:
                self._decisions(p)
                self.add(p.dissolved, P_DISSOLVE, loader.dissolve, p)
            self._site(loader, p)
        self._cases(loader)

    def _site(self, loader: Loader, p: ProjectPlan) -> None:
        rng = self.rng
        stop = p.completed or (p.halts[-1][0] if p.stage == "halted" else None)
        for crew in p.crews:
            days = [s.joined_on for s in p.stints if s.crew is crew]
            if not days or crew.created_on is None:
                continue
            opened = max(a for a, _b in p.windows(self.anchor) if a <= min(days))  # not while halted
            entered = max(min(days) - dt.timedelta(days=rng.randint(0, 7)), opened, crew.created_on)
            self.add(entered, P_SITE, loader.enter_site, p, crew, entered)
            exited = None
            if stop:
                exited = max(stop - dt.timedelta(days=rng.randint(0, 25)), max(days), entered)
                if p.stage == "halted":
                    exited = min(stop + dt.timedelta(days=rng.randint(0, 10)), self.anchor)
            elif max(days) < self.day(150):
                exited = min(max(days) + dt.timedelta(days=rng.randint(30, 100)), self.anchor)
            if exited:
                self.add(exited, P_END, loader.exit_site, p, crew, exited)

    def _decisions(self, p: ProjectPlan) -> None:
        """In one dissolution the officer sends two members to the industry union and lets one go."""
        if p is not next(q for q in self.projects if q.stage == "dissolved" and q.successor == "regional"):
            return
        staying = [s for s in p.stints if s.fate == "handed_on" and s is not p.chair and not s.person.leader]
        chosen = self.rng.sample(staying, min(3, len(staying)))
        for stint, action in zip(chosen, ("transfer", "transfer", "end")[: len(chosen)], strict=True):
            stint.fate = "decided"
            p.decisions.append((stint, action))

    def _cases(self, loader: Loader) -> None:
        """Wage cases in every state: resolved ones before each dissolution, open ones on running sites."""
        r = self.rng.randint
        stage = {name: [p for p in self.projects if p.stage == name] for name, _ in STAGES}
        gaps = {"mediate": (3, 20), "escalate": (10, 40), "resolve": (20, 120)}

        def case(union: Callable[[], Union], opened: dt.date, path: tuple[str, ...], limit: dt.date) -> None:
            steps, day = [], opened
            for event in path:
                day = min(day + dt.timedelta(days=r(*gaps[event])), limit)
                steps.append((event, day))
            self.cases.append(CasePlan(union, opened, r(3, 18), steps))

        def in_project(p: ProjectPlan, days_ago: tuple[int, int], path: tuple[str, ...] = ()) -> None:
            opened = min(max(self.day(r(*days_ago)), p.founded + DAY), self.anchor)
            case(loader.union_of(p), opened, path, self.anchor)

        paths = (
            ("mediate", "resolve"),
            ("escalate", "resolve"),
            ("mediate", "escalate", "resolve"),
            ("mediate", "resolve"),
        )
        for p, path in zip(stage["dissolved"], paths, strict=False):
            opened = min(p.founded + dt.timedelta(days=r(20, 200)), p.completed - DAY)
            case(loader.union_of(p), opened, path, p.dissolved - DAY)
        blocked = stage["dissolving"][0]  # the escalated case keeps its union from dissolving
        in_project(blocked, ((self.anchor - blocked.completed).days + 60,) * 2, ("escalate",))
        halted = stage["halted"]
        in_project(halted[0], ((self.anchor - halted[0].halts[0][0]).days - 10,) * 2, ("mediate",))
        in_project(halted[1], (1, 20))
        active = stage["active"]
        in_project(active[0], (3, 15))
        in_project(active[2], (30, 60), ("mediate",))
        in_project(active[3], (150, 250), ("mediate", "resolve"))
        in_project(active[1], (250, 320), ("escalate", "resolve"))
        first = stage["dissolved"][0]
        opened = min(first.dissolved + dt.timedelta(days=r(30, 120)), self.day(60))
        case(loader.regional_of(first), opened, ("mediate", "resolve"), self.anchor)
        for c in self.cases:
            self.add(c.opened_on, P_CASE, loader.open_case, c)
            for event, on in c.steps:
                self.add(on, P_CASE, loader.case_event, c, event, on)
