"""Crew rosters: reading every format and encoding, each row error, one-transaction
commit, idempotent re-import, updates and leavers, and the export round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from projectunion.dates import today
from projectunion.exceptions import NotFound, PermissionDenied
from projectunion.models import AuditEvent, CrewMember, Membership, Worker
from projectunion.services import crews, rosters
from projectunion.services.rosters import RosterFileError
from tests.factories import BAD_CHECK, ROSTER_HEADER, id_number, roster_csv, roster_person, roster_xls, roster_xlsx


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def members(session, crew):
    return {m.worker.name: m for m in crews.current_members(session, crew)}


# --- reading --------------------------------------------------------------------


def test_preview_of_an_xlsx_roster_reports_what_would_happen_and_writes_nothing(db_session, boss, crew):
    data = roster_xlsx([roster_person(1), roster_person(2), roster_person(3)])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=True)
    assert result.as_dict() == {
        "rows": 3,
        "valid": 3,
        "errors": [],
        "committed": False,
        "created": 3,
        "updated": 0,
        "left": 0,
        "unchanged": 0,
        "new_workers": 3,
        "leavers_unknown": False,
        "whole_crew": False,
        "absent": 0,
        "columns": {
            "header_row": 1,
            "read": {
                name: f"{header} ({letter})"
                for name, header, letter in zip(rosters.FIELDS, ROSTER_HEADER, "ABCDE", strict=True)
            },
            "found": [f"{header} ({letter})" for header, letter in zip(ROSTER_HEADER, "ABCDE", strict=True)],
            "ignored": [],
            "missing": [],
            "required": ["name", "id_number"],
        },
    }
    assert [r.row for r in result.rows] == [2, 3, 4]
    assert count(db_session, Worker) == 0
    assert count(db_session, CrewMember) == 0


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8-sig", b""), ("gb18030", b""), ("utf-16", b"")],
    ids=["utf8", "utf8-bom", "gb18030", "utf16-bom"],
)
def test_csv_rosters_in_every_encoding_read_the_same_chinese_names(db_session, boss, crew, encoding, prefix):
    rows = [roster_person(1, "张三"), roster_person(2, "阿依古丽·买买提"), roster_person(3, "欧阳娜娜")]
    data = prefix + roster_csv(rows, encoding=encoding, delimiter="\t" if encoding == "utf-16" else ",")
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert result.errors == []
    assert sorted(members(db_session, crew)) == sorted(["张三", "阿依古丽·买买提", "欧阳娜娜"])


def test_gb18030_is_detected_even_when_it_looks_nothing_like_utf8():
    data = roster_csv([["王𠮷", "x", "", "", ""]], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "王𠮷" in rosters.decode_text(data)


def test_english_headers_variants_title_rows_extra_columns_and_blank_rows(db_session, boss, crew):
    header = ["No.", "Name*", "ID Number", "Mobile", "Trade (工种)", "Entry date", "Remarks"]
    rows = [
        [1, "张三", id_number(seq=1), "138 0000 0001", "木工", dt.date(2024, 3, 1), "team lead"],
        [None, None, None, None, None, None, None],
        [2, "李四", id_number(seq=2), "+86 138-0000-0002", "", "2024/3/2", ""],
    ]
    data = roster_xlsx(rows, header=header, title="威海项目 钢筋班 花名册")
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert result.errors == []
    assert [r.row for r in result.rows] == [3, 5]
    assert set(result.headers) == {"name", "id_number", "phone", "trade", "entered_on"}
    now = members(db_session, crew)
    assert now["张三"].worker.phone == "13800000001"
    assert now["张三"].worker.trade == "木工"
    assert now["李四"].joined_on == dt.date(2024, 3, 2)
    assert now["李四"].worker.trade is None


@pytest.mark.parametrize(
    "header",
    [
        ["姓名", "公民身份号码", "联系电话", "工种", "进场日期"],
        ["姓名", "身份证号码", "手机号码", "工种", "进场时间"],
        ["name", "id_number", "phone", "trade", "entered_on"],
    ],
)
def test_common_header_variants(db_session, boss, crew, header):
    result = rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1)], header=header), dry_run=True)
    assert (result.valid, result.errors) == (1, [])


def test_dates_in_the_usual_spellings(db_session, boss, crew):
    spellings = ["2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日", "20240301", "2024-03-01 08:00:00"]
    rows = [roster_person(i, entered=s) for i, s in enumerate(spellings, start=1)]
    result = rosters.import_roster(db_session, boss, crew, roster_csv(rows), dry_run=True)
    assert result.errors == []
    assert {r.entered_on for r in result.rows} == {dt.date(2024, 3, 1)}


def test_a_missing_entry_date_means_today(db_session, boss, crew):
    result = rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1, entered="")]), dry_run=True)
    assert result.rows[0].entered_on == today()


# --- row errors -------------------------------------------------------------------


def _impossible_birth_date() -> str:
    first17 = "41150219850230007"  # 30 February
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@pytest.mark.parametrize(
    "cells, column, code",
    [
        (["张三", BAD_CHECK, "13800000001", "", ""], "id_number", "id_checksum"),
        (["张三", _impossible_birth_date(), "13800000001", "", ""], "id_number", "id_birth_date"),
        (
            ["张三", id_number(seq=9, birth=today().replace(year=today().year - 15)), "", "", ""],
            "id_number",
            "under_age",
        ),
        (["张三", id_number(seq=9), "12345", "", ""], "phone", "phone_format"),
        (["张三", "411502850304001", "", "", ""], "id_number", "id_15_digits"),
        (["张三", "", "", "", ""], "id_number", "id_required"),
        (["", id_number(seq=9), "", "", ""], "name", "name_required"),
        (["张\u200b三", id_number(seq=9), "", "", ""], "name", "name_chars"),
        (["张三", id_number(seq=9), "", "x" * 51, ""], "trade", "trade_length"),
        (["张三", id_number(seq=9), "", "", "next Tuesday"], "entered_on", "date_format"),
        (["张三", id_number(seq=9), "", "", (today() + dt.timedelta(days=3)).isoformat()], "entered_on", "date_future"),
        (["张三", "4.11502E+17", "", "", ""], "id_number", "id_not_text"),
    ],
    ids=[
        "check-digit",
        "birth-date",
        "under-16",
        "phone",
        "15-digits",
        "id-missing",
        "name-missing",
        "invisible-char",
        "trade-too-long",
        "not-a-date",
        "future-date",
        "excel-scientific",
    ],
)
def test_each_row_error_is_reported_by_row_and_column_and_the_good_rows_still_import(
    db_session, boss, crew, cells, column, code
):
    data = roster_csv([roster_person(1), cells, roster_person(2)])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(3, column, code)]
    assert str(result.errors[0].message)
    assert (result.valid, result.created, result.committed) == (2, 2, True)
    assert sorted(members(db_session, crew)) == ["工人1", "工人2"]


def test_a_numeric_id_cell_in_excel_must_be_text_and_is_never_fixed(db_session, boss, crew):
    number = id_number(seq=4)
    data = roster_xlsx([["张三", int(number[:17] + "0"), "13800000001", "", ""], roster_person(2)])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "id_number", "id_not_text")]
    with force_locale("en"):
        assert "must be text" in str(result.errors[0].message)
    assert sorted(members(db_session, crew)) == ["工人2"]


def test_duplicate_id_inside_the_file_points_at_the_first_row(db_session, boss, crew):
    data = roster_csv([roster_person(1), roster_person(2), roster_person(1, "张三")])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=True)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(4, "id_number", "duplicate_id")]
    assert "2" in str(result.errors[0].message)


def test_id_known_in_the_system_under_another_name(f, db_session, boss, crew):
    union = f.started_union()
    f.enroll(union, id_number=id_number(seq=5), name="王五")
    result = rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(5, "王六")]), dry_run=False)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "name", "id_other_name")]
    assert "王*" in str(result.errors[0].message)
    assert members(db_session, crew) == {}


def test_missing_required_columns_block_the_whole_file(db_session, boss, crew):
    data = roster_csv([["张三", "13800000001"]], header=["姓名", "电话"])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert [(e.row, e.column, e.code) for e in result.errors] == [(1, "id_number", "missing_column")]
    assert (result.valid, result.committed) == (0, False)
    assert count(db_session, Worker) == 0


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "empty_file"),
        (b"PK\x03\x04 not really a workbook", "unreadable_file"),
        ("姓名,身份证号\n".encode(), "empty_file"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(db_session, boss, crew, data, code):
    with pytest.raises(RosterFileError) as info:
        rosters.import_roster(db_session, boss, crew, data, dry_run=True)
    assert info.value.error.code == code
    assert info.value.status == 400


def test_an_old_xls_roster_imports_like_an_xlsx(db_session, boss, crew):
    data = roster_xls([roster_person(1), roster_person(2, "张三", phone="13900000002")])
    result = rosters.import_roster(db_session, boss, crew, data, dry_run=False, filename="花名册.xls")
    assert (result.committed, result.created, result.errors) == (True, 2, [])
    assert members(db_session, crew)["张三"].joined_on == dt.date(2024, 3, 1)


NOT_READABLE = "The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text."


@pytest.mark.parametrize(
    "data, filename, code, message",
    [
        (roster_xls([roster_person(1)])[:2048], "roster.xls", "unreadable_file", NOT_READABLE),
        (roster_xls([roster_person(1)])[:512] + bytes(4096), "roster.xls", "unreadable_file", NOT_READABLE),
        (roster_xlsx([roster_person(1)])[:-200], "roster.xlsx", "unreadable_file", NOT_READABLE),
        ("姓名,身份证号\n张三,1\n".encode(), "roster.xlsx", "unreadable_file", NOT_READABLE),
        ("<table><tr><td>姓名</td></tr></table>".encode(), "roster.xls", "unreadable_file", NOT_READABLE),
        (
            roster_xlsx([roster_person(1)]),
            "roster.csv",
            "wrong_extension",
            "The file is called “roster.csv” but holds an Excel workbook (XLSX): save it again in the format its "
            "name says.",
        ),
        (
            roster_xls([roster_person(1)]),
            "roster.xlsx",
            "wrong_extension",
            "The file is called “roster.xlsx” but holds an old Excel workbook (XLS): save it again in the format its "
            "name says.",
        ),
    ],
    ids=[
        "xls-truncated",
        "xls-zeroed",
        "xlsx-truncated",
        "text-named-xlsx",
        "html-named-xls",
        "xlsx-named-csv",
        "xls-named-xlsx",
    ],
)
def test_a_damaged_or_misnamed_file_says_what_it_is(db_session, boss, crew, data, filename, code, message):
    with force_locale("en"):
        with pytest.raises(RosterFileError) as info:
            rosters.import_roster(db_session, boss, crew, data, dry_run=True, filename=filename)
        assert (info.value.error.code, str(info.value.error.message)) == (code, message)


# --- committing ---------------------------------------------------------------------


def test_commit_registers_workers_in_the_crew_and_never_makes_them_members(f, db_session, boss, crew):
    f.started_union()
    result = rosters.import_roster(
        db_session, boss, crew, roster_xlsx([roster_person(1), roster_person(2)]), dry_run=False
    )
    assert (result.committed, result.created, result.new_workers) == (True, 2, 2)
    assert count(db_session, Membership) == 0
    worker = members(db_session, crew)["工人1"].worker
    assert worker.id_masked == id_number(seq=1)[:2] + "*" * 14 + id_number(seq=1)[-2:]
    assert worker.birth_date == dt.date(1985, 3, 4)
    assert members(db_session, crew)["工人1"].joined_on == dt.date(2024, 3, 1)
    audit = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import_roster")).one()
    assert audit.data["created"] == 2


def test_a_crash_mid_commit_leaves_no_half_roster(f, db_session, boss, crew, monkeypatch):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1, phone="13800000001")]), dry_run=False)
    before = (count(db_session, Worker), count(db_session, CrewMember), count(db_session, AuditEvent))

    def crash(session, values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rosters.importing, "_insert_members", crash)
    data = roster_csv([roster_person(1, phone="13900000009"), roster_person(2), roster_person(3)])
    with pytest.raises(RuntimeError):
        rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    db_session.expire_all()
    assert (count(db_session, Worker), count(db_session, CrewMember), count(db_session, AuditEvent)) == before
    assert members(db_session, crew)["工人1"].worker.phone == "13800000001"


def test_reimporting_the_same_file_changes_nothing(db_session, boss, crew):
    data = roster_xlsx([roster_person(1), roster_person(2), roster_person(3)])
    rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    snapshot = [(m.id, m.worker_id, m.joined_on, m.left_on) for m in crews.member_history(db_session, crew)]
    audits = count(db_session, AuditEvent)
    again = rosters.import_roster(db_session, boss, crew, data, dry_run=False)
    assert (again.created, again.updated, again.left, again.unchanged, again.committed) == (0, 0, 0, 3, True)
    assert [(m.id, m.worker_id, m.joined_on, m.left_on) for m in crews.member_history(db_session, crew)] == snapshot
    assert count(db_session, AuditEvent) == audits


def test_an_updated_roster_updates_phones_and_trades_and_records_who_left(db_session, boss, crew):
    rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1), roster_person(2), roster_person(3)]), dry_run=False
    )
    leader = members(db_session, crew)["工人3"].worker
    crews.set_leader(db_session, boss, crew, leader.id)
    updated = roster_csv([roster_person(1, phone="13999999999"), roster_person(2, trade="架子工"), roster_person(4)])
    assert rosters.import_roster(db_session, boss, crew, updated, dry_run=True).leaving == []
    preview = rosters.import_roster(db_session, boss, crew, updated, dry_run=True, whole_crew=True)
    assert [name for _, name, _ in preview.leaving] == ["工人3"]
    with pytest.raises(rosters.LeaversNotConfirmed):
        rosters.import_roster(db_session, boss, crew, updated, dry_run=False, whole_crew=True)
    result = rosters.import_roster(db_session, boss, crew, updated, dry_run=False, whole_crew=True, confirm_left=1)
    assert (result.created, result.updated, result.left) == (1, 2, 1)
    now = members(db_session, crew)
    assert sorted(now) == ["工人1", "工人2", "工人4"]
    assert now["工人1"].phone == "13999999999"  # the crew's own record
    assert now["工人2"].trade == "架子工"
    assert (now["工人1"].worker.phone, now["工人2"].worker.trade) == ("13800000001", "钢筋工")  # shared: unchanged
    gone = next(m for m in crews.member_history(db_session, crew) if m.worker.name == "工人3")
    assert (gone.joined_on, gone.left_on) == (dt.date(2024, 3, 1), today())
    assert crew.leader_worker_id is None


def test_someone_who_comes_back_gets_a_new_period_and_the_old_one_is_kept(db_session, boss, crew):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1), roster_person(2)]), dry_run=False)
    rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1)]), dry_run=False, whole_crew=True, confirm_left=1
    )
    rosters.import_roster(
        db_session,
        boss,
        crew,
        roster_csv([roster_person(1), roster_person(2, entered=today().isoformat())]),
        dry_run=False,
    )
    periods = [(m.joined_on, m.left_on) for m in crews.member_history(db_session, crew) if m.worker.name == "工人2"]
    assert periods == [(today(), None), (dt.date(2024, 3, 1), today())]


def test_leavers_are_not_guessed_when_an_id_number_is_unreadable(db_session, boss, crew):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1), roster_person(2)]), dry_run=False)
    result = rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1), ["工人2", BAD_CHECK, "", "", ""]]), dry_run=False
    )
    assert result.leavers_unknown and result.left == 0
    assert sorted(members(db_session, crew)) == ["工人1", "工人2"]


def test_a_row_with_a_bad_phone_keeps_its_worker_in_the_crew(db_session, boss, crew):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1), roster_person(2)]), dry_run=False)
    result = rosters.import_roster(
        db_session, boss, crew, roster_csv([roster_person(1), roster_person(2, phone="123")]), dry_run=False
    )
    assert (result.left, result.updated) == (0, 0)
    assert sorted(members(db_session, crew)) == ["工人1", "工人2"]


# --- export -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_round_trip_changes_nothing(db_session, boss, crew, kind):
    rows = [
        roster_person(1, "张三"),
        roster_person(2, "阿依古丽·买买提", trade="=HYPERLINK(1)"),
        roster_person(3, trade=""),
    ]
    rosters.import_roster(db_session, boss, crew, roster_csv(rows), dry_run=False)
    exported = getattr(rosters, f"export_{kind}")(db_session, boss, crew)
    again = rosters.import_roster(db_session, boss, crew, exported, dry_run=False)
    assert again.errors == []
    assert (again.rows and len(again.rows), again.created, again.updated, again.left) == (3, 0, 0, 0)
    assert members(db_session, crew)["阿依古丽·买买提"].worker.trade == "=HYPERLINK(1)"


def test_csv_export_has_a_bom_the_import_headers_and_no_formula(db_session, boss, crew):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1, trade="@SUM(A1)")]), dry_run=False)
    data = rosters.export_csv(db_session, boss, crew)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert lines[0] == ROSTER_HEADER
    # ID number and phone end with a tab, so that Excel keeps them as text (the import strips it)
    assert lines[1] == ["工人1", id_number(seq=1) + "\t", "13800000001\t", "'@SUM(A1)", "2024-03-01"]


def test_xlsx_export_keeps_id_numbers_as_text(db_session, boss, crew):
    rosters.import_roster(db_session, boss, crew, roster_csv([roster_person(1)]), dry_run=False)
    book = openpyxl.load_workbook(io.BytesIO(rosters.export_xlsx(db_session, boss, crew)))
    sheet = book.active
    assert [c.value for c in sheet[1]] == ROSTER_HEADER
    assert sheet["B2"].value == id_number(seq=1)
    assert sheet["B2"].data_type == "s" and sheet["B2"].number_format == "@"
    assert sheet["E2"].value.date() == dt.date(2024, 3, 1)


def test_every_export_is_audited(db_session, boss, crew):
    rosters.export_csv(db_session, boss, crew)
    assert (
        db_session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == crew.id)).all()[-1]
        == "export_roster"
    )


# --- scope --------------------------------------------------------------------------


def test_another_contractor_cannot_import_or_export_the_roster(f, db_session, crew):
    other = f.user("contractor", contractor=f.contractor("别家劳务"))
    with pytest.raises(NotFound):
        rosters.import_roster(db_session, other, crew, roster_csv([roster_person(1)]), dry_run=True)
    with pytest.raises(NotFound):
        rosters.export_csv(db_session, other, crew)


def test_union_officers_read_crews_but_never_export_full_id_numbers(f, db_session, crew):
    officer = f.user("officer", unions=[f.started_union()])
    with pytest.raises(PermissionDenied):
        rosters.export_xlsx(db_session, officer, crew)
    with pytest.raises(PermissionDenied):
        rosters.import_roster(db_session, officer, crew, roster_csv([roster_person(1)]), dry_run=True)


def test_command_line_previews_then_commits_a_roster(runner, db_session, boss, crew, tmp_path):
    good, bad = roster_person(901), roster_person(902)
    bad[1] = bad[1][:-1] + ("0" if bad[1][-1] != "0" else "1")  # wrong check character
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([good, bad]))

    preview = runner.invoke(args=["roster", "import", str(crew.id), str(path), "--user", boss.username])
    assert preview.exit_code == 2, preview.output
    assert "row 3" in preview.output and "Preview: 2 rows, 1 valid, 1 problems; 1 join" in preview.output
    assert count(db_session, CrewMember, CrewMember.crew_id == crew.id) == 0

    done = runner.invoke(args=["roster", "import", str(crew.id), str(path), "--user", boss.username, "--commit"])
    assert done.exit_code == 2, done.output
    assert "Committed: 2 rows, 1 valid" in done.output
    assert count(db_session, CrewMember, CrewMember.crew_id == crew.id) == 1
    assert count(db_session, Membership) == 0  # a roster is not a membership


def test_command_line_refuses_someone_elses_crew(runner, f, crew, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster_csv([roster_person(903)]))
    stranger = f.user("contractor", contractor=f.contractor())
    result = runner.invoke(args=["roster", "import", str(crew.id), str(path), "--user", stranger.username])
    assert result.exit_code not in (0, 2)
    assert count(f.session, CrewMember, CrewMember.crew_id == crew.id) == 0
