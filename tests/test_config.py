"""Configuration from the environment, the generated secret key, and SQLite's connection set-up."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from app.config import build_config
from app.extensions import db
from app.organisations.models import Trust
from app.organisations.services import create_trust


# -- Settings from the environment ------------------------------------------------------------


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        ("postgres://ql:pw@db.example:5432/ledger", "postgresql+psycopg://ql:pw@db.example:5432/ledger"),
        ("postgresql://ql@db.example/ledger", "postgresql+psycopg://ql@db.example/ledger"),
        ("postgresql+psycopg://ql@db.example/ledger", "postgresql+psycopg://ql@db.example/ledger"),
        ("sqlite:////srv/ledger.sqlite", "sqlite:////srv/ledger.sqlite"),
    ],
)
def test_database_url_from_the_environment(monkeypatch, tmp_path, database_url, expected):
    monkeypatch.setenv("DATABASE_URL", database_url)
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["SQLALCHEMY_DATABASE_URI"] == expected


def test_without_database_url_the_database_is_a_file_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = build_config(tmp_path, {"SECRET_KEY": "x"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'quality-ledger.sqlite'}"


def test_overrides_win_over_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://ql@db.example/ledger")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    config = build_config(
        tmp_path, {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "from-test"}
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert config["SECRET_KEY"] == "from-test"


def test_secret_key_from_the_environment_writes_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert build_config(tmp_path, {})["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_is_generated_once_owner_only_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"  # does not exist yet: first run creates it

    first = build_config(instance, {})["SECRET_KEY"]

    key_file = instance / "secret_key"
    assert key_file.read_text(encoding="utf-8") == first
    assert len(first) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert build_config(instance, {})["SECRET_KEY"] == first
    # A second instance folder gets its own key.
    assert build_config(tmp_path / "other", {})["SECRET_KEY"] != first


# -- SQLite connections -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("foreign_keys", 1), ("journal_mode", "wal")],
)
def test_sqlite_pragmas(sqlite_app, pragma, expected):
    assert db.session.execute(text(f"PRAGMA {pragma}")).scalar() == expected


def test_sqlite_busy_timeout_is_the_configured_one(sqlite_app):
    timeout = db.session.execute(text("PRAGMA busy_timeout")).scalar()
    assert timeout == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"] > 0


@contextmanager
def _statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


@pytest.mark.parametrize(
    ("method", "begin"),
    [
        (None, "BEGIN IMMEDIATE"),  # command-line work and the demo seed
        ("POST", "BEGIN IMMEDIATE"),
        ("PUT", "BEGIN IMMEDIATE"),
        ("DELETE", "BEGIN IMMEDIATE"),
        ("GET", "BEGIN"),
        ("HEAD", "BEGIN"),
    ],
)
def test_sqlite_transactions_begin_immediate_for_writes(sqlite_app, method, begin):
    db.session.rollback()
    with _statements(db.engine) as seen:
        if method is None:
            db.session.execute(text("SELECT 1"))
        else:
            with sqlite_app.test_request_context("/", method=method):
                db.session.execute(text("SELECT 1"))
        db.session.rollback()
    assert seen[0] == begin


@pytest.fixture
def locked_sqlite(sqlite_app) -> Iterator[tuple[Flask, sqlite3.Connection]]:
    """A second app on the same file with a short busy timeout, and another connection that
    holds the write lock with an uncommitted write."""
    db.session.remove()
    path = make_url(sqlite_app.config["SQLALCHEMY_DATABASE_URI"]).database
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SQLITE_BUSY_TIMEOUT_MS": 5000,
        }
    )
    with closing(sqlite3.connect(path, isolation_level=None, check_same_thread=False)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute(
            "INSERT INTO trusts (ods_code, name, created_at) VALUES ('ZZZ', 'Holder', '2026-01-01')"
        )
        with other.app_context():
            yield other, holder
            db.session.remove()
            db.engine.dispose()


def test_a_post_write_waits_for_another_writer_instead_of_failing(locked_sqlite):
    other, holder = locked_sqlite
    release = threading.Timer(0.3, holder.execute, args=("COMMIT",))
    started = time.monotonic()
    release.start()
    try:
        with other.test_request_context("/trusts", method="POST"):
            # Reads, then writes: only a transaction that took the lock up front can wait.
            create_trust(ods_code="R1H", name="Barts Health NHS Trust")
            db.session.commit()
    finally:
        release.join()
    assert time.monotonic() - started >= 0.25
    assert db.session.scalar(select(func.count()).select_from(Trust)) == 2


def test_a_deferred_read_then_write_fails_at_once_under_another_writer(locked_sqlite):
    # Why writes begin IMMEDIATE: a deferred transaction cannot wait for the lock at all.
    other, _holder = locked_sqlite
    started = time.monotonic()
    with other.test_request_context("/", method="GET"):
        with pytest.raises(OperationalError, match="locked"):
            create_trust(ods_code="R1H", name="Barts Health NHS Trust")
        db.session.rollback()
    assert time.monotonic() - started < 2
