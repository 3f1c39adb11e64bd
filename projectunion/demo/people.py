"""Valid, realistic and unique workers (ID numbers, names, phones) and company codes for the demo."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum import numdb
from stdnum.cn import ric
from stdnum.cn import uscc as std_uscc

from projectunion.demo.catalogue import (
    FEMALE_CHARS,
    MALE_CHARS,
    NEVER,
    ORIGIN_WEIGHTS,
    PHONE_PREFIXES,
    SURNAMES,
    TRADE_WEIGHTS,
    UYGHUR_FEMALE,
    UYGHUR_MALE,
    WEIHAI_COUNTIES,
)
from projectunion.realname import PROVINCES

if TYPE_CHECKING:
    from projectunion.demo.plan import CrewPlan, ProjectPlan


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

    def identity(self) -> dict[str, str | None]:
        """Who they are, as the enrolment, application and crew services take it."""
        return {"id_number": self.number, "name": self.name, "phone": self.phone, "trade": self.trade}


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
