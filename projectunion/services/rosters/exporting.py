"""Exporting a crew's roster in the import's own format, so that the file can be imported again.

The files are written by ``projectunion.exports``, like every other CSV and XLSX.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import sqlalchemy.orm as so
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from projectunion import exports, permissions
from projectunion.exports import Text
from projectunion.models import Crew, User
from projectunion.protection import protector
from projectunion.services import crews as crew_service
from projectunion.services.rosters.reading import EXPORT_HEADERS, FIELDS
from projectunion.services.transaction import audit, unit_of_work

#: Name, ID number, phone, trade, entry date: wide enough to read each without widening.
COLUMN_WIDTHS = (14, 22, 15, 14, 12)


def export_table(
    session: so.Session, actor: User, crew: Crew, file_format: str = "csv"
) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per current member, in the import's own format; audited.

    Only what the crew's own records hold (see :func:`projectunion.permissions.can_export_roster`):
    the name and full number the company registered, the phone and trade of its crew record (never
    the phone or trade a union entered), the day the member joined the crew. The audit row says who,
    which crew, how many rows and the format, never a number.
    """
    permissions.require(crew_service.can_view_crew(actor, crew), private=True)
    permissions.require(permissions.can_export_roster(actor, crew))
    members = crew_service.current_members(session, crew)
    p = protector()
    header = [EXPORT_HEADERS[name] for name in FIELDS]
    rows = []
    for m in members:
        w = m.worker
        phone = m.phone  # the crew's own record
        rows.append([w.name, Text(p.decrypt(w.id_encrypted)), Text(phone) if phone else None, m.trade, m.joined_on])
    with unit_of_work(session):
        audit(session, actor, "export_roster", crew, rows=len(members), format=file_format)
    return header, rows


def export_csv(session: so.Session, actor: User, crew: Crew) -> bytes:
    return exports.csv_bytes(*export_table(session, actor, crew, "csv"))


def export_xlsx(session: so.Session, actor: User, crew: Crew) -> bytes:
    header, rows = export_table(session, actor, crew, "xlsx")
    return exports.xlsx_bytes(header, rows, crew.name, widths=COLUMN_WIDTHS)


#: The example row of the template: the sample number printed in GB 11643 itself, refused on import
#: so that a template filled in below it cannot register a person who does not exist.
EXAMPLE_ROW = {
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "13800000000",
    "trade": "钢筋工",
    "entered_on": "2024-03-01",
}
TEXT_COLUMNS = ("id_number", "phone", "entered_on")


def template_xlsx() -> bytes:
    """An empty roster to fill in: the import's headers, the ID-number and phone columns formatted
    as text (so Excel keeps all 18 characters), and one example row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append([EXPORT_HEADERS[name] for name in FIELDS])
    sheet.append([EXAMPLE_ROW[name] for name in FIELDS])
    bold = Font(bold=True)
    for index, name in enumerate(FIELDS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = COLUMN_WIDTHS[index - 1]
        sheet[f"{letter}1"].font = bold
        if name in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
            sheet[f"{letter}2"].number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
