"""/healthz and /readyz: public, cheap, no cookie, no audit, and saying nothing but the verdict."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from app import create_app
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import base_config


def _statements(app: Flask) -> list[str]:
    """Every SQL statement the app's engine runs from now on."""
    seen: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args, **kw: seen.append(args[2]))
    return seen


def test_healthz_says_ok_without_touching_the_database_or_setting_a_cookie(app, client):
    statements = _statements(app)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "ok"
    assert "Set-Cookie" not in response.headers
    assert statements == []


def test_readyz_is_ready_with_nothing_else_said(app, client):
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    assert "Set-Cookie" not in response.headers
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    # The probe left no file behind in the upload folder.
    assert list(Path(app.config["UPLOAD_FOLDER"]).iterdir()) == []


def test_both_are_open_to_anyone_signed_in_or_not(app, client, quality_client):
    for each in (client, quality_client):
        assert each.get("/healthz").status_code == 200
        assert each.get("/readyz").status_code == 200


def test_readyz_fails_migrations_when_the_schema_is_not_at_the_head(app, client):
    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        connection.execute(text("UPDATE alembic_version SET version_num = 'aaaaaaaaaaaa'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready", "failing": ["migrations"]}
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_storage_when_the_upload_folder_cannot_take_a_file(app, client, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocker)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"status": "not ready", "failing": ["storage"]}
    assert str(tmp_path) not in response.get_data(as_text=True)


def test_readyz_fails_database_and_healthz_stays_up_when_the_database_cannot_be_opened(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite"
    app = create_app(base_config(f"sqlite:///{missing}"))
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready", "failing": ["database"]}
        assert "no-such-folder" not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()



def test_readyz_gives_up_quickly_when_the_database_is_locked(app, client, database_uri):
    import sqlite3
    import time

    from app.health.services import CHECK_TIMEOUT_MS

    if db.engine.dialect.name == "postgresql":
        holder = db.engine.connect()
        holder.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
    else:
        # Another process holding SQLite's lock in exclusive mode keeps even readers out.
        holder = sqlite3.connect(database_uri.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("SELECT count(*) FROM alembic_version").fetchone()
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
        assert (response.status_code, response.get_json()) == (
            503, {"status": "not ready", "failing": ["database"]})
        assert elapsed < CHECK_TIMEOUT_MS / 1000 + 3
    finally:
        holder.rollback()
        holder.close()
    assert client.get("/readyz").get_json() == {"status": "ready"}


# -- `make serve`: gunicorn with gunicorn.conf.py and the production start-up check -------------

PROJECT = Path(__file__).resolve().parents[2]


def _serve(environment: dict[str, str], log: Path):  # type: ignore[no-untyped-def]
    """gunicorn as `make serve` starts it: the project's gunicorn.conf.py, FLASK_DEBUG unset."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "SECRET_KEY", "DATABASE_URL")}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=PROJECT, env={**env, **environment}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(server) -> None:  # type: ignore[no-untyped-def]
    import signal
    import subprocess

    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_make_serve_runs_the_production_settings_from_gunicorn_conf():
    import subprocess

    # Under another make (make test), make prints "Entering/Leaving directory" lines: read the
    # gunicorn line itself.
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "serve"], cwd=PROJECT,
                             capture_output=True, text=True, check=True)
    serve_line = next(line for line in dry_run.stdout.splitlines() if "gunicorn" in line)
    assert "gunicorn -c gunicorn.conf.py" in serve_line
    assert "env -u FLASK_DEBUG" in serve_line and "FLASK_DEBUG=1" not in serve_line

    settings = {}
    exec((PROJECT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 - our own config file
    assert settings["workers"] == int(os.environ.get("WEB_CONCURRENCY", "2"))
    assert settings["preload_app"] is False
    assert settings["accesslog"] == "-" and settings["graceful_timeout"] > 0 and settings["timeout"] > 0


@pytest.mark.long
def test_gunicorn_refuses_to_start_without_a_secret_key(sqlite_template, tmp_path):
    import subprocess

    log = tmp_path / "gunicorn.log"
    server = _serve({"DATABASE_URL": f"sqlite:///{sqlite_template}", "PORT": str(_free_port()),
                     "WEB_CONCURRENCY": "1", "UPLOAD_FOLDER": str(tmp_path / "uploads")}, log)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _stop(server)
        pytest.fail(f"gunicorn started without SECRET_KEY: {log.read_text()}")
    assert server.returncode != 0
    assert "SECRET_KEY is not set" in log.read_text()


@pytest.mark.long
def test_gunicorn_serves_healthz_and_readyz_with_production_settings(sqlite_template, tmp_path):
    import http.client
    import secrets
    import shutil
    import time

    database = tmp_path / "served.sqlite"
    shutil.copyfile(sqlite_template, database)
    port, log = _free_port(), tmp_path / "gunicorn.log"
    server = _serve({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": secrets.token_hex(32),
                     "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2",
                     "UPLOAD_FOLDER": str(tmp_path / "uploads")}, log)

    def get(path: str):  # type: ignore[no-untyped-def]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, body = get("/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert (status, body) == (200, b"ok")
        assert "Set-Cookie" not in headers and "Strict-Transport-Security" in headers
        status, headers, body = get("/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready"})
        assert "Set-Cookie" not in headers
    finally:
        _stop(server)
    # The access log goes to stdout.
    assert '"GET /readyz HTTP/1.1" 200' in log.read_text()
