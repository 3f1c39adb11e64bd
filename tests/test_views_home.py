"""Home page per role (what needs attention, with counts and links) and the lifecycle diagrams."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from projectunion import diagrams, lifecycle
from projectunion.services import memberships, wage_cases
from tests.factories import id_number
from tests.views_support import sign_in, text


@pytest.fixture
def busy(f):
    """One union of each kind of attention: applications, preparing, dissolving, an open wage case."""
    active = f.active_union(members=2)
    for seq in (1, 2, 3):
        memberships.apply(
            f.session, active, id_number=id_number(seq=600 + seq, birth=dt.date(1988, 1, 1)), name=f"申请{seq}"
        )
    preparing = f.started_union()
    dissolving = f.active_union(members=1)
    f.fire(dissolving.project, "complete", on=dt.date(2024, 9, 1))
    worker = f.memberships_of(active.chair.worker)[0].worker
    wage_cases.open_wage_case(f.session, f.admin, active, summary="欠薪", amount_claimed="10", worker_ids=[worker.id])
    return {"active": active, "preparing": preparing, "dissolving": dissolving}


def stat(page: str, label: str) -> int:
    return int(re.search(r"(\d+) " + re.escape(label), page).group(1))


def test_officer_home_counts_what_needs_attention_in_their_unions(client, f, busy):
    officer = f.user("officer", unions=[busy["active"], busy["preparing"], busy["dissolving"]])
    other = f.started_union(town=f.wendeng_town)  # not theirs: not counted
    sign_in(client, officer)
    response = client.get("/")
    page = text(response)
    assert stat(page, "Pending applications") == 3
    assert stat(page, "Unions waiting to be founded") == 1
    assert stat(page, "Completed projects, union still dissolving") == 1
    assert stat(page, "Open wage cases") == 1
    body = response.get_data(as_text=True)
    assert f"/unions/{busy['active'].id}?tab=pending" in body
    assert f"/unions/{busy['dissolving'].id}/dissolve" in body
    assert f"/wage-cases?union_id={busy['active'].id}" in body
    assert "My unions" in page and other.name not in page


def test_staff_home_counts_their_jurisdiction_only(client, f, busy):
    sign_in(client, f.user("union_staff", jurisdiction=f.place("371003")))
    page = text(client.get("/"))
    assert stat(page, "Pending applications") == 0
    assert "Nothing is waiting for you right now." in page
    assert "Overview" in page


def test_city_staff_home_shows_the_overview(client, f, busy):
    sign_in(client, f.user("city_staff"))
    page = text(client.get("/"))
    assert stat(page, "Pending applications") == 3
    assert "Overview" in page and "Project unions" in page


def test_contractor_home_shows_its_projects_without_attention_lists(client, f):
    company = f.contractor()
    project = f.project(general_contractor_id=company.id, name="承建的项目")
    f.project(name="别人的项目")
    sign_in(client, f.user("contractor", contractor=company))
    page = text(client.get("/"))
    assert project.name in page and "别人的项目" not in page
    assert "Needs attention" not in page


def test_officer_without_unions_is_told_how_to_start(client, f):
    sign_in(client, f.user("officer", jurisdiction=f.huancui))
    assert "You do not run a union yet." in text(client.get("/"))


@pytest.mark.parametrize("machine", ["project", "union", "membership", "wage_case", "crew"])
def test_diagram_draws_every_state_and_transition_of_the_declaration(app, machine):
    decl = lifecycle.declaration_of(machine)
    svg = str(diagrams.render(machine))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert re.findall(r'data-state="([a-z_]+)"', svg) == list(decl.states)
    drawn = re.findall(r'class="transition" data-event="([a-z_]+)"', svg)
    assert sorted(drawn) == sorted(t.event for t in decl.transitions for _source in t.source)
    assert 'aria-current="true"' not in svg


def test_diagram_highlights_the_current_state_and_its_ways_out(app):
    svg = str(diagrams.render("union", current="active", vertical=True))
    assert 'data-state="active" aria-current="true"' in svg
    assert svg.count('marker-end="url(#union-arrow-hot)"') == 2  # suspend, begin dissolution


def test_help_page_explains_in_words_and_keeps_every_diagram(client, f):
    sign_in(client, f.user("city_staff"))
    old = client.get("/lifecycles")
    assert old.status_code == 301 and old.headers["Location"].endswith("/help#diagrams")
    body = client.get("/help").get_data(as_text=True)
    assert "How a project union works" in body and "needs at least one active member to act as chair" in body
    assert body.count('class="lifecycle horizontal"') == 5 and body.count('class="lifecycle vertical"') == 5
    assert "Under construction" in body and "Dissolving" in body and "Transferred" in body and "Escalated" in body
    assert 'data-event="close"' in body  # the crew machine's only event


def test_pages_load_nothing_from_other_sites(client, f):
    union = f.active_union(members=1)
    sign_in(client, f.admin)
    for path in ("/", "/help", f"/unions/{union.id}", f"/projects/{union.project_id}", "/account"):
        body = client.get(path).get_data(as_text=True)
        assets = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', body)
        assert assets and all(a.startswith("/") for a in assets), (path, assets)
    for asset in ("/static/app.css", "/static/app.js"):
        with client.get(asset) as response:  # static files are streamed: close them
            assert response.status_code == 200 and "http" not in response.get_data(as_text=True)
