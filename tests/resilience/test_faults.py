"""Faults: the database stopped, locked or out of disk, and a worker killed mid-write.

- (a) PostgreSQL stopped under a running app: a 503 page (JSON under /api/) with Retry-After,
  and the app serves again by itself once the server is back (pooled connections are tested
  before use). Needs only the PostgreSQL binaries, so it runs in both passes of the suite.
- (b) SQLite locked past its busy timeout: a 503 with Retry-After; reads go on meanwhile.
- (c) Disk full (a small tmpfs holding the SQLite file and the upload folder): an upload and a
  form save fail with a clear message, leave no file and no row; freed, the same posts succeed.
- (d) A gunicorn worker SIGKILLed while saving an inspection's grid of 50+ cells: afterwards
  PRAGMA integrity_check is ok and the grid is wholly absent; re-sent, it is wholly there.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app import create_app
from app.actions.models import Action, ActionUpdate, Evidence
from app.auth.access import public
from app.auth.services import create_user
from app.demo.documents import pdf
from app.errors import RETRY_AFTER_SECONDS
from app.extensions import db
from app.files.models import StoredFile
from tests.conftest import _login_as, base_config


def _probe(app: Flask) -> None:
    """A test-only /api/ route that needs the database, to see the JSON form of the 503."""

    @public
    def api_probe():  # type: ignore[no-untyped-def]
        db.session.execute(text("SELECT 1"))
        return {"ok": True}

    app.add_url_rule("/api/probe", "api_probe", api_probe, methods=["GET", "POST"])


def _assert_unavailable_page(response, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert words in body
    assert "Traceback" not in body and "sqlite3" not in body and "psycopg" not in body


def _assert_unavailable_json(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.get_json()
    assert body["status"] == 503 and body["errors"] == {} and "database" in body["message"]


# -- (b) SQLite locked past its busy timeout -------------------------------------------------------


@pytest.fixture
def locked_app(sqlite_template: str, tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path / "locked.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**base_config(f"sqlite:///{path}"), "SQLITE_BUSY_TIMEOUT_MS": 100,
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    _probe(app)
    yield app, path
    with app.app_context():
        db.engine.dispose()


def test_sqlite_locked_past_its_timeout_is_a_503_with_retry_after_then_recovers(locked_app):
    app, path = locked_app
    client = app.test_client()
    sign_in = {"email": "nobody@example.nhs.uk", "password": "not the password at all"}
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process's long write
    try:
        _assert_unavailable_page(client.post("/sign-in", data=sign_in), "database is busy")
        _assert_unavailable_json(client.post("/api/probe"))
        # Readers are not blocked by a writer (WAL): pages and the readiness probe still answer.
        assert client.get("/readyz").status_code == 200
        assert client.get("/sign-in").status_code == 200
    finally:
        holder.rollback()
        holder.close()
    response = client.post("/sign-in", data=sign_in)
    assert response.status_code in (200, 400) and "Retry-After" not in response.headers
    assert client.post("/api/probe").get_json() == {"ok": True}



def test_no_free_connection_in_the_pool_in_time_is_a_503_too(sqlite_template, tmp_path, password_hash):
    path = tmp_path / "pool.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**base_config(f"sqlite:///{path}"), "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2}})
    with app.app_context():
        user = create_user(email="viewer@example.nhs.uk", name="Viewer", role="viewer",
                           departments=[], password_hash=password_hash)
        db.session.commit()
        client = _login_as(app.test_client(), user)
        db.session.remove()
        try:
            with db.engine.connect() as only_connection:
                only_connection.execute(text("SELECT 1"))
                _assert_unavailable_page(client.get("/"), "cannot reach its database")
            assert client.get("/").status_code == 200
        finally:
            db.engine.dispose()


# -- (c) Disk full -------------------------------------------------------------------------------

IN_PROGRESS = "Complete and audit mental health risk assessments in the emergency department"  # A&E


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MB file system of its own: tmpfs, or a loop-mounted ext4 file if tmpfs is refused.
    Fails (never skips) when neither can be mounted: the test needs root."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    tried = _run("mount", "-t", "tmpfs", "-o", "size=48m,mode=0700", "tmpfs", str(mount))
    if tried.returncode != 0:
        image = tmp_path / "small-disk.img"
        with open(image, "wb") as handle:
            handle.truncate(48 * 1024 * 1024)
        made = _run("mkfs.ext4", "-q", "-F", str(image))
        looped = _run("mount", "-o", "loop", str(image), str(mount)) if made.returncode == 0 else made
        if looped.returncode != 0:
            pytest.fail(
                "Cannot mount a small file system for the disk-full test (it needs root): "
                f"tmpfs: {tried.stderr.strip()}; loop file: {looped.stderr.strip()}",
                pytrace=False,
            )
    try:
        yield mount
    finally:
        _run("umount", "-l", str(mount))


def _fill(disk: Path) -> Path:
    """Fill the file system to the last byte; returns the filler file to delete."""
    filler = disk / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1024 * 1024, 4096, 1):
            try:
                while os.write(descriptor, b"\0" * size):
                    pass
            except OSError as error:
                assert error.errno == 28, error  # ENOSPC
    finally:
        os.close(descriptor)
    return filler


def _counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Evidence, StoredFile, ActionUpdate)
    ) + (db.session.get(Action, _action_id()).version,)


def _action_id() -> int:
    return db.session.scalar(select(Action.id).where(Action.title == IN_PROGRESS))


@pytest.mark.long
def test_a_full_disk_refuses_uploads_and_saves_cleanly_and_they_succeed_once_space_is_freed(
    small_disk: Path, sqlite_template: str, password_hash: str
):
    from app.demo.services import seed_demo
    from tests.support import department

    path = small_disk / "ledger.sqlite"
    uploads = small_disk / "uploads"
    shutil.copyfile(sqlite_template, path)
    app = create_app({**base_config(f"sqlite:///{path}"), "UPLOAD_FOLDER": str(uploads)})
    # Keeps SQLite's shared-memory file mapped (allocated) while the disk is full, and
    # checkpoints the write-ahead log down to nothing so that the next write must grow it.
    holder = sqlite3.connect(path, isolation_level=None)
    with app.app_context():
        try:
            seed_demo()
            lead = create_user(email="lead@example.nhs.uk", name="A&E lead", role="lead",
                               departments=[department("R1HKH", "urgent")], password_hash=password_hash)
            db.session.commit()
            lead_client = _login_as(app.test_client(), lead)
            action_id = _action_id()
            before = _counts()
            files_before = sorted(p.name for p in uploads.iterdir())
            db.session.commit()
            assert holder.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0

            def upload():  # type: ignore[no-untyped-def]
                version = db.session.get(Action, action_id).version
                db.session.commit()
                return lead_client.post(
                    f"/actions/{action_id}/evidence", content_type="multipart/form-data",
                    data={"version": str(version), "file": (io.BytesIO(pdf("Audit")), "audit.pdf")},
                )

            def progress():  # type: ignore[no-untyped-def]
                version = db.session.get(Action, action_id).version
                db.session.commit()
                return lead_client.post(f"/actions/{action_id}/updates",
                                        data={"version": str(version), "text": "Audit half done."})

            filler = _fill(small_disk)
            for post in (upload, progress):
                response = post()
                _assert_unavailable_page(response, "run out of storage space")
                assert _counts() == before, post.__name__
                assert sorted(p.name for p in uploads.iterdir()) == files_before, post.__name__
                db.session.commit()

            filler.unlink()
            assert upload().status_code == 302
            assert progress().status_code == 302
            after = _counts()
            assert after[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
            assert len(list(uploads.iterdir())) == len(files_before) + 1
            assert holder.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            db.session.remove()
            db.engine.dispose()
            holder.close()


# -- (a) PostgreSQL stopped and started again under a running app ---------------------------------

THROWAWAY_POSTGRES = Path(__file__).resolve().parents[2] / "scripts" / "throwaway-postgres.sh"


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        pytest.fail("PostgreSQL is not installed (/usr/lib/postgresql/*/bin): apt-get install postgresql",
                    pytrace=False)
    return found[-1]


class OwnPostgres:
    """A throwaway cluster (scripts/throwaway-postgres.sh) that can be stopped and started again
    on the same port with its data kept."""

    def __init__(self) -> None:
        started = _run(str(THROWAWAY_POSTGRES), "start")
        assert started.returncode == 0, started.stderr
        settings = dict(
            line.removeprefix("export ").split("=", 1) for line in started.stdout.split("\n") if line
        )
        self.data, self.url = settings["QL_PGDATA"], settings["QL_PG_URL"]
        self.port = self.url.rsplit(":", 1)[1].split("/")[0]

    def _pg_ctl(self, *args: str) -> None:
        command = [str(_postgres_bin() / "pg_ctl"), "-D", f"{self.data}/db", *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = _run(*command)
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self._pg_ctl("-l", f"{self.data}/server.log", "-w", "-o",
                     f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def remove(self) -> None:
        _run(str(THROWAWAY_POSTGRES), "stop", self.data)


@pytest.mark.long
def test_postgres_stopped_gives_503_with_retry_after_and_the_app_recovers_by_itself(password_hash, tmp_path):
    from tests.conftest import _migrate, postgres_url

    _postgres_bin()
    server = OwnPostgres()
    try:
        uri = postgres_url(server.url)
        _migrate(uri)
        app = create_app({**base_config(uri), "UPLOAD_FOLDER": str(tmp_path / "uploads")})
        _probe(app)
        with app.app_context():
            user = create_user(email="quality@example.nhs.uk", name="Quality", role="quality",
                               departments=[], password_hash=password_hash)
            db.session.commit()
            client = _login_as(app.test_client(), user)
            db.session.remove()
        try:
            assert client.get("/").status_code == 200
            assert client.get("/readyz").status_code == 200

            server.stop()
            _assert_unavailable_page(client.get("/"), "cannot reach its database")
            _assert_unavailable_json(client.get("/api/probe"))
            # A 404 page needs the database too (who is signed in, for its header).
            app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: no test re-raise
            _assert_unavailable_page(client.get("/no-such-page"), "cannot reach its database")
            app.config["PROPAGATE_EXCEPTIONS"] = None
            response = client.get("/readyz")
            assert (response.status_code, response.get_json()) == (
                503, {"status": "not ready", "failing": ["database"]})
            assert client.get("/healthz").status_code == 200

            server.start()
            # The same app, not restarted: dead pooled connections are dropped, new ones made.
            assert client.get("/").status_code == 200
            assert client.get("/readyz").get_json() == {"status": "ready"}
            assert client.get("/api/probe").get_json() == {"ok": True}
        finally:
            with app.app_context():
                db.engine.dispose()
    finally:
        server.remove()


# -- (d) A worker SIGKILLed in the middle of a multi-row write -----------------------------------

# The app as gunicorn serves it, plus a test-only pause before each write statement while the
# file named by QL_FAULT_SLOW exists, so that the test can kill the worker between two rows.
FAULT_WSGI = '''
import json, os, time
from sqlalchemy import event
from app import create_app
from app.extensions import db

app = create_app(json.loads(os.environ["QL_FAULT_CONFIG"]))
with app.app_context():
    engine = db.engine


@event.listens_for(engine, "before_cursor_execute")
def _pause_between_rows(conn, cursor, statement, parameters, context, executemany):
    if os.path.exists(os.environ["QL_FAULT_SLOW"]) and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        with open(os.environ["QL_FAULT_LOG"], "a") as log:
            log.write(f"{os.getpid()} {statement.split()[2]}\\n")
        time.sleep(0.05)
'''

PROJECT = Path(__file__).resolve().parents[2]
KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres") else [])


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _http(port: int, method: str, path: str, form: dict[str, str] | None = None,
          cookie: str | None = None, timeout: float = 30):  # type: ignore[no-untyped-def]
    import http.client
    from urllib.parse import urlencode

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie"), response.read()
    finally:
        connection.close()


@pytest.fixture(params=KINDS)
def killable_database(request, sqlite_template: str, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, migrated: a SQLite file, or a new PostgreSQL database on
    the suite's server (dropped afterwards)."""
    if request.param == "sqlite":
        path = tmp_path / "killed.sqlite"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    from tests.conftest import TEST_DATABASE_URL, _migrate, postgres_url

    name = f"ql_sigkill_{os.urandom(4).hex()}"
    admin_url = TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    uri = postgres_url(admin_url.rsplit("/", 1)[0] + "/" + name)
    _migrate(uri)
    try:
        yield uri
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.long
def test_a_worker_killed_mid_grid_leaves_the_grid_wholly_absent_then_a_retry_saves_it_whole(
    killable_database: str, password_hash: str, test_password: str, tmp_path: Path
):
    import json
    import signal
    import sys
    import threading
    import time

    from sqlalchemy import create_engine

    from app.inspections import services as inspections
    from app.inspections.models import Inspection, RatingCell
    from app.inspections.views.ratings import grid_rows
    from app.organisations.models import Hospital
    from app.demo.services import seed_demo

    config = {**base_config(killable_database), "UPLOAD_FOLDER": str(tmp_path / "uploads")}
    app = create_app(config)
    with app.app_context():
        seed_demo()
        create_user(email="quality@example.nhs.uk", name="Quality", role="quality",
                    departments=[], password_hash=password_hash)
        hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
        inspection = inspections.create_inspection(hospital.trust, hospital=hospital,
                                                   inspection_type="comprehensive")
        db.session.commit()
        inspection_id = inspection.id
        grid = {
            inspections.cell_field(row.key, column): "Good"
            for row in grid_rows(inspection) for column in row.columns
        }
        db.session.remove()
        db.engine.dispose()
    assert len(grid) >= 50

    (tmp_path / "fault_wsgi.py").write_text(FAULT_WSGI)
    slow, log = tmp_path / "slow", tmp_path / "writes.log"
    port = _free_port()
    gunicorn_log = tmp_path / "gunicorn.log"
    environment = {
        **{k: v for k, v in os.environ.items() if k != "FLASK_DEBUG"},
        "QL_FAULT_CONFIG": json.dumps(config), "QL_FAULT_SLOW": str(slow), "QL_FAULT_LOG": str(log),
        "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2",
    }
    # The project's own gunicorn.conf.py (read from the working directory), serving the app above.
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--pythonpath", f"{PROJECT},{tmp_path}", "fault_wsgi:app"],
        cwd=PROJECT, env=environment, stdout=subprocess.DEVNULL, stderr=gunicorn_log.open("w"),
    )
    engine = create_engine(killable_database)

    def cells() -> int:
        with engine.connect() as connection:
            return connection.scalar(
                select(func.count()).select_from(RatingCell).where(RatingCell.inspection_id == inspection_id)
            )

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _http(port, "GET", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, (
                f"gunicorn did not start: {gunicorn_log.read_text()}")
            time.sleep(0.2)
        status, set_cookie, _ = _http(port, "POST", "/sign-in",
                                      {"email": "quality@example.nhs.uk", "password": test_password})
        assert status == 302 and set_cookie
        cookie = set_cookie.split(";", 1)[0]

        slow.touch()
        outcome: list[object] = []

        def post_grid() -> None:
            try:
                outcome.append(_http(port, "POST", f"/inspections/{inspection_id}/ratings", grid, cookie)[0])
            except OSError as error:  # the worker died under the request
                outcome.append(error)

        poster = threading.Thread(target=post_grid)
        poster.start()
        deadline = time.monotonic() + 30
        while not (log.exists() and "rating_cells" in log.read_text()):
            assert time.monotonic() < deadline, "the grid's rows were never written"
            time.sleep(0.02)
        time.sleep(0.3)  # a few rows further in
        worker = int(log.read_text().split("\n")[0].split()[0])
        os.kill(worker, signal.SIGKILL)
        poster.join(timeout=30)
        assert outcome and isinstance(outcome[0], OSError), outcome
        written = log.read_text().count("rating_cells")
        assert 0 < written < len(grid), "the worker was not killed between the grid's rows"

        # Wholly absent, and the database intact.
        assert cells() == 0
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

        # gunicorn replaced the worker; the same post now saves the whole grid.
        slow.unlink()
        status, _, _ = _http(port, "POST", f"/inspections/{inspection_id}/ratings", grid, cookie)
        assert status == 302
        assert cells() == len(grid)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with engine.connect() as connection:
            assert connection.scalar(select(Inspection.status).where(Inspection.id == inspection_id)) == "draft"
    finally:
        server.send_signal(signal.SIGINT)  # quick shutdown: the test is over
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        engine.dispose()
