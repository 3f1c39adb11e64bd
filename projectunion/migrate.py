"""Alembic driven from the app: the only way the schema is made or changed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from projectunion import resources


def alembic_config(url: str | None = None, connection=None) -> Config:
    cfg = Config(str(resources.path("alembic.ini")))
    cfg.set_main_option("script_location", str(resources.path("migrations")))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head", connection=None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str | None = None, revision: str = "base", connection=None) -> None:
    command.downgrade(alembic_config(url, connection), revision)


def check(url: str | None = None, connection=None) -> None:
    """Raise if the models and the migrations disagree."""
    command.check(alembic_config(url, connection))
