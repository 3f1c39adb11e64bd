"""Exporting a crew's roster in the import's own format, so that the file can be imported again.

The files are written by ``projectunion.exports``, like every other CSV and XLSX.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.orm as so

from projectunion import exports, permissions
from projectunion.exports import Text
from projectunion.models import Crew, User
from projectunion.protection import protector
from projectunion.services import crews as crew_service
from projectunion.services.rosters.reading import EXPORT_HEADERS, FIELDS
from projectunion.services.transaction import audit, unit_of_work

#: Name, ID number, phone, trade, entry date: wide enough to read each without widening.
COLUMN_WIDTHS = (14, 22, 15, 14, 12)


def export_table(session: so.Session, actor: User, crew: Crew) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per current member, in the import's own format; audited."""
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
        audit(session, actor, "export_roster", crew, rows=len(members))
    return header, rows


def export_csv(session: so.Session, actor: User, crew: Crew) -> bytes:
    return exports.csv_bytes(*export_table(session, actor, crew))


def export_xlsx(session: so.Session, actor: User, crew: Crew) -> bytes:
    header, rows = export_table(session, actor, crew)
    return exports.xlsx_bytes(header, rows, crew.name, widths=COLUMN_WIDTHS)
