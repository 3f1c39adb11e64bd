"""The city → district → town tree, loaded from a divisions file."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.models import Jurisdiction

DIVISIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "weihai-divisions.json"


def by_code(session: so.Session, code: str | None) -> Jurisdiction | None:
    if not code:
        return None
    return session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()


def _node(session: so.Session, code: str, name: str, level: str, parent: Jurisdiction | None, name_en=None):
    node = by_code(session, code)
    if node is None:
        node = Jurisdiction(
            code=code,
            name=name,
            name_en=name_en,
            level=level,
            parent=parent,
            path=(parent.path if parent else "") + code + "/",
        )
        session.add(node)
    return node


def load_divisions(session: so.Session, path: Path = DIVISIONS_FILE) -> Jurisdiction:
    """Create the tree (idempotent). Town codes are the district code plus three digits."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    city = _node(session, data["city"]["code"], data["city"]["name"], "city", None, data["city"].get("name_en"))
    for district in data["districts"]:
        d = _node(session, district["code"], district["name"], "district", city, district.get("name_en"))
        for i, town in enumerate(district["towns"], start=1):
            _node(session, f"{district['code']}{i:03d}", town, "town", d)
    session.flush()
    return city
