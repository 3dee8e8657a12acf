"""The readiness checks a load balancer polls: the database answers, its schema is at the
migrations' head, and the upload storage takes a new file. Each check says only pass or fail;
why a check failed goes to the log, never to the caller.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from app.extensions import db

log = logging.getLogger(__name__)

# A readiness probe must answer quickly: a statement (or a lock wait) longer than this fails it.
CHECK_TIMEOUT_MS = 2000
HEADS_KEY = "health_migration_heads"


@functools.lru_cache(maxsize=None)
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migration scripts in `directory` (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def remember_heads(app: Flask) -> None:
    """At start-up: the scripts' head, so that /readyz never reads the migration files."""
    app.extensions[HEADS_KEY] = migration_heads(app.extensions["migrate"].directory)


class _NotMigrated(Exception):
    """The database has no alembic_version table: it was never migrated."""


def _no_such_table(error: Exception) -> bool:
    return isinstance(error, ProgrammingError) or "no such table" in str(error)


def _revisions_sqlite(path: str) -> frozenset[str]:
    """SQLite: a connection of its own, only reading, with a short busy timeout, so that a lock
    held elsewhere fails the check in seconds (the app's pooled connections wait longer, and
    setting one up takes the lock)."""
    # mode=rw: never create a missing database file (the check would then pass on an empty one).
    connection = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=CHECK_TIMEOUT_MS / 1000)
    try:
        connection.execute("SELECT 1").fetchone()
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError as error:
            if _no_such_table(error):
                raise _NotMigrated from error
            raise
        return frozenset(row[0] for row in rows)
    finally:
        connection.close()


def _revisions_server() -> frozenset[str]:
    """A server database (PostgreSQL): a pooled connection (tested before use; connecting
    gives up after DATABASE_CONNECT_TIMEOUT_SECONDS) and a statement timeout."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {CHECK_TIMEOUT_MS}")
        connection.execute(text("SELECT 1"))
        try:
            return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except ProgrammingError as error:
            raise _NotMigrated from error


def check_database() -> list[str]:
    """[] when the database answers and is at the migrations' head; else the failing check:
    "database" (cannot connect, too slow, locked) or "migrations" (not at the head)."""
    url = db.engine.url
    try:
        if url.get_backend_name() == "sqlite":
            current = _revisions_sqlite(url.database or "")
        else:
            current = _revisions_server()
    except _NotMigrated:
        log.warning("Readiness: the database has no alembic_version table (never migrated)")
        return ["migrations"]
    except Exception as error:  # noqa: BLE001 - any failure here means "not ready"
        log.warning("Readiness: the database does not answer: %s", error)
        return ["database"]
    heads = current_app.extensions[HEADS_KEY]
    if current != heads:
        log.warning("Readiness: the database is at %s, the migrations' head is %s",
                    sorted(current), sorted(heads))
        return ["migrations"]
    return []


def check_storage() -> list[str]:
    """[] when a file can be created, written and removed in the upload folder, else ["storage"]."""
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=".readyz-", dir=folder)
        try:
            os.write(descriptor, b"ready")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
            os.unlink(name)
    except OSError as error:
        log.warning("Readiness: the upload folder is not writable: %s", error)
        return ["storage"]
    return []


def failing_checks() -> list[str]:
    """The checks that fail, in a fixed order: database, migrations, storage."""
    return check_database() + check_storage()
