"""Wage cases (open, list, move through their machine) and service records (record, list)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from projectunion.models import ServiceRecord, WageCase
from tests.views_support import field_errors, flashes, sign_in, text


@pytest.fixture
def union(f):
    return f.active_union(members=3)


@pytest.fixture
def officer(f, union):
    return f.user("officer", jurisdiction=f.huancui, unions=[union])


@pytest.fixture
def workers(f, union):
    return [m.worker for m in sorted(union_members(f, union), key=lambda m: m.id)]


def union_members(f, union):
    from projectunion.models import Membership

    return f.session.scalars(sa.select(Membership).where(Membership.union_id == union.id)).all()


def open_case(client, union, workers, **values):
    data = {
        "summary": "劳务分包拖欠钢筋班组三个月工资",
        "amount_claimed": "86,500.00",
        "contractor_id": "",
        "opened_on": "2024-09-01",
        "worker_ids": [str(w.id) for w in workers],
    }
    data.update(values)
    return client.post(f"/wage-cases/new?union_id={union.id}", data=data, follow_redirects=True)


def test_open_a_wage_case(client, union, officer, workers, db_session):
    sign_in(client, officer)
    form = text(client.get(f"/wage-cases/new?union_id={union.id}"))
    assert all(w.name in form for w in workers)
    response = open_case(client, union, workers[:2])
    assert f"The wage case is opened for {union.name}." in flashes(response)
    case = db_session.scalar(sa.select(WageCase))
    assert case.amount_claimed == Decimal("86500.00") and case.state == "open"
    assert {w.id for w in case.workers} == {w.id for w in workers[:2]}
    page = text(response)
    assert "¥86,500.00" in page and "Start mediation" in page and "Escalate to arbitration or court" in page


def test_open_a_wage_case_refuses_bad_input(client, union, officer, workers, db_session):
    sign_in(client, officer)
    response = open_case(client, union, [], summary="", amount_claimed="lots")
    errors = field_errors(response)
    assert "Describe the case in at most 500 characters." in errors
    assert "Enter an amount in yuan, e.g. 12500.00." in errors
    assert db_session.scalar(sa.select(sa.func.count(WageCase.id))) == 0
    response = open_case(client, union, [])
    assert "Choose the workers involved." in field_errors(response)


def test_wage_case_moves_through_its_machine(client, union, officer, workers, db_session):
    sign_in(client, officer)
    open_case(client, union, workers[:1])
    case = db_session.scalar(sa.select(WageCase))
    client.post(f"/wage-cases/{case.id}/events/mediate", data={"on": "2024-09-05"})
    confirm = client.get(f"/wage-cases/{case.id}/events/resolve")
    assert 'value="86500.00"' in confirm.get_data(as_text=True)
    response = client.post(f"/wage-cases/{case.id}/events/resolve", data={"on": "2024-08-01", "amount_recovered": "1"})
    assert "A case cannot be resolved before it was opened." in field_errors(response)
    response = client.post(
        f"/wage-cases/{case.id}/events/resolve",
        data={"on": "2024-10-01", "amount_recovered": "80000"},
        follow_redirects=True,
    )
    assert "The wage case “劳务分包拖欠钢筋班组三个月工资” is resolved." in flashes(response)
    db_session.refresh(case)
    assert (case.state, case.amount_recovered, case.resolved_on) == (
        "resolved",
        Decimal("80000.00"),
        dt.date(2024, 10, 1),
    )
    assert f"/wage-cases/{case.id}/events/" not in response.get_data(as_text=True)


def test_wage_case_list_filters(client, f, union, officer, workers, db_session):
    sign_in(client, officer)
    open_case(client, union, workers[:1], summary="第一起")
    open_case(client, union, workers[1:2], summary="第二起")
    second = db_session.scalar(sa.select(WageCase).where(WageCase.summary == "第二起"))
    client.post(f"/wage-cases/{second.id}/events/escalate", data={"on": "2024-09-05"})

    def listed(query: str) -> set[str]:
        page = text(client.get("/wage-cases?" + query))
        return {s for s in ("第一起", "第二起") if s in page}

    assert listed("") == {"第一起", "第二起"}
    assert listed("state=escalated") == {"第二起"}
    assert listed("state=unresolved") == {"第一起", "第二起"}
    assert listed("state=resolved") == set()
    assert listed(f"union_id={union.id}&q=第一") == {"第一起"}


def test_record_a_service(client, union, officer, workers, db_session):
    sign_in(client, officer)
    worker = workers[0]
    form = text(client.get(f"/services/new?worker_id={worker.id}"))
    assert union.name in form and "Hardship aid" in form
    response = client.post(
        f"/services/new?worker_id={worker.id}",
        data={
            "union_id": str(union.id),
            "kind": "hardship_aid",
            "served_on": "2024-12-20",
            "amount": "2000",
            "note": "春节慰问",
        },
        follow_redirects=True,
    )
    assert f"Hardship aid for {worker.name} is recorded." in flashes(response)
    record = db_session.scalar(sa.select(ServiceRecord))
    assert (record.kind, record.amount, record.served_on) == ("hardship_aid", Decimal("2000.00"), dt.date(2024, 12, 20))
    assert "Hardship aid" in text(response)  # back on the worker page, in its services
    listing = text(client.get("/services?kind=hardship_aid"))
    assert worker.name in listing and "¥2,000.00" in listing
    assert worker.name not in text(client.get("/services?kind=training"))


def test_record_a_service_refuses_bad_input(client, union, officer, workers, db_session):
    sign_in(client, officer)
    response = client.post(
        f"/services/new?worker_id={workers[0].id}",
        data={"union_id": str(union.id), "kind": "", "served_on": "2024-12-20", "amount": "-5"},
    )
    errors = field_errors(response)
    assert "Choose the kind of service." in errors
    response = client.post(
        f"/services/new?worker_id={workers[0].id}",
        data={"union_id": str(union.id), "kind": "training", "served_on": "2024-12-20", "amount": "-5"},
    )
    assert "Enter an amount in yuan, e.g. 12500.00." in field_errors(response)
    assert db_session.scalar(sa.select(sa.func.count(ServiceRecord.id))) == 0


def test_city_staff_read_cases_but_cannot_open_or_move_them(client, f, union, officer, workers, db_session):
    sign_in(client, officer)
    open_case(client, union, workers[:1])
    case = db_session.scalar(sa.select(WageCase))
    city = f.user("city_staff")
    sign_in(client, city)
    page = client.get(f"/wage-cases/{case.id}")
    assert "劳务分包" in text(page) and f"/wage-cases/{case.id}/events/" not in page.get_data(as_text=True)
    assert client.get(f"/wage-cases/new?union_id={union.id}").status_code == 403
    assert client.post(f"/wage-cases/{case.id}/events/mediate", data={"on": "2024-09-05"}).status_code == 403
    assert client.get(f"/services/new?worker_id={workers[0].id}").status_code == 403
