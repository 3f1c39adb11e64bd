"""GET /api/v1/coverage: the rates with their parts, a site's not-yet-members, who may ask, the OpenAPI document."""

from __future__ import annotations

import datetime as dt

import pytest

from projectunion.dates import today
from projectunion.services import crews, site_entries, survey
from tests.api_support import client_for
from tests.factories import id_number


@pytest.fixture
def site(f, db_session):
    started = today() - dt.timedelta(days=40)
    project = f.project(registered_on=started, name="环翠新城")
    f.fire(project, "start", on=started)
    boss = f.user("contractor", contractor=f.contractor())
    crew = crews.create_crew(db_session, boss, boss.contractor, name="架子班", created_on=started)
    for i, name in enumerate(("甲", "乙", "丙", "丁")):
        crews.add_member(
            db_session, boss, crew, id_number=id_number(seq=800 + i), name=f"工人{name}", joined_on=started
        )
    site_entries.enter_site(db_session, boss, project, crew=crew, entered_on=started)
    members = crews.current_members(db_session, crew)
    site_entries.enroll_from_crew(db_session, f.admin, project, crew, worker_ids=[members[0].worker_id])
    survey.decline(db_session, f.admin, project, members[1].worker_id)
    return project


def test_staff_get_both_rates_with_numerators_and_denominators(f, client, db_session, site):
    api = client_for(client, db_session, f.user("union_staff", jurisdiction=f.huancui))
    response = api.get("/coverage")
    assert response.status_code == 200, response.json
    total = response.json["total"]
    assert total["membership_rate"] == {"rate": 0.25, "numerator": 1, "denominator": 4}
    assert total["founding_rate"] == {"rate": 0.0, "numerator": 0, "denominator": 1}
    assert response.json["jurisdiction_code"] == "371002" and response.json["not_yet_members"] is None
    by_trade = api.get("/coverage", by="trade").json["rows"]
    assert by_trade[0]["rates"]["founding_rate"]["rate"] is None  # sites have no trade
    earlier = api.get("/coverage", as_of=(today() - dt.timedelta(days=41)).isoformat()).json["total"]
    assert earlier["membership_rate"]["denominator"] == 0 and earlier["membership_rate"]["rate"] is None
    assert api.get("/coverage", jurisdiction_code="371003").status_code == 403


def test_a_sites_officer_gets_its_not_yet_members_with_masked_ids(f, client, db_session, site):
    officer = f.user("officer", unions=[site.union], jurisdiction=f.huancui)
    api = client_for(client, db_session, officer)
    response = api.get("/coverage", project_id=site.id)
    assert response.status_code == 200, response.json
    people = response.json["not_yet_members"]
    assert len(people) == 3
    assert all("*" in p["id_masked"] and p["crew"] == "架子班" for p in people)
    assert sum(1 for p in people if p["declined_on"]) == 1
    assert api.get("/coverage").status_code == 403  # an officer asks for a site
    other = client_for(client, db_session, f.user("officer", unions=[f.started_union()], jurisdiction=f.huancui))
    assert other.get("/coverage", project_id=site.id).status_code == 404


def test_coverage_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/api/v1/coverage"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"project_id", "jurisdiction_code", "contractor_id", "as_of", "by"} <= names
    assert "Coverage" in document["components"]["schemas"]
