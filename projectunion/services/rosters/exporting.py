"""Exporting a crew's roster in the import's own format, so that the file can be imported again."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.models import Crew, User
from projectunion.protection import protector
from projectunion.services import crews as crew_service
from projectunion.services.rosters.reading import _FORMULA_START, EXPORT_HEADERS, FIELDS
from projectunion.services.transaction import audit, unit_of_work


def export_rows(session: so.Session, actor: User, crew: Crew) -> list[list[Any]]:
    """Header and one row per current member, in the import's own format; audited."""
    permissions.require(crew_service.can_view_crew(actor, crew), private=True)
    permissions.require(permissions.can_export_roster(actor, crew))
    members = crew_service.current_members(session, crew)
    p = protector()
    rows: list[list[Any]] = [[EXPORT_HEADERS[name] for name in FIELDS]]
    for m in members:
        w = m.worker
        rows.append([w.name, p.decrypt(w.id_encrypted), w.phone or "", w.trade or "", m.joined_on])
    with unit_of_work(session):
        audit(session, actor, "export_roster", crew, rows=len(members))
    return rows


def _guard(value: Any) -> Any:
    """A cell never starts a formula (the import strips the guard again)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(session: so.Session, actor: User, crew: Crew) -> bytes:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in export_rows(session, actor, crew):
        writer.writerow([_guard(v.isoformat() if isinstance(v, dt.date) else v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def export_xlsx(session: so.Session, actor: User, crew: Crew) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rows = export_rows(session, actor, crew)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(crew.name[:31] or "roster")
    for letter, width in zip("ABCDE", (14, 22, 15, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for text in rows[0]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values in rows[1:]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_guard(value))
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.data_type = "s"
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
