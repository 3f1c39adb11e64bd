"""A real server for the browser tests: the app on a free 127.0.0.1 port, against a
migrated SQLite file of its own (not the rolled-back test transaction), driven by
headless Chromium through Playwright."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


class Site:
    """What the server was seeded with, for the test to refer to."""

    officer = ("wangjg", "officer-password-1")
    regional = "羊亭镇区域工会"
    elsewhere = "文登营镇宿舍楼项目工会"
    mover = ("刘晓东", "411502198005060031")


@contextmanager
def serve(app) -> Iterator[str]:
    """The app served on a free 127.0.0.1 port in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def live_server():
    from projectunion import create_app, db, migrate
    from tests.views_support import compile_catalogue

    compile_catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'browser.sqlite3'}"
        migrate.upgrade(url)
        app = create_app(
            {"SECRET_KEY": "browser-test", "DATA_KEY": "browser-test-data-key-" + "k" * 32, "DATABASE_URL": url}
        )
        with app.app_context():
            _seed(db.get_session())
        with serve(app) as base:
            yield base


def _seed(session) -> None:
    from projectunion.services import events, jurisdictions, memberships, projects, unions, users

    jurisdictions.load_divisions(session)
    session.commit()
    admin = users.create_user(session, None, username="admin", password="admin-password-1", role="admin")
    users.create_user(
        session,
        admin,
        username=Site.officer[0],
        password=Site.officer[1],
        role="officer",
        display_name="王建国",
        jurisdiction=jurisdictions.by_code(session, "371002"),
        can_reveal_id=True,
    )
    unions.create_standing_union(
        session, admin, kind="regional", name=Site.regional, jurisdiction=jurisdictions.by_code(session, "371002005")
    )
    # Another site, in another district, where one of our workers is a member now.
    other = projects.register_project(
        session,
        admin,
        name="文登营镇宿舍楼",
        permit_no="371003202300007",
        town=jurisdictions.by_code(session, "371003004"),
        registered_on=dt.date(2023, 4, 20),
    )
    events.fire_checked_and_commit(session, admin, other, "start", on=dt.date(2023, 5, 1))
    memberships.enroll(
        session,
        admin,
        other.union,
        id_number=Site.mover[1],
        name=Site.mover[0],
        phone="13905310000",
        trade="木工",
        joined_on=dt.date(2023, 5, 10),
    )


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (a module of its own may drive Playwright after this one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
