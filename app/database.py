"""Database connection set-up: SQLite pragmas and how write transactions begin.

SQLite is the embedded default and may be served by two gunicorn workers. Three things keep
writes from failing with "database is locked":
- WAL, so readers never block the writer and the writer never blocks readers;
- a busy timeout, so a writer waits for the other worker's write instead of failing at once;
- unsafe requests (POST and friends) and command-line work open their transaction with
  BEGIN IMMEDIATE: a deferred transaction that reads and then writes cannot wait for the lock
  (SQLite reports the deadlock at once, whatever the timeout), an immediate one takes the write
  lock up front and so waits its turn. Safe requests (GET) stay deferred and run concurrently.

PostgreSQL runs at READ COMMITTED, set explicitly in the engine options (app/config.py) rather
than left to the server's default_transaction_isolation. Lost updates are prevented by the app's
own optimistic version checks, not by the isolation level: a form carries the record's version,
a stale one is refused with a 409 before anything is written, and the UPDATE itself says
`WHERE version = <read version>` (SQLAlchemy's version_id_col). Under READ COMMITTED the second
of two concurrent writers waits for the first's row lock, then re-reads the row, finds the
version moved, updates nothing and gets StaleDataError, which app/errors.py shows as the 409
page. REPEATABLE READ or SERIALIZABLE would turn the same race into serialization failures
(SQLSTATE 40001) that every write would have to catch and retry, for no extra safety here; and
READ COMMITTED is also what SQLite's BEGIN IMMEDIATE gives in effect (each write request sees
the last committed state), so both databases answer a race the same way: one success, one 409.
(Actions carry a version today; a record without one is last-writer-wins on both databases.)
"""

from __future__ import annotations

import sqlite3

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wants_write() -> bool:
    return not has_request_context() or request.method not in SAFE_METHODS


def register_database(app: Flask, engine: Engine) -> None:
    """Install the SQLite connection pragmas and transaction mode on the app's engine."""
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Take over transaction control from the sqlite3 module so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
