"""Replaying the plan through the real services, as the right user each time."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.demo.catalogue import DAY, OFFICER_TOWN, SERVICE_NOTES, SERVICE_WEIGHTS
from projectunion.demo.people import Person, _weighted
from projectunion.demo.plan import CasePlan, ContractorPlan, CrewPlan, Plan, ProjectPlan, Stint
from projectunion.lifecycle.declarations import ACTIVATED
from projectunion.lifecycle.membership import active_membership
from projectunion.models import (
    Contractor,
    CrewMember,
    Jurisdiction,
    Membership,
    Union,
    User,
    Worker,
)
from projectunion.models.memberships import in_force_on
from projectunion.services import (
    contractors,
    crews,
    memberships,
    projects,
    service_records,
    site_entries,
    unions,
    wage_cases,
)
from projectunion.services.events import fire_checked_and_commit


def union_name(project_name: str) -> str:
    """项目工会 after the project's name, as the unions themselves write it."""
    return project_name + ("工会" if project_name.endswith("项目") else "项目工会")


class Loader:
    """Carries out the plan's events through the services, as the right user each time."""

    def __init__(self, session: so.Session, rng: random.Random, anchor: dt.date, accounts: dict[str, User]):
        self.session = session
        self.rng = rng
        self.anchor = anchor
        self.users = accounts
        self.regional: dict[str, Union] = {}
        self.industry: list[Union] = []
        self.projects: dict[int, ProjectPlan] = {}
        self.contractor_user_company: ContractorPlan | None = None

    # who acts ---------------------------------------------------------------------------------
    def staff_for(self, place: Jurisdiction) -> User:
        if place.name == OFFICER_TOWN:
            return self.users["yangting"]
        if self.users["huancui"].jurisdiction.contains(place):
            return self.users["huancui"]
        return self.users["admin"]

    def union_actor(self, union: Union) -> User:
        if union.kind == "project":
            return self.users[self.projects[union.project_id].manager]
        return self.staff_for(union.jurisdiction)

    def crew_actor(self, crew: CrewPlan) -> User:
        return self.users["contractor"] if crew.contractor is self.contractor_user_company else self.users["admin"]

    def union_of(self, p: ProjectPlan) -> Callable[[], Union]:
        return lambda: p.row.union

    def regional_of(self, p: ProjectPlan) -> Callable[[], Union]:
        return lambda: self.regional[p.town.code]

    # setting up -------------------------------------------------------------------------------
    def standing_unions(self, towns: list[Jurisdiction], city: Jurisdiction, begin: dt.date) -> None:
        admin = self.users["admin"]
        for town in towns:
            created_on = begin - dt.timedelta(days=self.rng.randint(30, 365))
            self.regional[town.code] = unions.create_standing_union(
                self.session,
                admin,
                kind="regional",
                name=f"{town.name}区域工会",
                jurisdiction=town,
                created_on=created_on,
            )
        rongcheng = next(d for d in city.children if d.code == "371082")
        for name, place in ((f"{city.name}建筑业工会", city), (f"{rongcheng.name}建筑业工会", rongcheng)):
            created_on = begin - dt.timedelta(days=self.rng.randint(200, 400))
            self.industry.append(
                unions.create_standing_union(
                    self.session, admin, kind="industry", name=name, jurisdiction=place, created_on=created_on
                )
            )

    def register_contractors(self, plans: list[ContractorPlan]) -> None:
        for c in plans:
            c.row = contractors.register_contractor(
                self.session, self.users["admin"], name=c.name, uscc=c.uscc, kind=c.kind
            )

    # events -----------------------------------------------------------------------------------
    def register(self, p: ProjectPlan) -> None:
        p.row = projects.register_project(
            self.session,
            self.users[p.manager],
            name=p.name,
            permit_no=p.permit_no,
            town=p.town,
            address=p.address,
            general_contractor_id=p.general.row.id,
            planned_start=p.planned_start,
            planned_end=p.planned_end,
            registered_on=p.registered_on,
        )
        self.projects[p.row.id] = p

    def start(self, p: ProjectPlan) -> None:
        fire_checked_and_commit(
            self.session, self.users[p.manager], p.row, "start", on=p.start, union_name=union_name(p.name)
        )

    def found(self, p: ProjectPlan) -> None:
        union = p.row.union
        fire_checked_and_commit(
            self.session, self.users[p.manager], union, "found", on=p.founded, chair_membership_id=p.chair.membership_id
        )

    def fire_project(self, p: ProjectPlan, event: str, on: dt.date) -> None:
        fire_checked_and_commit(self.session, self.users[p.manager], p.row, event, on=on)

    def dissolve(self, p: ProjectPlan) -> None:
        data: dict = {}
        if p.successor == "industry":
            data["successor_union_id"] = self.industry[0].id
        if p.decisions:
            data["decisions"] = {
                stint.membership_id: (
                    {"action": "transfer", "to_union_id": self.industry[0].id}
                    if action == "transfer"
                    else {"action": "end", "reason": "withdrew"}
                )
                for stint, action in p.decisions
            }
        fire_checked_and_commit(self.session, self.users[p.manager], p.row.union, "dissolve", on=p.dissolved, **data)

    def create_crew(self, crew: CrewPlan) -> None:
        crew.row = crews.create_crew(
            self.session, self.crew_actor(crew), crew.contractor.row, name=crew.name, created_on=crew.created_on
        )

    def join_crew(self, person: Person, crew: CrewPlan, on: dt.date) -> None:
        actor = self.crew_actor(crew)
        member = crews.add_member(
            self.session,
            actor,
            crew.row,
            **person.identity(),
            joined_on=on,
        )
        person.crew_member = (crew, member.id)
        person.worker_id = member.worker_id
        if crew.leader is person:
            crews.set_leader(self.session, actor, crew.row, member.worker_id)

    def leave_crew(self, person: Person, on: dt.date) -> None:
        crew, member_id = person.crew_member
        crews.remove_member(self.session, self.crew_actor(crew), self.session.get(CrewMember, member_id), left_on=on)
        person.crew_member = None

    def enroll(self, stint: Stint) -> None:
        p, person, crew = stint.project, stint.person, stint.crew
        membership = memberships.enroll(
            self.session,
            self.users[p.manager],
            p.row.union,
            **person.identity(),
            joined_on=stint.joined_on,
            transfer=True,
            source="crew",
            consent="qr" if self.rng.random() < 0.25 else "paper",
            contractor_id=crew.contractor.row.id,
            crew_id=crew.row.id,
        )
        stint.membership_id = membership.id
        person.worker_id = membership.worker_id

    def join_regional(self, person: Person, town_code: str, on: dt.date) -> None:
        union = self.regional[town_code]
        membership = memberships.enroll(
            self.session,
            self.union_actor(union),
            union,
            **person.identity(),
            joined_on=on,
        )
        person.worker_id = membership.worker_id

    def end(self, stint: Stint, on: dt.date, reason: str) -> None:
        membership = self.session.get(Membership, stint.membership_id)
        memberships.end_membership(self.session, self.users[stint.project.manager], membership, reason, on=on)

    def withdraw(self, person: Person, on: dt.date) -> None:
        """A member of a standing union leaves the union of their own will."""
        membership = active_membership(self.session, person.worker_id)
        memberships.end_membership(self.session, self.union_actor(membership.union), membership, "withdrew", on=on)

    def enter_site(self, p: ProjectPlan, crew: CrewPlan, on: dt.date) -> None:
        site_entries.enter_site(self.session, self.crew_actor(crew), p.row, crew=crew.row, entered_on=on)

    def exit_site(self, p: ProjectPlan, crew: CrewPlan, on: dt.date) -> None:
        """The crew leaves; its members stay in the union (kept) unless this is the site left to decide."""
        entry = site_entries.crew_on_site(self.session, p.row, crew.row)
        site_entries.exit_site(self.session, self.crew_actor(crew), entry, exited_on=on)
        if p.stage == "dissolved" or (p.stage == "active" and p.manager == "officer"):
            return  # members are handed on at the dissolution / the officer's queue keeps them to decide
        affected = site_entries.affected_members(self.session, entry)
        if affected:
            site_entries.decide_after_exit(
                self.session, self.users[p.manager], entry, {m.id: {"action": "keep"} for m in affected}, on=on
            )

    def open_case(self, case: CasePlan) -> None:
        union, on = case.union(), case.opened_on
        in_force = self.session.execute(
            sa.select(Membership.worker_id, Membership.contractor_id)
            .where(Membership.union_id == union.id, *in_force_on(Membership, on))
            .order_by(Membership.id)
        ).all()
        if not in_force:
            return
        involved = self.rng.sample(in_force, min(case.size, len(in_force)))
        contractor_ids = Counter(c for _, c in involved if c is not None)
        contractor_id = min(contractor_ids, key=lambda c: (-contractor_ids[c], c)) if contractor_ids else None
        if contractor_id is None and union.project is not None:
            contractor_id = union.project.general_contractor_id
        company = self.session.get(Contractor, contractor_id) if contractor_id else None
        until = on.replace(day=1) - DAY
        since = (until.replace(day=1) - dt.timedelta(days=31 * self.rng.randint(1, 4))).replace(day=1)
        period = (
            f"{since.year}年{since.month}月至{'' if since.year == until.year else f'{until.year}年'}{until.month}月"
        )
        claimed = sum(Decimal(self.rng.randrange(30, 300) * 100) for _ in involved)
        case.row = wage_cases.open_wage_case(
            self.session,
            self.union_actor(union),
            union,
            summary=f"{company.name if company else '用工单位'}拖欠{len(involved)}名农民工{period}工资",
            amount_claimed=claimed,
            worker_ids=[w for w, _ in involved],
            contractor_id=contractor_id,
            opened_on=on,
        )

    def case_event(self, case: CasePlan, event: str, on: dt.date) -> None:
        if case.row is None:
            return
        data = {}
        if event == "resolve":
            share = Decimal(self.rng.choice((100, 100, 100, 95, 90, 80, 70)))
            data["amount_recovered"] = (case.row.amount_claimed * share / 100).quantize(Decimal("0.01"))
        fire_checked_and_commit(self.session, self.union_actor(case.row.union), case.row, event, on=on, **data)

    # today ------------------------------------------------------------------------------------
    def applications(self, plan: Plan) -> None:
        """QR applications waiting in the open unions today; one asks for a transfer, one was turned down."""
        rng = self.rng
        open_projects = [p for p in plan.projects if p.stage in ("active", "preparing")]
        pending = []
        for i in range(plan.n_pending):
            p = open_projects[i % len(open_projects)]
            person = plan.new_person(self.anchor)
            crew = rng.choice([c for c in p.crews if c.row is not None])
            pending.append(
                memberships.apply(
                    self.session,
                    p.row.union,
                    **person.identity(),
                    contractor_id=crew.contractor.row.id,
                    crew_id=crew.row.id,
                )
            )
        memberships.decide(
            self.session, self.union_actor(pending[-1].union), pending[-1], approve=False, reason="未在本工地务工"
        )
        self.hand_on_late_application(plan, pending[-1].worker)
        regional_ids = [u.id for u in self.regional.values()]
        mover = self.session.scalars(
            sa.select(Membership)
            .where(Membership.state == "active", Membership.union_id.in_(regional_ids))
            .order_by(Membership.id)
        ).first()
        if mover is not None:
            person = next(p for p in plan.persons if p.worker_id == mover.worker_id)
            memberships.apply(
                self.session,
                open_projects[0].row.union,
                id_number=person.number,
                name=mover.worker.name,
                phone=mover.worker.phone,
                trade=mover.worker.trade,
                wants_transfer=True,
            )

    def hand_on_late_application(self, plan: Plan, worker: Worker) -> None:
        """``worker`` (turned down on one site) had applied the day before another site was completed too;
        that union, now dissolving, hands them on to its successor."""
        from projectunion import lifecycle
        from projectunion.lifecycle.union import default_successor

        closing = next((p for p in plan.projects if p.stage == "dissolving" and p.completed), None)
        if closing is None or (successor := default_successor(self.session, closing.row.union)) is None:
            return
        union, on = closing.row.union, closing.completed - DAY
        late = Membership(
            worker=worker, union=union, state="pending", applied_on=on, source="application", consent="qr"
        )
        self.session.add(late)
        lifecycle.record_creation(self.session, "membership", late, lifecycle.context(self.session, None, on))
        fire_checked_and_commit(
            self.session, self.union_actor(union), late, "hand_on", on=self.anchor, to_union_id=successor.id
        )

    def services(self, count: int) -> None:
        """Service records of every kind, each given while the worker was a member of that union."""
        rng = self.rng
        rows = [
            r
            for r in self.session.execute(
                sa.select(Membership.worker_id, Membership.union_id, Membership.joined_on, Membership.ended_on)
                .where(Membership.state.in_(ACTIVATED))
                .order_by(Membership.id)
            ).all()
            if (r.ended_on or self.anchor + DAY) > r.joined_on
        ]
        kinds = list(SERVICE_WEIGHTS)
        for i in range(count):
            kind = kinds[i] if i < len(kinds) else _weighted(rng, SERVICE_WEIGHTS)
            worker_id, union_id, joined_on, ended_on = rng.choice(rows)
            last = min((ended_on or self.anchor + DAY) - DAY, self.anchor)
            served_on = joined_on + dt.timedelta(days=rng.randint(0, (last - joined_on).days))
            amount, note = _service_details(rng, kind, served_on)
            union = self.session.get(Union, union_id)
            service_records.record_service(
                self.session,
                self.union_actor(union),
                union,
                kind=kind,
                worker=self.session.get(Worker, worker_id),
                served_on=served_on,
                amount=amount,
                note=note,
            )


def _service_details(rng: random.Random, kind: str, on: dt.date) -> tuple[Decimal, str]:
    if kind == "holiday_visit":
        note = {
            12: "春节送温暖慰问",
            1: "春节送温暖慰问",
            2: "春节送温暖慰问",
            6: "夏季送清凉慰问",
            7: "夏季送清凉慰问",
            8: "夏季送清凉慰问",
        }
        return Decimal(rng.choice((200, 300, 500, 800))), note.get(
            on.month, "中秋节日慰问" if on.month in (9, 10) else "节日慰问"
        )
    amount = {
        "hardship_aid": rng.randrange(2, 11) * 500,
        "student_aid": rng.randrange(4, 11) * 500,
    }.get(kind, 0)
    return Decimal(amount), rng.choice(SERVICE_NOTES[kind])
