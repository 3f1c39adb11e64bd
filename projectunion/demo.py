"""`projectunion demo`: a deterministic demo city, loaded through the real services.

Weihai (威海市) with its districts and towns, a regional union per town, two
industry unions, contractors with their crews, ~20 projects at every stage of
their lifecycle and a few thousand workers with three years of history. Every
write goes through the services and the lifecycle machines, so the state
changes, transfers, dissolutions and audit rows are the real ones.

The history is first planned in plain Python from one ``random.Random(seed)``
and dates counted back from today, then replayed in date order. The whole load
is one database transaction in which each service's commit is a savepoint: a
failure leaves the database as it was, and the database does one real commit
instead of thousands.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import os
import random
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask.cli import with_appcontext
from stdnum import numdb
from stdnum.cn import ric
from stdnum.cn import uscc as std_uscc

from projectunion.dates import today
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.lifecycle.declarations import ACTIVATED
from projectunion.lifecycle.membership import active_membership
from projectunion.models import (
    Contractor,
    Crew,
    CrewMember,
    Jurisdiction,
    Membership,
    Project,
    ServiceRecord,
    SiteEntry,
    StateChange,
    Union,
    User,
    WageCase,
    Worker,
)
from projectunion.realname import PROVINCES
from projectunion.services import (
    contractors,
    crews,
    jurisdictions,
    memberships,
    projects,
    service_records,
    site_entries,
    unions,
    users,
    wage_cases,
)
from projectunion.services.events import fire_event

DEFAULT_SEED = 1
DEFAULT_WORKERS = 2500
LOGINS_FILE = "demo-logins.txt"
YEARS = 3
DAY = dt.timedelta(days=1)
NEVER = dt.date.max

# --- catalogues --------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董肖程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁峰林亮成龙东海建国庆春永志文德学宝福贵兵生金山光忠全新利民胜祥发顺彬浩宇振昌玉长树立家俊世洪江义清松宏"
FEMALE_CHARS = "芳娜敏静丽艳娟霞燕玲梅琳红萍英华慧凤兰秀玉云莉桂珍荣翠琴洁丹"
# Uyghur names: given name · father's name (the middle dot is U+00B7).
UYGHUR_MALE = (
    "买买提",
    "艾力",
    "阿不都拉",
    "吐尔逊",
    "艾买提",
    "热合曼",
    "亚森",
    "卡德尔",
    "肉孜",
    "阿力木",
    "艾尔肯",
    "玉素甫",
)
UYGHUR_FEMALE = ("古丽", "阿依古丽", "热依拉", "帕提古丽", "米日古丽")

# Origin provinces: the data file's short names, with how common each is on Weihai's sites.
ORIGIN_WEIGHTS = {
    "山东": 42,
    "河南": 14,
    "四川": 8,
    "安徽": 7,
    "河北": 7,
    "黑龙江": 6,
    "吉林": 5,
    "贵州": 4,
    "湖南": 4,
    "甘肃": 3,
}
WEIHAI_COUNTIES = ("371002", "371003", "371082", "371083")
TRADE_WEIGHTS = {
    "普工": 20,
    "钢筋工": 13,
    "木工": 13,
    "混凝土工": 9,
    "砌筑工": 8,
    "架子工": 8,
    "电焊工": 6,
    "水电工": 7,
    "抹灰工": 6,
    "油漆工": 4,
    "防水工": 3,
    "起重信号工": 2,
    "塔吊司机": 2,
}
CREW_STEMS = {
    "钢筋工": "钢筋",
    "木工": "木工",
    "混凝土工": "混凝土",
    "砌筑工": "瓦工",
    "架子工": "架子工",
    "电焊工": "电焊",
    "水电工": "水电",
    "抹灰工": "抹灰",
    "油漆工": "油漆",
    "防水工": "防水",
    "起重信号工": "起重",
    "塔吊司机": "塔吊",
    "普工": "普工",
}
ORDINALS = "一二三四五六七八九十"
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)

# (name, short name, region of registration, its crews' trades)
CONTRACTORS = {
    "general": (
        ("威海海岳建设集团股份有限公司", "海岳", "371002", ("普工", "塔吊司机")),
        ("山东鲁东建工集团有限公司", "鲁东", "370102", ("普工", "塔吊司机")),
        ("荣成市鸿顺建筑工程有限公司", "鸿顺", "371082", ("普工",)),
        ("乳山市银河建设有限公司", "银河", "371083", ("普工",)),
    ),
    "subcontractor": (
        ("威海鑫达钢结构工程有限公司", "鑫达", "371002", ("电焊工", "起重信号工")),
        ("威海恒信机电安装工程有限公司", "恒信", "371003", ("水电工", "水电工")),
        ("山东蓝海防水工程有限公司", "蓝海", "371082", ("防水工",)),
        ("威海华瑞建筑装饰工程有限公司", "华瑞", "371002", ("抹灰工", "油漆工")),
    ),
    "labor_service": (
        ("威海安泰建筑劳务有限公司", "安泰", "371002", ("钢筋工", "木工", "混凝土工", "架子工", "普工")),
        ("乳山市众诚建筑劳务有限公司", "众诚", "371083", ("钢筋工", "木工", "砌筑工", "普工")),
        ("文登区宏远劳务服务有限公司", "宏远", "371003", ("木工", "混凝土工", "砌筑工", "架子工")),
        ("河南中原建工劳务有限公司", "中原", "411602", ("钢筋工", "木工", "砌筑工", "抹灰工", "普工")),
    ),
}
PROJECT_KINDS = (
    ("安置房建设项目", "01"),
    ("保障性住房项目", "01"),
    ("{estate}花园住宅小区{phase}", "01"),
    ("中心小学教学综合楼工程", "01"),
    ("卫生院门诊综合楼工程", "01"),
    ("标准化厂房建设项目", "01"),
    ("污水处理厂扩建工程", "02"),
    ("老旧小区改造工程", "01"),
    ("海洋食品产业园项目", "01"),
    ("物流园仓储中心项目", "01"),
    ("养老服务中心建设项目", "01"),
    ("全民健身中心项目", "01"),
    ("{estate}商业综合体项目", "01"),
    ("人才公寓项目", "01"),
    ("滨海路道路提升改造工程", "02"),
    ("城市更新片区改造项目", "01"),
    ("初级中学迁建工程", "01"),
    ("冷链物流中心项目", "01"),
    ("智能制造产业园厂房项目", "01"),
    ("文体中心建设项目", "01"),
    ("{estate}雅苑住宅项目{phase}", "01"),
    ("供热管网改造工程", "02"),
)
ESTATES = ("海景", "御园", "锦绣", "阳光", "滨海", "金桥", "鑫城", "东方", "和润", "悦海")
PHASES = ("一期", "二期", "三期")
ROADS = (
    "世昌大道",
    "青岛路",
    "海滨路",
    "文化路",
    "统一路",
    "新威路",
    "昆明路",
    "黄河街",
    "福山路",
    "沈阳路",
    "香港路",
    "渔港路",
)
DISTRICT_WEIGHTS = {"371002": 35, "371003": 20, "371082": 20, "371083": 15, "371091": 10}
SERVICE_WEIGHTS = {"training": 35, "holiday_visit": 25, "hardship_aid": 15, "student_aid": 13, "legal_aid": 12}
SERVICE_NOTES = {
    "training": (
        "塔吊司机安全操作培训",
        "电焊工技能提升培训",
        "农民工夜校：劳动法律知识",
        "高处作业安全培训",
        "消防安全培训",
    ),
    "hardship_aid": ("因病住院困难帮扶", "家庭重大变故困难救助", "工伤期间生活补助"),
    "student_aid": ("金秋助学：子女考入大学", "金秋助学：子女就读高中"),
    "legal_aid": ("工伤认定法律咨询", "劳动合同纠纷法律援助", "欠薪维权法律咨询"),
}

STAGES = (
    ("dissolved", 6),
    ("dissolving", 2),
    ("halted", 2),
    ("active", 6),
    ("preparing", 2),
    ("planned", 2),
    ("cancelled", 1),
)
STARTED = ("dissolved", "dissolving", "halted", "active", "preparing")

# The demo accounts: username, role, display name, jurisdiction code (see DemoUsers).
OFFICER_TOWN = "羊亭镇"
OFFICER2_TOWN = "崖头街道"


# --- people --------------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _county_codes() -> dict[str, list[str]]:
    """Real county-level codes (GB/T 2260) per province, from python-stdnum's data, still in use."""
    out: dict[str, list[str]] = {}
    for _length, province, _high, _props, children in numdb.get("cn/loc").prefixes:
        codes = []
        for _l, code, _h, props, _c in children:
            name = re.sub(r"^\[\d{4}-\]", "", props.get("county", ""))
            if code.endswith("00") or name.startswith("[") or name in ("", "市辖区"):
                continue
            codes.append(province + code)
        out[province] = codes
    return out


def _province_code(short: str) -> str:
    return next(code for code, name in PROVINCES.items() if name.startswith(short))


@dataclass(eq=False)
class Person:
    """A worker as planned: who they are, and where the plan has them."""

    number: str
    name: str
    phone: str | None
    trade: str
    free_from: dt.date = NEVER  # when the plan may send them to another site
    project: ProjectPlan | None = None  # the project union they stay active in
    crew: CrewPlan | None = None
    leader: bool = False
    worker_id: int | None = None
    crew_member: tuple[CrewPlan, int] | None = None  # while replaying: current crew and row id


class People:
    """Valid, realistic and unique ID numbers, names and phones."""

    def __init__(self, rng: random.Random, anchor: dt.date, origins: list[str]) -> None:
        self.rng = rng
        self.anchor = anchor
        counties = _county_codes()
        self.origins = {short: counties[_province_code(short)] for short in origins}
        self.weights = {short: ORIGIN_WEIGHTS.get(short, 3) for short in origins}
        self.xinjiang = counties["65"]
        self.numbers: set[str] = set()
        self.phones: set[str] = set()

    def _region(self, minority: bool) -> str:
        if minority:
            return self.rng.choice(self.xinjiang)
        short = _weighted(self.rng, self.weights)
        if short == "山东" and self.rng.random() < 0.5:
            return self.rng.choice(WEIHAI_COUNTIES)
        return self.rng.choice(self.origins[short])

    def _number(self, region: str, birth: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + ric.calc_check_digit(first17 + "?")  # it ignores the last character
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def _name(self, male: bool, minority: bool) -> str:
        rng = self.rng
        if minority:
            given = rng.choice(UYGHUR_MALE if male else UYGHUR_FEMALE)
            father = rng.choice([n for n in UYGHUR_MALE if n != given])
            return f"{given}\u00b7{father}"
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = "".join(rng.choice(chars) for _ in range(1 if rng.random() < 0.3 else 2))
        surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
        return surname + given

    def _phone(self) -> str | None:
        if self.rng.random() < 0.06:
            return None
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def new(self, first_date: dt.date, trade: str | None = None) -> Person:
        """Someone aged 18 to 57 on ``first_date`` (so at most 60 today), mostly men."""
        rng = self.rng
        male = rng.random() < 0.92
        minority = rng.random() < 0.006
        age = min(57, max(18, int(rng.gauss(42, 9))))
        birth = first_date - dt.timedelta(days=int((age + 0.02 + 0.96 * rng.random()) * 365.2425))
        if trade is None or rng.random() < 0.2:
            trade = _weighted(rng, TRADE_WEIGHTS)
        return Person(
            number=self._number(self._region(minority), birth, male),
            name=self._name(male, minority),
            phone=self._phone(),
            trade=trade,
        )


def _uscc(rng: random.Random, region: str) -> str:
    """A valid USCC: 9 (SAMR) 1 (company), region, an MA… organisation code with its GB 11714 check."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "MA" + "".join(rng.choice(alphabet) for _ in range(6))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = f"91{region}{org}"
    return first17 + std_uscc.calc_check_digit(first17)


# --- the plan ------------------------------------------------------------------------------------


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


# --- replaying the plan through the services ----------------------------------------------------


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
        fire_event(self.session, self.users[p.manager], p.row, "start", on=p.start, union_name=union_name(p.name))

    def found(self, p: ProjectPlan) -> None:
        union = p.row.union
        fire_event(
            self.session, self.users[p.manager], union, "found", on=p.founded, chair_membership_id=p.chair.membership_id
        )

    def fire_project(self, p: ProjectPlan, event: str, on: dt.date) -> None:
        fire_event(self.session, self.users[p.manager], p.row, event, on=on)

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
        fire_event(self.session, self.users[p.manager], p.row.union, "dissolve", on=p.dissolved, **data)

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
            id_number=person.number,
            name=person.name,
            phone=person.phone,
            trade=person.trade,
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
            id_number=person.number,
            name=person.name,
            phone=person.phone,
            trade=person.trade,
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
            id_number=person.number,
            name=person.name,
            phone=person.phone,
            trade=person.trade,
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
            .where(
                Membership.union_id == union.id,
                Membership.state.in_(ACTIVATED),
                Membership.joined_on <= on,
                sa.or_(Membership.ended_on.is_(None), Membership.ended_on > on),
            )
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
        fire_event(self.session, self.union_actor(case.row.union), case.row, event, on=on, **data)

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
                    id_number=person.number,
                    name=person.name,
                    phone=person.phone,
                    trade=person.trade,
                    contractor_id=crew.contractor.row.id,
                    crew_id=crew.row.id,
                )
            )
        memberships.decide(self.session, self.union_actor(pending[-1].union), pending[-1], approve=False)
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


# --- the command ---------------------------------------------------------------------------------

MIN_WORKERS = 40
# username, role, display name, where (a jurisdiction code or a town's name), what to tell people
ACCOUNTS = (
    ("city", "city_staff", "市总工会 王静", None, "city staff: every total, read-only"),
    ("huancui", "union_staff", "环翠区总工会 孙丽", "371002", "district union staff of 环翠区"),
    ("yangting", "union_staff", "羊亭镇工会 赵敏", OFFICER_TOWN, "town union staff of 羊亭镇"),
    ("officer", "officer", "刘海涛", OFFICER_TOWN, "site union officer of three project unions in 羊亭镇"),
    ("officer2", "officer", "陈建华", OFFICER2_TOWN, "site union officer of a halted project in 崖头街道"),
)


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    about: str


@contextmanager
def one_transaction() -> Iterator[so.Session]:
    """A session whose every commit is a savepoint of one outer transaction, committed at the end.

    When the app's session is already bound to a connection inside a
    transaction (the tests), the load joins that transaction instead.
    """
    bind = get_session().get_bind()
    with ExitStack() as stack:
        if isinstance(bind, sa.Connection) and bind.in_transaction():
            connection = bind
        else:
            connection = stack.enter_context(bind.connect())
            stack.enter_context(connection.begin())
        yield stack.enter_context(
            so.Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        )


def _accounts(
    session: so.Session, towns: list[Jurisdiction], demo_password: str
) -> tuple[dict[str, User], list[Login]]:
    admin_password = secrets.token_urlsafe(12)
    accounts = {
        "admin": users.create_user(
            session, None, username="admin", password=admin_password, role="admin", display_name="系统管理员"
        )
    }
    logins = [Login("admin", admin_password, "administrator")]
    for username, role, display_name, where, about in ACCOUNTS:
        place = None
        if where:
            place = jurisdictions.by_code(session, where) or next(t for t in towns if t.name == where)
        accounts[username] = users.create_user(
            session,
            None,
            username=username,
            password=demo_password,
            role=role,
            display_name=display_name,
            jurisdiction=place,
        )
        logins.append(Login(username, demo_password, about))
    return accounts, logins


def load(session: so.Session, seed: int, n_workers: int) -> list[Login]:
    """Load the whole demo city into an empty database; returns the logins."""
    anchor = today()
    rng = random.Random(seed)
    data = json.loads(jurisdictions.DIVISIONS_FILE.read_text(encoding="utf-8"))
    city = jurisdictions.load_divisions(session)
    session.commit()
    towns = list(
        session.scalars(sa.select(Jurisdiction).where(Jurisdiction.level == "town").order_by(Jurisdiction.code))
    )
    demo_password = f"demo-{secrets.token_hex(4)}"
    accounts, logins = _accounts(session, towns, demo_password)
    plan = Plan(rng, anchor, n_workers, towns, data)
    loader = Loader(session, random.Random(f"{seed}:replay"), anchor, accounts)
    loader.standing_unions(towns, city, plan.begin)
    loader.register_contractors(plan.contractors)
    company = plan.contractors[0]
    loader.contractor_user_company = company
    accounts["contractor"] = users.create_user(
        session,
        None,
        username="contractor",
        password=demo_password,
        role="contractor",
        display_name=f"{company.name} 劳资专管员",
        contractor=company.row,
    )
    logins.append(Login("contractor", demo_password, f"contractor: {company.name}"))
    plan.members(loader)
    plan.lifecycle(loader)
    for on, _priority, _seq, action, args in sorted(plan.events, key=lambda e: e[:3]):
        try:
            action(*args)
        except DomainError as exc:
            details = getattr(exc, "fields", None) or ""
            raise RuntimeError(f"demo: {action.__name__} on {on} was refused: {exc.message} {details}") from exc
    loader.applications(plan)
    loader.services(max(10, n_workers // 8))
    return logins


def summary(session: so.Session) -> list[str]:
    def count(model, *where) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    def by(column, *where) -> str:
        rows = session.execute(sa.select(column, sa.func.count()).where(*where).group_by(column).order_by(column))
        return ", ".join(f"{value} {n}" for value, n in rows)

    transfers = count(Membership, Membership.transferred_from_id.is_not(None))
    handed_on = count(Membership, Membership.source == "dissolution")
    recovered = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(WageCase.amount_recovered), 0)).where(WageCase.state == "resolved")
    )
    return [
        f"  jurisdictions    {count(Jurisdiction)} ({by(Jurisdiction.level)})",
        f"  unions           {count(Union)} ({by(Union.kind)}); project unions: {by(Union.state, Union.kind == 'project')}",
        f"  projects         {count(Project)} ({by(Project.state)})",
        f"  contractors      {count(Contractor)}, crews {count(Crew)}, crew members over time {count(CrewMember)}, "
        f"site entries {count(SiteEntry)}",
        f"  workers          {count(Worker)}",
        f"  memberships      {count(Membership)} ({by(Membership.state)}); {transfers} transfers, "
        f"{handed_on} of them at dissolutions",
        f"  wage cases       {count(WageCase)} ({by(WageCase.state)}), ¥{Decimal(recovered):,.2f} recovered",
        f"  service records  {count(ServiceRecord)} ({by(ServiceRecord.kind)})",
        f"  state changes    {count(StateChange)}",
    ]


def _save_logins(path: Path, logins: list[Login]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("# projectunion demo logins (username, password, who); keep this file private\n")
        fh.writelines(f"{login.username}\t{login.password}\t{login.about}\n" for login in logins)


def _saved_logins(path: Path) -> list[Login]:
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [Login(*row) for row in rows if len(row) == 3]


def _echo_logins(logins: list[Login], path: Path) -> None:
    click.echo(f"Sign in with (saved in {path}):")
    width = max(len(login.username) for login in logins)
    for login in logins:
        click.echo(f"  {login.username:<{width}}  {login.password:<16}  {login.about}")


def _echo_saved_logins(session: so.Session, path: Path) -> None:
    """Repeat the first run's logins, if they still open this database."""
    logins = _saved_logins(path)
    admin = logins and session.scalar(sa.select(User).where(User.username == logins[0].username))
    if admin and users.check_password(admin, logins[0].password):
        _echo_logins(logins, path)
    else:
        click.echo("Sign in with your own account (create one with: projectunion users create NAME --role admin).")


@click.command("demo", help="Load a demo city (Weihai) with three years of history into an empty database.")
@click.option("--if-empty", is_flag=True, help="Do nothing (but say how to sign in) when the database has data.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Same seed, same data (on one day).")
@click.option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=MIN_WORKERS),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="How many workers.",
)
@with_appcontext
def demo_command(if_empty: bool, seed: int, n_workers: int) -> None:
    path = Path(current_app.instance_path) / LOGINS_FILE
    started = time.perf_counter()
    with one_transaction() as session:
        if session.scalar(sa.select(Jurisdiction.id).limit(1)) is not None:
            if not if_empty:
                raise click.ClickException(
                    "The database already has data; the demo loads only into an empty database "
                    "(use --if-empty to skip it quietly)."
                )
            click.echo("The database already has data: the demo was not loaded.")
            _echo_saved_logins(session, path)
            return
        logins = load(session, seed, n_workers)
        lines = summary(session)
    _save_logins(path, logins)
    click.echo(f"Loaded the demo city (seed {seed}) in {time.perf_counter() - started:.1f} s:")
    for line in lines:
        click.echo(line)
    _echo_logins(logins, path)
