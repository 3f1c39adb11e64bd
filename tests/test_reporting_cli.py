"""`projectunion stats`: the same totals, under the same names, as table, CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from flask_babel import force_locale

from projectunion.services import memberships
from tests.factories import id_number

D = dt.date


@pytest.fixture(autouse=True)
def english(app):
    """Assert the source strings: outside a request the default locale (Chinese) would apply."""
    with force_locale("en"):
        yield


@pytest.fixture
def history(f, db_session):
    """Two people: one joins a 环翠区 project union and moves to 文登区; one joins in 文登区."""
    first = f.started_union(on=D(2024, 3, 1))
    second = f.started_union(on=D(2024, 3, 1), town=f.wendeng_town)
    m = f.enroll(first, on=D(2024, 3, 2), id_number=id_number(seq=501))
    memberships.transfer_membership(db_session, f.admin, m, second, on=D(2024, 6, 1))
    f.enroll(second, on=D(2024, 7, 1), id_number=id_number(seq=502), trade="木工")


def run(runner, *args):
    return runner.invoke(args=["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "2025-01-31", *args])


def test_table_lists_every_total_by_its_api_name(runner, history):
    result = run(runner)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "威海市: Jan 1, 2024 – Dec 31, 2024, as of Jan 31, 2025 (counted up to Dec 31, 2024)"
    values = dict(line.split()[:2] for line in lines[3:])
    assert values["active_members"] == "2"
    assert values["new_members"] == "2"
    assert values["developed_by_project_unions_cumulative"] == "2"
    assert values["wages_recovered"] == "0.00"
    assert values["services.training.person_times"] == "0"


def test_json_by_district_nests_services_and_gives_money_as_text(runner, history):
    result = run(runner, "--by", "district", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["from"], data["to"], data["as_of"], data["on"]) == (
        "2024-01-01",
        "2024-12-31",
        "2025-01-31",
        "2024-12-31",
    )
    assert data["totals"]["members_in_period"] == 2
    assert data["totals"]["wages_recovered"] == "0.00"
    assert data["totals"]["services"]["legal_aid"] == {"person_times": 0, "people": 0, "amount": "0.00"}
    rows = {r["key"]: r["values"] for r in data["rows"]}
    assert rows["371002"]["new_members"] == 1 and rows["371003"]["new_members"] == 1
    assert rows["371002"]["members_in_period"] == 1 and rows["371003"]["members_in_period"] == 2
    assert data["total_rule"]["members_in_period"] == "distinct"
    assert data["total_rule"]["new_members"] == "sum"


def test_csv_for_a_district_by_trade(runner, history):
    result = run(runner, "--jurisdiction", "371003", "--by", "trade", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    by_label = {r["label"]: r for r in rows}
    assert by_label["木工"]["new_members"] == "1"
    assert by_label["Total"]["active_members"] == "2"
    assert by_label["Total"]["new_members"] == "1"  # the transfer into 文登区 is not a new member there


def test_month_table_says_how_each_total_adds_up(runner, history):
    result = run(runner, "--by", "month")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[1].split()
    assert header[:2] == ["total", "2024-01"] and header[-6:] == ["Total", "total", "is", "what", "it", "counts"]
    active = next(line for line in result.output.splitlines() if line.startswith("active_members "))
    assert " snapshot " in active


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-02-30"], "--from: “2024-02-30” is not a date"),
        (["--from", "2024-06-01", "--to", "2024-05-01"], "--to: The period must end on or after the day it starts."),
        (["--as-of", "2999-01-01"], "--as-of: The as-of date cannot be in the future."),
        (["--jurisdiction", "999999"], "--jurisdiction: There is no jurisdiction with the code 999999."),
    ],
)
def test_bad_options_say_what_is_wrong(runner, f, args, message):
    f.city  # noqa: B018  (the jurisdictions exist)
    result = runner.invoke(args=["stats", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_unknown_breakdown_is_refused_by_the_option_parser(runner):
    result = runner.invoke(args=["stats", "--by", "weather"])
    assert result.exit_code == 2
    assert "district" in result.output
