"""``projectunion backup`` and ``projectunion restore``: a consistent copy of the database, checked
on the way back.

SQLite is copied with its online backup API (a live database, WAL and all, is
copied page by page without stopping the app); PostgreSQL with ``pg_dump -Fc``
and ``pg_restore``. Beside the backup a manifest records what it holds: the
schema revision, the rows of every table and where each audit chain ends. A
restore is only reported good when the restored database matches it: the
schema is at the head this code knows, every table has its rows, and both
audit chains verify up to the same last hash (so a chain cut short shows too).

The data key is not in the database and so never in a backup: a backup alone
lets nobody read an ID number, and a restore needs the key kept apart.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from projectunion import audit_chain
from projectunion.cli_language import option
from projectunion.db import Base
from projectunion.health import head_revision
from projectunion.i18n import _, _l

FORMAT = 1


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _tables() -> list[sa.Table]:
    return list(Base.metadata.sorted_tables)


def describe(connection: sa.Connection) -> dict:
    """What a database holds, as the manifest records it: revision, rows per table, chain ends."""
    revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    counts = {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) for t in _tables()}
    chains = {}
    for table in audit_chain.CHAINED:
        last = connection.execute(
            sa.select(table.c.chain_seq, table.c.chain_hash)
            .where(table.c.chain_seq.is_not(None))
            .order_by(table.c.chain_seq.desc())
            .limit(1)
        ).first()
        chains[table.name] = {"seq": last.chain_seq, "hash": last.chain_hash} if last else {"seq": 0, "hash": None}
    return {"format": FORMAT, "revision": revision, "counts": counts, "chains": chains}


# --- PostgreSQL: the client tools, the password in the environment and never in argv ---------


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise click.ClickException(
            _("%(tool)s is not installed (the PostgreSQL client tools are needed).", tool=command[0])
        )
    result = subprocess.run([tool, *command[1:]], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise click.ClickException(_("%(tool)s failed: %(error)s", tool=command[0], error=result.stderr.strip()))


# --- backup -----------------------------------------------------------------------------------


def backup(engine: sa.Engine, path: Path) -> dict:
    """Write a backup of ``engine``'s database to ``path`` and its manifest beside it."""
    path = Path(path)
    if engine.dialect.name == "sqlite":
        _sqlite_backup(engine, path)
        check = sa.create_engine(f"sqlite:///{path}")
        try:
            with check.connect() as connection:
                manifest = describe(connection)
        finally:
            check.dispose()
    elif engine.dialect.name == "postgresql":
        manifest = _pg_backup(engine, path)
    else:
        raise click.ClickException(_("No backup for %(dialect)s databases.", dialect=engine.dialect.name))
    manifest_path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _sqlite_backup(engine: sa.Engine, path: Path) -> None:
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        raw.close()


def _pg_backup(engine: sa.Engine, path: Path) -> dict:
    """The manifest and the dump see one snapshot, so concurrent writes cannot make them disagree."""
    url, env = _libpq(engine.url)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar()
        manifest = describe(connection)
        _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", "-f", str(path), url], env)
    return manifest


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: dict
    problems: list[str]


def has_data(engine: sa.Engine) -> bool:
    names = set(sa.inspect(engine).get_table_names())
    with engine.connect() as connection:
        return any(
            connection.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() is not None
            for t in _tables()
            if t.name in names
        )


def restore(engine: sa.Engine, path: Path, *, replace: bool = False) -> RestoreReport:
    """Restore ``path`` into ``engine``'s database, then check it against the manifest."""
    path = Path(path)
    try:
        manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise click.ClickException(
            _("%(path)s is missing: it says what the backup holds.", path=manifest_path(path))
        ) from None
    if has_data(engine) and not replace:
        raise click.ClickException(_("The database already holds data; restore into an empty one, or pass --replace."))
    engine.dispose()
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(engine.url.database)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    elif engine.dialect.name == "postgresql":
        url, env = _libpq(engine.url)
        options = ["--clean", "--if-exists"] if replace else []
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *options, "-d", url, str(path)], env)
    else:
        raise click.ClickException(_("No restore for %(dialect)s databases.", dialect=engine.dialect.name))
    return RestoreReport(manifest, check_restored(engine, manifest))


def check_restored(engine: sa.Engine, manifest: dict) -> list[str]:
    """What does not match: the schema head, a table's rows, an audit chain."""
    problems = []
    with engine.connect() as connection:
        found = describe(connection)
        breaks = list(audit_chain.verify(connection))
    head = head_revision()
    if found["revision"] != head:
        problems.append(
            _l(
                "schema at revision %(found)s, this code's head is %(head)s: run `projectunion db upgrade`",
                found=found["revision"],
                head=head,
            )
        )
    for table, rows in manifest["counts"].items():
        if found["counts"].get(table) != rows:
            problems.append(
                _l(
                    "%(table)s: %(found)s rows, the backup holds %(rows)s",
                    table=table,
                    found=found["counts"].get(table),
                    rows=rows,
                )
            )
    for b in breaks:
        problems.append(
            _l(
                "audit chain %(table)s broken at row id %(row)s (position %(position)s): %(reason)s",
                table=b.table,
                row=b.row_id,
                position=b.position,
                reason=b.reason,
            )
        )
    for table, end in manifest["chains"].items():
        if found["chains"].get(table) != end:
            problems.append(
                _l(
                    "audit chain %(table)s ends at position %(found)s, not %(expected)s",
                    table=table,
                    found=found["chains"][table]["seq"],
                    expected=end["seq"],
                )
            )
    return problems


# --- commands ---------------------------------------------------------------------------------


@click.command(
    "backup", help=_l("Back up the database to PATH (and PATH.manifest.json). The data key is not included.")
)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    manifest = backup(current_app.extensions["db_engine"], path)
    rows = sum(manifest["counts"].values())
    click.echo(
        _(
            "Backed up to %(path)s: revision %(revision)s, %(rows)s rows in %(tables)s tables.",
            path=path,
            revision=manifest["revision"],
            rows=rows,
            tables=len(manifest["counts"]),
        )
    )
    click.echo(_("The data key is not in the backup: keep PROJECTUNION_DATA_KEY apart, in the secret store."))


@click.command("restore", help=_l("Restore PATH into the configured (empty) database and check it."))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--replace", is_flag=True, help=_l("Overwrite a database that already holds data."))
@with_appcontext
def restore_command(path: Path, replace: bool) -> None:
    report = restore(current_app.extensions["db_engine"], path, replace=replace)
    for problem in report.problems:
        click.echo(_("PROBLEM: %(problem)s", problem=problem), err=True)
    if report.problems:
        raise SystemExit(1)
    rows = sum(report.manifest["counts"].values())
    click.echo(
        _(
            "Restored %(path)s: schema at head %(head)s, %(rows)s rows as backed up, audit chains intact.",
            path=path,
            head=head_revision(),
            rows=rows,
        )
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
