"""What new users stumbled on: every error of a form at once, in a summary at the top that
links to each field; sentences instead of stitched labels; no risky preselection; a
project completed with crews on site records their exits."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from projectunion.models import Project, SiteEntry, User
from projectunion.services import crews, rosters, site_entries
from tests.factories import roster_csv, roster_person
from tests.views_support import field_errors, flashes, sign_in, text

ENTERED = dt.date(2024, 3, 5)


def summary(response) -> list[tuple[str | None, str]]:
    """The error summary's lines: (the field id it links to, the line's text)."""
    body = response.get_data(as_text=True)
    box = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', body, re.S)
    if box is None:
        return []
    lines = []
    for item in re.findall(r"<li>(.*?)</li>", box.group(1), re.S):
        link = re.search(r'href="#([^"]+)"', item)
        plain = html.unescape(re.sub(r"<[^>]+>", "", item))
        lines.append((link.group(1) if link else None, re.sub(r"\s+", " ", plain).strip()))
    return lines


@pytest.fixture
def staff(f):
    return f.user("union_staff", jurisdiction=f.huancui)


def test_an_empty_project_form_flags_name_permit_and_town_at_once(client, f, staff, db_session):
    sign_in(client, staff)
    response = client.post("/projects/new", data={"name": "", "permit_no": "", "town_code": ""})
    assert response.status_code == 200
    links = {anchor for anchor, _line in summary(response)}
    assert {"name", "permit_no", "town_code"} <= links
    errors = field_errors(response)
    assert "Enter the project's name (at most 200 characters)." in errors
    assert "Enter the construction-permit number." in errors
    assert "Choose the town (street) where the site is." in errors
    assert db_session.scalar(sa.select(sa.func.count(Project.id))) == 0


def test_an_empty_new_user_form_asks_for_the_role_and_the_name(client, f, db_session):
    sign_in(client, f.admin)
    before = db_session.scalar(sa.select(sa.func.count(User.id)))
    response = client.post("/admin/users/new", data={"username": "", "password": "", "role": "", "display_name": ""})
    lines = dict(summary(response))
    assert lines["role"] == "Role: Choose the account's role."
    assert lines["display_name"] == "Person's name: Enter the person's name."
    assert "username" in lines and "password" in lines
    assert "Unknown role." not in text(response)
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == before


def test_a_page_without_errors_has_no_summary(client, f, staff):
    sign_in(client, staff)
    assert summary(client.get("/projects/new")) == []


def test_event_flashes_are_sentences_not_stitched_labels(client, f, staff, db_session):
    project = f.project(name="文化中心")
    sign_in(client, staff, locale="zh_Hans_CN")
    response = client.post(f"/projects/{project.id}/events/start", data={"on": "2024-03-01"}, follow_redirects=True)
    assert flashes(response)[-1] == "“文化中心”已开工，项目工会进入筹建。"
    assert "（" not in flashes(response)[-1]


def test_dates_show_in_one_format_per_language(client, f, staff):
    project = f.started_union(on=dt.date(2024, 3, 1)).project
    sign_in(client, staff, locale="zh_Hans_CN")
    page = text(client.get(f"/projects/{project.id}"))
    assert "2024年3月1日" in page and "2024-03-01" not in page
    sign_in(client, staff, locale="en")
    page = text(client.get(f"/projects/{project.id}"))
    assert "Mar 1, 2024" in page and "2024-03-01" not in page


def test_a_running_project_offers_enrolling_as_the_primary_action_not_halt(client, f):
    union = f.started_union()
    officer = f.user("officer", unions=[union], jurisdiction=f.huancui)
    sign_in(client, officer)
    body = client.get(f"/projects/{union.project_id}").get_data(as_text=True)
    primary = re.findall(r'class="btn btn-primary" href="([^"]+)"', body)
    assert primary == [f"/unions/{union.id}/enroll"]
    assert f"/projects/{union.project_id}/events/halt" in body


def test_no_lifecycle_diagrams_or_menu_item_for_officers(client, f):
    union = f.started_union()
    sign_in(client, f.user("officer", unions=[union], jurisdiction=f.huancui))
    for path in ("/", f"/projects/{union.project_id}", f"/unions/{union.id}"):
        body = client.get(path).get_data(as_text=True)
        assert 'class="lifecycle' not in body and "Lifecycles" not in body, path
        assert 'href="/help"' in body, path


# --- sites -----------------------------------------------------------------------------


@pytest.fixture
def site(f, db_session):
    """An active union's site with two companies' crews on it; one crew has left."""
    union = f.active_union(members=1)
    ours, theirs = f.contractor("威海建工"), f.contractor("别家劳务")
    boss, rival = f.user("contractor", contractor=ours), f.user("contractor", contractor=theirs)
    crew = crews.create_crew(db_session, boss, ours, name="钢筋一班", created_on=dt.date(2024, 1, 1))
    rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), dry_run=False
    )
    other = crews.create_crew(db_session, rival, theirs, name="木工班", created_on=dt.date(2024, 1, 1))
    gone = crews.create_crew(db_session, rival, theirs, name="瓦工班", created_on=dt.date(2024, 1, 1))
    site_entries.enter_site(db_session, rival, union.project, crew=other, entered_on=ENTERED)
    left = site_entries.enter_site(db_session, rival, union.project, crew=gone, entered_on=ENTERED)
    site_entries.exit_site(db_session, rival, left, dt.date(2024, 6, 1))
    officer = f.user("officer", unions=[union], jurisdiction=f.huancui)
    return {"union": union, "boss": boss, "crew": crew, "other": other, "officer": officer}


def test_a_contractor_with_no_crew_on_a_busy_site_is_told_so_in_its_words(client, site):
    sign_in(client, site["boss"])
    page = text(client.get(f"/sites/{site['union'].project_id}"))
    assert "None of your crews are on this site." in page
    assert "No crew has entered this site" not in page and "木工班" not in page


def test_the_on_site_list_does_not_show_crews_that_left(client, site):
    sign_in(client, site["officer"])
    body = client.get(f"/sites/{site['union'].project_id}").get_data(as_text=True)
    on_site, _sep, left = body.partition("Have left the site")
    assert "木工班" in on_site and "瓦工班" not in on_site and "瓦工班" in left
    project_page = client.get(f"/projects/{site['union'].project_id}").get_data(as_text=True)
    on_site, _sep, left = project_page.partition("Have left the site")
    assert "木工班" in on_site and "瓦工班" not in on_site and "瓦工班" in left


def test_no_crew_and_no_site_is_preselected(client, site):
    sign_in(client, site["officer"])
    body = client.get(f"/sites/{site['union'].project_id}").get_data(as_text=True)
    crew_select = re.search(r'<select[^>]*name="crew_id"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert re.match(r'\s*<option selected value="">Please choose a crew</option>', crew_select)
    refused = client.post(f"/sites/{site['union'].project_id}", data={"crew_id": "", "entered_on": "2024-03-06"})
    assert "Choose the crew that entered the site." in field_errors(refused)
    sign_in(client, site["boss"])
    body = client.get(f"/crews/{site['crew'].id}/enter").get_data(as_text=True)
    site_select = re.search(r'<select[^>]*name="project_id"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert re.match(r'\s*<option selected value="">Please choose a site</option>', site_select)


def test_recording_an_exit_asks_first_naming_the_crew_and_its_workers(client, site, db_session):
    sign_in(client, site["boss"])
    entry = site_entries.enter_site(
        db_session, site["boss"], site["union"].project, crew=site["crew"], entered_on=ENTERED
    )
    asked = client.post(f"/site-entries/{entry.id}/exit", data={"on": "2024-09-30"})
    assert "The crew 钢筋一班, with its 3 workers, leaves the site on Sep 30, 2024." in text(asked)
    assert db_session.get(SiteEntry, entry.id).exited_on is None
    client.post(f"/site-entries/{entry.id}/exit", data={"on": "2024-09-30", "confirmed": "1"})
    assert db_session.get(SiteEntry, entry.id).exited_on == dt.date(2024, 9, 30)


def test_completing_a_project_lists_the_crews_on_site_and_records_their_exit(client, site, f, db_session):
    project = site["union"].project
    sign_in(client, site["officer"])
    confirm = text(client.get(f"/projects/{project.id}/events/complete"))
    assert "1 crew or worker is still on this site:" in confirm and "木工班 · 别家劳务" in confirm
    assert "Completing the project records their exit on the completion date." in confirm
    client.post(f"/projects/{project.id}/events/complete", data={"on": "2024-10-01"})
    db_session.refresh(project)
    assert project.state == "completed"
    open_entries = db_session.scalars(
        sa.select(SiteEntry).where(SiteEntry.project_id == project.id, SiteEntry.exited_on.is_(None))
    ).all()
    assert open_entries == []
    exits = db_session.scalars(sa.select(SiteEntry.exited_on).where(SiteEntry.project_id == project.id)).all()
    assert sorted(exits) == [dt.date(2024, 6, 1), dt.date(2024, 10, 1)]


def test_completion_dated_before_a_crew_entered_is_refused_and_changes_nothing(client, site, db_session):
    project = site["union"].project
    sign_in(client, site["officer"])
    response = client.post(f"/projects/{project.id}/events/complete", data={"on": "2024-03-04"})
    assert ("on", "Date it happened: 木工班 entered the site on Mar 5, 2024, after this completion date.") in summary(
        response
    )
    db_session.refresh(project)
    assert project.state == "under_construction"
