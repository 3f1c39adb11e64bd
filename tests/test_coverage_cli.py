"""`projectunion stats --coverage`: the same numbers as the pages and the API."""

from __future__ import annotations

import datetime as dt
import json

from projectunion.services import crews, site_entries
from tests.factories import id_number

D = dt.date


def test_stats_coverage_gives_both_rates_with_numerators_and_denominators(runner, f, db_session):
    founded = f.active_union(on=D(2024, 3, 1), members=1)
    unfounded = f.project(registered_on=D(2024, 2, 1))
    f.fire(unfounded, "start", on=D(2024, 3, 1))
    boss = f.user("contractor", contractor=f.contractor())
    crew = crews.create_crew(db_session, boss, boss.contractor, name="一班", created_on=D(2024, 1, 1))
    for i in range(4):
        crews.add_member(
            db_session, boss, crew, id_number=id_number(seq=300 + i), name=f"工{i}", joined_on=D(2024, 1, 5)
        )
    site_entries.enter_site(db_session, boss, founded.project, crew=crew, entered_on=D(2024, 3, 5))
    first = crews.current_members(db_session, crew)[0].worker_id
    site_entries.enroll_from_crew(
        db_session, f.admin, founded.project, crew, worker_ids=[first], joined_on=D(2024, 3, 6)
    )

    result = runner.invoke(args=["stats", "--coverage", "--as-of", "2024-04-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["totals"]
    assert data["founding_rate"] == {"rate": 0.5, "numerator": 1, "denominator": 2}
    assert data["membership_rate"] == {"rate": 0.25, "numerator": 1, "denominator": 4}

    result = runner.invoke(args=["stats", "--coverage", "--as-of", "2024-03-04", "--by", "site"])
    assert result.exit_code == 0, result.output
    assert "founding_rate" in result.output and founded.project.name in result.output

    result = runner.invoke(
        args=["stats", "--coverage", "--from", "2024-01-01", "--to", "2024-04-30", "--as-of", "2024-04-30"]
    )
    assert "2024-02" in result.output and "2024-04" in result.output

    result = runner.invoke(args=["stats", "--by", "site"])
    assert result.exit_code != 0 and "--coverage" in result.output
