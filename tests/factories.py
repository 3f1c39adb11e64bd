"""Test data builders: a real jurisdiction tree, valid ID numbers, users per role."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import lifecycle
from projectunion.models import Contractor, Jurisdiction, Membership, Project, Union, User, Worker
from projectunion.services import jurisdictions, memberships, projects, unions, users

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_serial = itertools.count(1)


def id_number(region: str = "411502", birth: dt.date = dt.date(1985, 3, 4), seq: int | None = None) -> str:
    """A valid 18-character resident ID number (check character computed here, not by the app)."""
    seq = next(_serial) % 1000 if seq is None else seq
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


#: An ID number whose check character is wrong (the 7th valid one, its last character changed).
BAD_CHECK = id_number(seq=7)[:-1] + ("0" if id_number(seq=7)[-1] != "0" else "1")

#: A roster file's header as clerks write it.
ROSTER_HEADER = ["姓名", "身份证号", "手机号", "工种", "进场日期"]


def roster_person(
    n: int, name: str | None = None, *, birth=dt.date(1985, 3, 4), phone=None, trade="钢筋工", entered="2024-03-01"
) -> list:
    """One roster row: name, ID number, phone, trade, entry date."""
    return [name or f"工人{n}", id_number(seq=n, birth=birth), phone or f"138{n:08d}", trade, entered]


def roster_csv(rows, header=ROSTER_HEADER, encoding="utf-8", delimiter=",") -> bytes:
    """A roster as a CSV file's bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def roster_xlsx(rows, header=ROSTER_HEADER, title=None) -> bytes:
    """A roster as an XLSX file's bytes, with an optional title row above the header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_xls(*sheets, header=ROSTER_HEADER) -> bytes:
    """An old binary workbook (BIFF8) with a sheet per list of rows, each under ``header``; a dict of
    {(row, column): value} instead of a list places single cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for number, rows in enumerate(sheets or ([],), start=1):
        sheet = book.add_sheet(f"Sheet{number}")
        cells = (
            rows
            if isinstance(rows, dict)
            else {(r, c): value for r, row in enumerate([header, *rows]) for c, value in enumerate(row)}
        )
        for (row, column), value in cells.items():
            sheet.write(row, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def uscc(seq: int) -> str:
    from stdnum.cn import uscc as std

    body = f"91371000MA{seq:07d}"[:17]
    return body + std.calc_check_digit(body)


class Factories:
    def __init__(self, session: so.Session):
        self.session = session
        self._city: Jurisdiction | None = None
        self._admin: User | None = None
        self._n = _serial

    # jurisdictions ---------------------------------------------------------
    @property
    def city(self) -> Jurisdiction:
        if self._city is None:
            self._city = jurisdictions.load_divisions(self.session)
            self.session.commit()
        return self._city

    def place(self, code: str) -> Jurisdiction:
        self.city  # noqa: B018
        return jurisdictions.by_code(self.session, code)

    @property
    def huancui(self) -> Jurisdiction:
        return self.place("371002")

    @property
    def yangting(self) -> Jurisdiction:  # 羊亭镇, a town of 环翠区
        return self.place("371002005")

    @property
    def wendeng_town(self) -> Jurisdiction:
        return self.place("371003001")

    # users -----------------------------------------------------------------
    def user(self, role: str, *, jurisdiction=None, unions=(), contractor=None, can_reveal_id=False) -> User:
        self.city  # noqa: B018
        n = next(self._n)
        return users.create_user(
            self.session,
            None,
            username=f"{role}{n}",
            password="correct horse battery",
            role=role,
            jurisdiction=jurisdiction,
            unions=list(unions),
            contractor=contractor,
            can_reveal_id=can_reveal_id,
        )

    @property
    def admin(self) -> User:
        if self._admin is None:
            self._admin = self.user("admin")
        return self._admin

    # unions and projects ---------------------------------------------------
    def regional_union(self, town: Jurisdiction | None = None, name: str | None = None) -> Union:
        town = town or self.yangting
        return unions.create_standing_union(
            self.session, self.admin, kind="regional", name=name or f"{town.name}区域工会", jurisdiction=town
        )

    #: The day a factory project is registered unless a test says otherwise: before every test's
    #: start date, since no project starts before its registration (its first transition).
    REGISTERED_ON = dt.date(2020, 1, 2)

    def project(self, town: Jurisdiction | None = None, actor: User | None = None, **values) -> Project:
        n = next(self._n)
        values.setdefault("registered_on", self.REGISTERED_ON)
        values.setdefault("name", f"测试项目{n}")
        values.setdefault("permit_no", f"3710022026{n:06d}")
        return projects.register_project(self.session, actor or self.admin, town=town or self.yangting, **values)

    def fire(self, obj, event: str, on: dt.date | None = None, actor: User | None = None, **data):
        from projectunion.services.events import fire_checked_and_commit

        return fire_checked_and_commit(self.session, actor or self.admin, obj, event, on=on, **data)

    def started_union(self, on: dt.date = dt.date(2024, 3, 1), **project_values) -> Union:
        """A project registered (by default) the day it starts, and its union, preparing."""
        project_values.setdefault("registered_on", on)
        project = self.project(**project_values)
        self.fire(project, "start", on=on)
        return project.union

    def enroll(
        self, union: Union, *, on: dt.date = dt.date(2024, 3, 2), name: str | None = None, actor=None, **kw
    ) -> Membership:
        n = next(self._n)
        kw.setdefault("id_number", id_number(seq=n % 1000, birth=dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)))
        return memberships.enroll(self.session, actor or self.admin, union, name=name or f"工人{n}", joined_on=on, **kw)

    def active_union(self, members: int = 1, on: dt.date = dt.date(2024, 3, 1)) -> Union:
        """A founded project union with ``members`` members, the first one chair."""
        union = self.started_union(on=on)
        first = [self.enroll(union, on=on) for _ in range(members)][0]
        self.fire(union, "found", on=on, chair_membership_id=first.id)
        return union

    def bulk_members(self, union: Union, count: int, joined_on: dt.date = dt.date(2024, 3, 1)) -> None:
        """Add ``count`` active members at once, in two bulk INSERTs (a big roster's set-up, not the
        behaviour under test: no history rows, placeholder ID ciphertexts)."""
        stamp = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
        first = self.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Worker.id), 0)))
        self.session.execute(
            Worker.__table__.insert(),
            [
                {
                    "id_digest": hashlib.sha256(f"bulk-{union.id}-{i}".encode()).hexdigest(),
                    "id_encrypted": "x",
                    "id_masked": "411***********0000",
                    "id_last4": f"{i % 10000:04d}",
                    "name": f"工人{i}",
                    "birth_date": dt.date(1980, 1, 1),
                    "gender": "M",
                    "region_code": "411502",
                    "origin_province_code": "41",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for i in range(count)
            ],
        )
        ids = self.session.scalars(sa.select(Worker.id).where(Worker.id > first)).all()
        self.session.execute(
            Membership.__table__.insert(),
            [
                {
                    "worker_id": w,
                    "union_id": union.id,
                    "state": "active",
                    "applied_on": joined_on,
                    "joined_on": joined_on,
                    "source": "officer",
                    "consent": "paper",
                    "wants_transfer": False,
                    "created_at": stamp,
                }
                for w in ids
            ],
        )
        self.session.commit()

    def contractor(self, name: str = "威海建工集团", kind: str = "general") -> Contractor:
        n = next(self._n)
        c = Contractor(name=f"{name}{n}", uscc=uscc(n), kind=kind)
        self.session.add(c)
        self.session.commit()
        return c

    def memberships_of(self, worker: Worker) -> list[Membership]:
        return list(
            self.session.scalars(sa.select(Membership).where(Membership.worker_id == worker.id).order_by(Membership.id))
        )

    def allowed(self, obj) -> list[str]:
        return lifecycle.allowed_events(obj)
