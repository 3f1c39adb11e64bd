"""Roster pages: upload, the preview by row and column in the user's language, commit, export."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from projectunion.models import CrewMember, Worker
from projectunion.services import crews
from tests.factories import BAD_CHECK, roster_csv, roster_person, roster_xls, roster_xlsx
from tests.test_roster_hostile_files import xls_declared_dimension, xls_far_cell, xls_zeroed
from tests.views_support import field_errors, flashes, sign_in, text


def upload(client, crew, data: bytes, filename: str = "roster.xlsx"):
    return client.post(
        f"/crews/{crew.id}/roster", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def commit(client, crew, preview):
    body = preview.get_data(as_text=True)
    hidden = dict(re.findall(r'<input id="(content|filename)" name="\1" type="hidden" value="([^"]*)"', body))
    return client.post(f"/crews/{crew.id}/roster/commit", data=hidden, follow_redirects=True)


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_preview_lists_every_problem_by_row_and_column_and_saves_nothing(client, db_session, boss, crew):
    sign_in(client, boss)
    data = roster_xlsx([roster_person(1), ["张三", BAD_CHECK, "12345", "", ""], roster_person(2)])
    preview = upload(client, crew, data)
    assert preview.status_code == 200
    page = text(preview)
    assert "3 Rows 2 Valid rows 2 Problems" in page
    assert "3 身份证号 (B) The ID number's check character does not match" in page
    assert "3 手机号 (C) Enter a mainland mobile number" in page
    assert "Import: 2 join, 0 updated, 0 leave" in page
    assert count(db_session, Worker) == 0


def test_the_preview_speaks_the_users_language(client, boss, crew):
    sign_in(client, boss, locale="zh_Hans_CN")
    page = text(upload(client, crew, roster_csv([roster_person(1), ["张三", BAD_CHECK, "", "", ""]]), "roster.csv"))
    assert "检查花名册" in page
    assert "3 身份证号 (B) 身份证号校验位不符，可能有数字录入错误。" in page
    assert "导入：1 人加入，0 人更新，0 人离开" in page


def test_a_file_where_every_row_has_a_problem_does_not_say_the_crew_matches_it(client, boss, crew):
    sign_in(client, boss, locale="zh_Hans_CN")
    header = ["姓名", "身份证号", "手机号", "工种", "进场日子"]  # the last header is misspelt
    page = text(upload(client, crew, roster_csv([["张三", BAD_CHECK, "", "", ""]], header=header), "roster.csv"))
    assert "没有可导入的内容：每一行都有问题。请改正文件后重新检查。" in page
    assert "这个文件没有一行可以导入。" in page
    assert "班组已与该文件一致" not in page
    assert "有效行现在就可以导入" not in page
    assert "工种 ← 工种 (D)。 已忽略： 进场日子 (E)。" in page
    assert "姓名 ← 姓名 (A)；身份证号" in page


def test_a_clean_file_already_in_the_crew_says_nothing_would_change(client, boss, crew):
    sign_in(client, boss)
    data = roster_xlsx([roster_person(1)])
    commit(client, crew, upload(client, crew, data))
    assert "Nothing would change: the crew already matches this file." in text(upload(client, crew, data))


def test_commit_imports_the_valid_rows_and_reimport_changes_nothing(client, db_session, boss, crew):
    sign_in(client, boss)
    data = roster_xlsx([roster_person(1), ["张三", BAD_CHECK, "", "", ""], roster_person(2)])
    response = commit(client, crew, upload(client, crew, data))
    assert "Roster imported: 2 joined, 0 updated, 0 recorded as left, 1 rows with problems skipped." in flashes(
        response
    )
    assert count(db_session, CrewMember) == 2
    again = upload(client, crew, data)
    assert "Nothing to import yet: the valid rows already match the crew." in text(again)


def upload_whole_crew(client, crew, data: bytes, filename: str = "roster.csv"):
    return client.post(
        f"/crews/{crew.id}/roster",
        data={"file": (io.BytesIO(data), filename), "whole_crew": "y"},
        content_type="multipart/form-data",
    )


def commit_form(preview) -> dict[str, str]:
    body = preview.get_data(as_text=True)
    return dict(
        re.findall(
            r'<input id="(content|filename|whole_crew|expected_left)" name="\1" type="hidden" value="([^"]*)"', body
        )
    )


def test_a_one_row_upload_adds_the_new_hire_and_leaves_the_crew_intact(client, db_session, boss, crew):
    sign_in(client, boss)
    commit(client, crew, upload(client, crew, roster_csv([roster_person(n) for n in range(1, 9)]), "r.csv"))
    preview = upload(client, crew, roster_csv([roster_person(9, "新来的")]), "new-hire.csv")
    page = text(preview)
    assert "8 current members are not in this file and stay in the crew: this upload only adds and updates." in page
    assert "Will be recorded as left" not in page and "recorded as having left the crew" not in page
    assert "Import: 1 join, 0 updated, 0 leave" in page
    response = commit(client, crew, preview)
    assert "Roster imported: 1 joined, 0 updated, 0 recorded as left, 0 rows with problems skipped." in flashes(
        response
    )
    assert sorted(m.worker.name for m in crews.current_members(db_session, crew)) == sorted(
        [f"工人{n}" for n in range(1, 9)] + ["新来的"]
    )


def test_a_whole_crew_file_shows_who_will_leave_and_needs_the_count_confirmed(client, db_session, boss, crew):
    sign_in(client, boss)
    commit(
        client, crew, upload(client, crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), "r.csv")
    )
    preview = upload_whole_crew(client, crew, roster_csv([roster_person(1, phone="13999999999")]))
    page = text(preview)
    assert "2 people are not in the file and will be recorded as having left the crew" in page
    assert "工人2" in page and "工人3" in page
    assert "Yes, record 2 people as having left the crew" in page
    assert "Import: 0 join, 1 updated, 2 leave" in page

    unconfirmed = client.post(f"/crews/{crew.id}/roster/commit", data=commit_form(preview))
    assert unconfirmed.status_code == 400
    assert "confirm that number to import it" in text(unconfirmed)
    assert len(crews.current_members(db_session, crew)) == 3

    response = client.post(
        f"/crews/{crew.id}/roster/commit", data={**commit_form(preview), "confirm_left": "y"}, follow_redirects=True
    )
    assert "Roster imported: 0 joined, 1 updated, 2 recorded as left, 0 rows with problems skipped." in flashes(
        response
    )
    assert [m.worker.name for m in crews.current_members(db_session, crew)] == ["工人1"]


def test_a_confirmation_for_another_count_is_refused(client, db_session, boss, crew):
    """The file comes back with the confirmation: if it now leaves more people, the old "yes" does not count."""
    sign_in(client, boss)
    commit(
        client, crew, upload(client, crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), "r.csv")
    )
    preview = upload_whole_crew(client, crew, roster_csv([roster_person(1), roster_person(2)]))
    forged = {**commit_form(preview), "confirm_left": "y"}
    forged["content"] = base64.b64encode(roster_csv([roster_person(1)])).decode()
    response = client.post(f"/crews/{crew.id}/roster/commit", data=forged)
    assert response.status_code == 400
    assert "2 people are not in the file" in text(response)
    assert len(crews.current_members(db_session, crew)) == 3


def test_a_missing_column_blocks_the_import(client, boss, crew):
    sign_in(client, boss)
    page = text(upload(client, crew, roster_csv([["张三", "138"]], header=["姓名", "电话"]), "r.csv"))
    assert "The file has no “ID number” column" in page
    assert "The file cannot be imported until the missing columns are added." in page
    assert "Import:" not in page


def test_a_file_with_the_wrong_headers_says_what_it_found_and_shows_no_empty_rows(client, boss, crew):
    sign_in(client, boss)
    data = roster_xlsx(
        [["张三", "371002198503040012", "x"], ["李四", "371002198503040020", "y"]], header=["Worker", "Card", "Note"]
    )
    preview = upload(client, crew, data, "roster.xlsx")
    page = text(preview)
    assert "Columns found in row 1: Worker (A); Card (B); Note (C)." in page
    assert "Required: Name, ID number. Missing: Name, ID number." in page
    assert "Ignored (not a roster column): Worker (A); Card (B); Note (C)." in page
    assert "Download the roster template (XLSX)" in page
    assert "None" not in page
    assert "What happens" not in page  # no table of rows that could not be read


def test_an_unreadable_file_is_refused_on_the_form(client, boss, crew):
    sign_in(client, boss)
    response = upload(client, crew, b"PK\x03\x04garbage", "roster.xlsx")
    assert "The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text." in field_errors(response)
    empty = client.post(f"/crews/{crew.id}/roster", data={}, content_type="multipart/form-data")
    assert "Choose a roster file (XLSX, XLS, ODS or CSV)." in field_errors(empty)


@pytest.mark.parametrize(
    "make, message",
    [
        (xls_declared_dimension, "The sheet uses cells beyond row 30,000 or column BZ (IV65536)."),
        (xls_far_cell, "The sheet uses cells beyond row 30,000 or column BZ (IV65536)."),
        (xls_zeroed, "The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text."),
    ],
    ids=["declared-dimension", "far-cell", "damaged"],
)
def test_a_hostile_or_damaged_old_xls_is_refused_on_the_form(client, db_session, boss, crew, make, message):
    sign_in(client, boss)
    errors = field_errors(upload(client, crew, make(), "花名册.xls"))
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert count(db_session, Worker) == 0


def test_an_old_xls_roster_is_previewed_and_imported(client, db_session, boss, crew):
    sign_in(client, boss)
    preview = upload(client, crew, roster_xls([roster_person(1), roster_person(2)]), "花名册.xls")
    assert "Import: 2 join, 0 updated, 0 leave" in text(preview)
    commit(client, crew, preview)
    assert count(db_session, CrewMember) == 2


def test_a_tampered_commit_is_checked_again(client, db_session, boss, crew):
    sign_in(client, boss)
    forged = base64.b64encode(roster_csv([["张三", BAD_CHECK, "", "", ""]])).decode()
    response = client.post(
        f"/crews/{crew.id}/roster/commit", data={"content": forged, "filename": "x.csv"}, follow_redirects=True
    )
    assert any(m.startswith("Roster imported: 0 joined") for m in flashes(response))
    assert count(db_session, Worker) == 0
    assert client.post(f"/crews/{crew.id}/roster/commit", data={"content": "%%%", "filename": ""}).status_code == 400


def test_export_downloads_the_import_format(client, db_session, boss, crew):
    sign_in(client, boss)
    commit(client, crew, upload(client, crew, roster_csv([roster_person(1)]), "r.csv"))
    response = client.get(f"/crews/{crew.id}/roster.xlsx")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="roster-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "手机号", "工种", "进场日期"]
    csv_response = client.get(f"/crews/{crew.id}/roster.csv")
    assert csv_response.mimetype == "text/csv" and csv_response.data.startswith(b"\xef\xbb\xbf")
    round_trip = upload(client, crew, csv_response.data, "back.csv")
    assert "Nothing would change" in text(round_trip)


def test_a_crew_whose_name_excel_refuses_as_a_sheet_name_still_exports(client, db_session, boss, company):
    """Excel refuses "/" in a sheet name: the sheet is named without it, and nothing else changes."""
    crew = crews.create_crew(db_session, boss, company, name="钢筋/木工班", created_on=dt.date(2024, 1, 1))
    sign_in(client, boss)
    commit(
        client, crew, upload(client, crew, roster_csv([roster_person(1), roster_person(2, "阿依古丽·买买提")]), "r.csv")
    )

    response = client.get(f"/crews/{crew.id}/roster.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "钢筋 木工班"
    assert [[c.value for c in row][:2] for row in sheet.iter_rows()] == [
        ["姓名", "身份证号"],
        ["工人1", roster_person(1)[1]],
        ["阿依古丽·买买提", roster_person(2)[1]],
    ]
    assert sheet["B2"].data_type == "s"

    csv_response = client.get(f"/crews/{crew.id}/roster.csv")
    assert csv_response.status_code == 200
    lines = list(csv.reader(io.StringIO(csv_response.data.decode("utf-8-sig"))))
    assert [line[:2] for line in lines] == [
        ["姓名", "身份证号"],
        ["工人1", roster_person(1)[1] + "\t"],
        ["阿依古丽·买买提", roster_person(2)[1] + "\t"],
    ]
    for data, name in ((response.data, "back.xlsx"), (csv_response.data, "back.csv")):
        assert "Nothing would change" in text(upload(client, crew, data, name))


_EXCEL_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_EXCEL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def through_excel(data: bytes) -> bytes:
    """What opening a CSV in Excel (General format, Chinese locale) and saving it as "CSV UTF-8" writes.

    A model of the two conversions that matter here, not Excel itself: a field that reads as a
    number becomes one (a double: 15 significant digits) and is saved as General shows it in a
    default-width column, up to 11 digits as they are, longer in scientific notation
    (371002198503040012 → 3.71002E+17); an ISO date is saved as 2024/3/1. Other text is kept.
    """

    def cell(value: str) -> str:
        if _EXCEL_NUMBER.fullmatch(value):
            number = float(value)
            if number.is_integer() and len(str(abs(int(number)))) <= 11:
                return str(int(number))
            mantissa, exponent = f"{number:.5E}".split("E")
            return f"{mantissa.rstrip('0').rstrip('.')}E{exponent[0]}{int(exponent[1:]):02d}"
        if date := _EXCEL_DATE.fullmatch(value):
            return f"{int(date[1])}/{int(date[2])}/{int(date[3])}"
        return value

    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([cell(v) for v in row] for row in rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def test_the_csv_export_survives_a_round_trip_through_excel(client, db_session, boss, crew):
    sign_in(client, boss)
    commit(client, crew, upload(client, crew, roster_csv([roster_person(1), roster_person(2)]), "r.csv"))
    saved = through_excel(client.get(f"/crews/{crew.id}/roster.csv").data)

    ids = [line[1].strip() for line in csv.reader(io.StringIO(saved.decode("utf-8-sig")))][1:]
    assert ids == [roster_person(1)[1], roster_person(2)[1]]  # all 18 characters, not 3.71002E+17
    assert "Nothing would change" in text(upload(client, crew, saved, "saved-by-excel.csv"))


def test_the_crew_page_in_chinese_names_its_leader_and_excel_export_as_people_say_it(client, boss, crew):
    sign_in(client, boss, locale="zh_Hans_CN")
    page = text(client.get(f"/crews/{crew.id}"))
    assert "班组长：—" in page and "班组长:" not in page
    assert "导出 Excel" in page and "XLSX" not in page
