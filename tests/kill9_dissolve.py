"""Dissolve a union in a process of its own, as the wizard does, for tests/test_kill9.py to kill.

    python tests/kill9_dissolve.py UNION_ID USERNAME DATE SUCCESSOR_ID ENDED_MEMBERSHIP_ID

The database and keys come from the environment, as for the ``projectunion`` command. The script
prints a line ``step`` as each statement that changes the database goes out and as the transaction
is committed, and ``committed`` once it is, so that the test can kill it at each step in turn.
"""

from __future__ import annotations

import datetime as dt
import sys

import sqlalchemy as sa

from projectunion import create_app, db
from projectunion.models import Union, User
from projectunion.services import events

WRITES = ("INSERT", "UPDATE", "DELETE")


def main(union_id: int, username: str, on: dt.date, successor_id: int, ended_id: int) -> None:
    app = create_app()

    def announce_write(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            print("step", *statement.split()[:3], flush=True)

    def announce_commit(conn) -> None:
        print("step COMMIT", flush=True)

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", announce_write)
    sa.event.listen(engine, "commit", announce_commit)
    with app.app_context():
        session = db.get_session()
        actor = session.scalars(sa.select(User).where(User.username == username)).one()
        # What the wizard's last step sends: the date, the successor, one member who ends instead.
        events.fire_checked_and_commit(
            session,
            actor,
            session.get(Union, union_id),
            "dissolve",
            on=on,
            successor_union_id=successor_id,
            decisions={ended_id: {"action": "end", "reason": "left_site"}},
            applications={},
        )
    print("committed", flush=True)


if __name__ == "__main__":
    union, user, day, successor, ended = sys.argv[1:]
    main(int(union), user, dt.date.fromisoformat(day), int(successor), int(ended))
