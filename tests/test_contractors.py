"""Contractor companies: registration with a checked USCC, editing, and the contractor's scope."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from projectunion.exceptions import NotFound, PermissionDenied, ValidationError
from projectunion.services import contractors, crews, memberships, rosters
from tests.factories import roster_csv, roster_person, uscc


def test_register_a_contractor_with_a_valid_code(f, db_session):
    officer = f.user("officer")
    company = contractors.register_contractor(
        db_session,
        officer,
        name="  威海  劳务有限公司 ",
        uscc=uscc(9001).lower()[:9] + " " + uscc(9001)[9:],
        kind="labor_service",
    )
    assert (company.name, company.uscc, company.kind) == ("威海 劳务有限公司", uscc(9001), "labor_service")


@pytest.mark.parametrize(
    "code, text",
    [
        ("", "Enter"),
        ("91371000MA0000001", "18 characters"),
        (uscc(9002)[:-1] + ("0" if uscc(9002)[-1] != "0" else "1"), "check character"),
        ("91371000MA00000I1X", "not a valid"),
    ],
    ids=["missing", "length", "check-character", "format"],
)
def test_a_bad_code_is_refused_with_a_specific_message(f, db_session, code, text):
    with pytest.raises(ValidationError) as info:
        contractors.register_contractor(db_session, f.admin, name="某公司", uscc=code, kind="general")
    with force_locale("en"):
        assert text in str(info.value.fields["uscc"])


def test_codes_are_unique_and_kind_and_name_are_checked(f, db_session):
    existing = f.contractor()
    with pytest.raises(ValidationError) as info:
        contractors.register_contractor(db_session, f.admin, name="", uscc=existing.uscc, kind="builder")
    assert set(info.value.fields) == {"name", "uscc", "kind"}


def test_contractor_users_cannot_register_companies(f, db_session):
    user = f.user("contractor", contractor=f.contractor())
    with pytest.raises(PermissionDenied):
        contractors.register_contractor(db_session, user, name="某公司", uscc=uscc(9003), kind="general")


def test_a_contractor_edits_its_own_company_and_nothing_else(f, db_session):
    mine, theirs = f.contractor(), f.contractor("别家建设")
    user = f.user("contractor", contractor=mine)
    contractors.update_contractor(db_session, user, mine, name="威海建工集团有限公司", kind="subcontractor")
    assert (mine.name, mine.kind) == ("威海建工集团有限公司", "subcontractor")
    with pytest.raises(NotFound):
        contractors.update_contractor(db_session, user, theirs, name="改名")
    with pytest.raises(NotFound):
        contractors.get_contractor(db_session, user, theirs.id)
    assert contractors.visible_contractors(db_session, user) == [mine]


def test_union_side_reads_companies_but_only_the_company_or_an_admin_edits(f, db_session):
    company = f.contractor()
    officer = f.user("officer")
    assert contractors.get_contractor(db_session, officer, company.id) is company
    with pytest.raises(PermissionDenied):
        contractors.update_contractor(db_session, officer, company, name="改名")
    contractors.update_contractor(db_session, f.admin, company, uscc=uscc(9004))
    assert company.uscc == uscc(9004)


def test_workers_status_shows_own_workers_only(f, db_session):
    mine, theirs = f.contractor(), f.contractor("别家建设")
    me, them = f.user("contractor", contractor=mine), f.user("contractor", contractor=theirs)
    my_crew = crews.create_crew(db_session, me, mine, name="木工班")
    their_crew = crews.create_crew(db_session, them, theirs, name="木工班")
    rosters.import_roster(
        db_session, me, my_crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), dry_run=False
    )
    rosters.import_roster(db_session, them, their_crew, roster_csv([roster_person(4)]), dry_run=False)
    union = f.started_union()
    from tests.factories import id_number

    f.enroll(union, id_number=id_number(seq=1), name="工人1")
    memberships.apply(db_session, union, id_number=id_number(seq=2), name="工人2")
    rows = contractors.workers_status(db_session, me, mine)
    assert [(r.worker.name, r.status, r.union_name) for r in rows] == [
        ("工人1", "member", union.name),
        ("工人2", "applied", union.name),
        ("工人3", "none", None),
    ]
    with pytest.raises(NotFound):
        contractors.workers_status(db_session, me, theirs)
