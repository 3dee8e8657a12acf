"""The migrations build the whole schema, and the app never builds it itself (STYLE.md).

`flask db upgrade` then `flask db check` run as subprocesses, the way an operator runs them, on a
new empty database: a temporary SQLite file, or on PostgreSQL (TEST_DATABASE_URL set) a database
created for the test on the same server and dropped after it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))


def _libpq(url: str) -> str:
    """A URL psycopg itself accepts (no +driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """DATABASE_URL of a new database with nothing in it."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    import psycopg

    server = _libpq(TEST_DATABASE_URL)
    name = f"ql_migrations_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flask(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "SECRET_KEY": secrets.token_hex(32),  # as in production: the start-up check wants a strong one
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_upgrade_on_an_empty_database_then_check_finds_nothing_to_do(empty_database_url: str):
    upgrade = _flask("db", "upgrade", database_url=empty_database_url)
    assert upgrade.returncode == 0, upgrade.stderr

    check = _flask("db", "check", database_url=empty_database_url)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_creating_the_app_creates_no_tables(tmp_path: Path):
    path = tmp_path / "untouched.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        # Connect once, so an app that created tables on first use would have done so.
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    with closing(sqlite3.connect(path)) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert tables == []
