import datetime as dt


def test_project_start_opens_union_and_enroll_found(f, db_session):
    union = f.active_union(members=3)
    assert union.state == "active"
    assert union.founded_on == dt.date(2024, 3, 1)
    assert union.chair is not None
