"""The retention rule: five years after a project union's dissolution, the people with nothing newer are
anonymised, not deleted, so every total (memberships, trade, origin province, dates) stays the same."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from projectunion import reporting
from projectunion.models import AuditEvent, Membership, Worker
from projectunion.services import retention, workers
from tests.factories import id_number

D = dt.date
DISSOLVED = D(2019, 6, 30)


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


@pytest.fixture
def history(f, db_session):
    """A project union dissolved on 2019-06-30 without a successor (its members' memberships ended).

    Of its four members, ``chair`` and ``gone`` have nothing newer; ``member_now`` is a member of
    another union today; ``ended_later`` joined another union and left it in 2023.
    """
    numbers = {key: id_number(seq=500 + i, birth=D(1975 + i, 2, 3)) for i, key in enumerate(("gone", "now", "later"))}
    union = f.started_union(on=D(2018, 3, 1))
    chair = f.enroll(union, on=D(2018, 3, 2), trade="木工", phone="13800000001")
    gone = f.enroll(
        union, on=D(2018, 3, 2), id_number=numbers["gone"], name="李四", trade="钢筋工", phone="13900000002"
    )
    f.enroll(union, on=D(2018, 4, 2), id_number=numbers["now"], name="张三", trade="钢筋工")
    f.enroll(union, on=D(2018, 4, 2), id_number=numbers["later"], name="王五", trade="电工")
    f.fire(union, "found", on=D(2018, 3, 5), chair_membership_id=chair.id)
    f.fire(union.project, "complete", on=D(2019, 6, 1))
    f.fire(union, "dissolve", on=DISSOLVED)

    elsewhere = f.started_union(on=D(2021, 3, 1))
    f.enroll(elsewhere, on=D(2021, 3, 2), id_number=numbers["now"], name="张三")
    later = f.enroll(elsewhere, on=D(2021, 3, 2), id_number=numbers["later"], name="王五")
    f.fire(later, "end", on=D(2023, 5, 1), reason="left_site")
    db_session.commit()
    return {
        "chair": chair.worker_id,
        "gone": gone.worker_id,
        "member_now": _by_number(db_session, numbers["now"]),
        "ended_later": _by_number(db_session, numbers["later"]),
        "numbers": numbers,
    }


def _by_number(session, number: str) -> int:
    return workers.find_by_id_number(session, number).id


def _totals(session) -> list[dict]:
    period = reporting.make_period("2018-01-01", "2025-06-30", "2025-06-30")
    return [reporting.report(session, period, by=by).as_dict() for by in (None, "trade", "origin", "year")]


def _freeze(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr("projectunion.dates.today", lambda: day)


def test_five_years_after_dissolution_people_with_nothing_newer_are_anonymised(
    runner, db_session, history, monkeypatch
):
    before = _totals(db_session)
    memberships_before = db_session.scalar(sa.select(sa.func.count()).select_from(Membership))
    _freeze(monkeypatch, D(2024, 6, 30))

    result = runner.invoke(args=["retention", "run"])

    assert result.exit_code == 0, result.output
    assert "Anonymised: 2 people" in result.output
    db_session.expire_all()
    gone = db_session.get(Worker, history["gone"])
    assert gone.name == retention.ANONYMISED_NAME
    assert gone.phone is None and gone.id_encrypted == "" and gone.id_masked == "*" * 18
    assert gone.trade == "钢筋工" and gone.birth_date == D(1975, 1, 1)
    assert workers.find_by_id_number(db_session, history["numbers"]["gone"]) is None
    assert db_session.get(Worker, history["chair"]).name == retention.ANONYMISED_NAME
    for kept in ("member_now", "ended_later"):
        assert db_session.get(Worker, history[kept]).name != retention.ANONYMISED_NAME
    assert workers.find_by_id_number(db_session, history["numbers"]["now"]).name == "张三"
    # the totals, by trade, by origin province and by year, are exactly what they were
    assert _totals(db_session) == before
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Membership)) == memberships_before


def test_the_day_before_the_period_ends_nobody_is_anonymised(runner, db_session, history, monkeypatch):
    _freeze(monkeypatch, D(2024, 6, 29))
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "Anonymised: 0 people" in result.output
    db_session.expire_all()
    assert db_session.get(Worker, history["gone"]).name == "李四"


def test_the_period_is_configurable(app, runner, db_session, history, monkeypatch):
    _freeze(monkeypatch, D(2024, 6, 30))
    app.config[retention.YEARS_KEY] = 6
    assert "Anonymised: 0 people" in runner.invoke(args=["retention", "run"]).output
    assert "Anonymised: 2 people" in runner.invoke(args=["retention", "run", "--years", "5"]).output


def test_every_anonymisation_is_audited_without_the_name_and_runs_once(runner, db_session, history, monkeypatch):
    _freeze(monkeypatch, D(2025, 1, 1))
    assert "Due, nothing changed: 2 people" in runner.invoke(args=["retention", "run", "--dry-run"]).output
    assert db_session.get(Worker, history["gone"]).name == "李四"
    runner.invoke(args=["retention", "run"])
    audited = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "anonymise_worker").order_by(AuditEvent.object_id)
    ).all()
    assert [e.object_id for e in audited] == sorted([history["chair"], history["gone"]])
    assert all("李四" not in str(e.data) for e in audited)
    assert "Anonymised: 0 people" in runner.invoke(args=["retention", "run"]).output
