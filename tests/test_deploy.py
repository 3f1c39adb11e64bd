"""What an operator relies on: the wheel runs without the checkout, the health check, the proxy setting."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from projectunion import create_app
from projectunion.health import head_revision
from projectunion.permission_matrix import MATRIX, PUBLIC
from tests.conftest import TEST_CONFIG
from tests.databases import PG_URL

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "instance", "*.egg-info", "__pycache__", "*.mo", "artifacts", "results"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a local test server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.skipif(bool(PG_URL), reason="packaging does not depend on the database: checked in the SQLite run")
def test_the_wheel_installed_elsewhere_migrates_and_serves_in_chinese(tmp_path):
    """Built from a copy of the sources (no compiled catalogues), installed into a fresh virtualenv, run elsewhere."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("projectunion-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin/pip"),
            "install",
            "-q",
            "-c",
            str(ROOT / "constraints.txt"),
            f"projectunion[server] @ {wheel.as_uri()}",
        ],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)  # nothing of the sources is left to fall back on

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DATABASE_URL": f"sqlite:///{elsewhere / 'site.sqlite3'}",
        "SECRET_KEY": "wheel-test-secret",
        "PROJECTUNION_DATA_KEY": "wheel-test-data-key-" + "k" * 32,
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)

    where = run(str(venv / "bin/python"), "-c", "import projectunion; print(projectunion.__file__)")
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr
    upgraded = run(str(venv / "bin/projectunion"), "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin/projectunion"), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, body = _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
        assert status == 200 and '"up_to_date":true' in body.replace(" ", "")
        status, body = _get(base + "/sign-in", **{"Accept-Language": "zh-CN"})
        assert status == 200 and "登录" in body, (
            "the sign-in page in Chinese needs the templates and the compiled catalogue"
        )
        status, body = _get(base + "/api/v1/docs")
        assert status == 200 and "openapi.json" in body
        status, body = _get(base + "/api/v1/openapi.json")
        assert status == 200 and '"openapi"' in body
        for asset in ("/static/app.css", "/static/dashboard/dashboard.css"):
            status, _body = _get(base + asset)
            assert status == 200, asset
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert '"GET /sign-in" 200' in log  # the access log, without query strings


def test_health_check_names_the_schema_revision_without_signing_in(app, client):
    response = client.get("/healthz")
    app.extensions["db_engine"].dispose()  # the check used the app's own pool, not the test's connection
    assert response.status_code == 200
    assert response.json == {"status": "ok", "revision": head_revision(), "head": head_revision(), "up_to_date": True}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_check_answers_503_when_the_database_does_not(tmp_path):
    unreachable = (
        sa.make_url(PG_URL).set(port=1).render_as_string(hide_password=False)
        if PG_URL
        else f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    )
    app = create_app({**TEST_CONFIG, "DATABASE_URL": unreachable})
    response = app.test_client().get("/healthz")
    app.extensions["db_engine"].dispose()
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_health_check_answers_503_on_a_database_never_migrated(tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    assert app.test_client().get("/healthz").status_code == 503


def test_behind_a_proxy_the_forwarded_address_and_scheme_are_trusted(database_url, monkeypatch):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "PROXIES": 1})
    seen = {}
    monkeypatch.setitem(MATRIX, "probe", PUBLIC)  # the permission gate serves only the matrix's routes

    @app.get("/_probe")
    def probe():
        from flask import request, url_for

        seen.update(addr=request.remote_addr, url=url_for("health.healthz", _external=True))
        return ""

    app.test_client().get(
        "/_probe",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "union.example"},
    )
    assert seen == {"addr": "203.0.113.7", "url": "https://union.example/healthz"}
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_without_the_proxy_setting_forwarded_headers_are_ignored(app, monkeypatch):
    seen = {}
    monkeypatch.setitem(MATRIX, "probe", PUBLIC)  # the permission gate serves only the matrix's routes

    @app.get("/_probe")
    def probe():
        from flask import request

        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "127.0.0.1"
    assert not app.config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("path", ["/sign-in", "/api/v1/crews/1/roster"])
def test_a_request_over_the_upload_limit_is_refused_before_it_is_read(app, client, path):
    app.config["MAX_CONTENT_LENGTH"] = 2**20
    response = client.post(path, data=b"x" * (2**20 + 1), headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 413
    if path.startswith("/api/"):
        assert response.json["error"]["code"] == "request_entity_too_large"
        assert "1 MB" in response.json["error"]["message"]
    else:
        assert "超过 1 MB" in response.get_data(as_text=True)
