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


# --- after the anonymisation: the pages that would show the number ----------------------------------


@pytest.fixture
def anonymised(runner, db_session, history, monkeypatch):
    _freeze(monkeypatch, D(2024, 7, 1))
    assert "Anonymised: 2 people" in runner.invoke(args=["retention", "run"]).output
    db_session.expire_all()
    return db_session.get(Worker, history["gone"])


def _reveals(session) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "reveal_id_number")
    )


def test_revealing_the_number_of_an_anonymised_worker_says_when_it_was_anonymised(client, f, db_session, anonymised):
    from tests.views_support import sign_in, text

    sign_in(client, f.admin)
    shown = client.get(f"/workers/{anonymised.id}")
    assert shown.status_code == 200
    assert "This person’s data was anonymised on Jul 1, 2024" in text(shown)
    assert f"/workers/{anonymised.id}/reveal" not in shown.get_data(as_text=True)  # nothing left to reveal
    answer = client.post(f"/workers/{anonymised.id}/reveal", data={"reason": "核对"})
    assert answer.status_code == 410
    assert "This person’s data was anonymised on Jul 1, 2024" in text(answer)
    assert _reveals(db_session) == 0  # nothing was revealed, so nothing is recorded as revealed


def test_nobody_edits_the_contact_details_of_an_anonymised_worker(client, f, db_session, anonymised):
    from tests.views_support import sign_in

    sign_in(client, f.admin)
    shown = client.get(f"/workers/{anonymised.id}").get_data(as_text=True)
    assert f"/workers/{anonymised.id}/contact" not in shown
    answer = client.post(f"/workers/{anonymised.id}/contact", data={"phone": "13800000000", "trade": "木工"})
    assert answer.status_code == 403
    db_session.expire_all()
    assert db_session.get(Worker, anonymised.id).phone is None


def test_the_api_answers_an_anonymised_worker_with_the_day_and_no_number(as_user, f, db_session, anonymised):
    answer = as_user(f.admin).get(f"/workers/{anonymised.id}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["name"] == retention.ANONYMISED_NAME and body["anonymised_on"] == "2024-07-01"
    assert body["id_number_masked"] is None and body["phone"] is None and body["birth_date"] is None
    assert _reveals(db_session) == 0


def test_the_data_report_for_an_anonymised_number_says_nothing_is_held_under_it(
    client, runner, f, db_session, history, anonymised
):
    from tests.views_support import sign_in, text

    number = history["numbers"]["gone"]
    sign_in(client, f.admin)
    page = client.post("/admin/data-report", data={"id_number": number})
    assert page.status_code == 200
    assert "Nobody with this ID number is held" in text(page) and "anonymised under the retention rule" in text(page)
    result = runner.invoke(args=["workers", "report"], input=number + "\n")
    assert "Traceback" not in result.output and "anonymised" in result.output
    assert _reveals(db_session) == 0
