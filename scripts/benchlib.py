"""What the benchmark scripts share: a throwaway app on its own database, a signed-in test
client, and timing a page (median of N requests, SQL queries per request).

Queries are counted with a before_cursor_execute event; transaction control (SQLite's
BEGIN IMMEDIATE, COMMIT, PRAGMA ...) is not counted as a query.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


def bench_app(database_uri: str) -> Flask:
    """The app on `database_uri` (migrated by the caller), as the tests configure it."""
    return create_app({
        "TESTING": True, "SECRET_KEY": secrets.token_hex(32), "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": database_uri, "SESSION_COOKIE_SECURE": False,
    })


def signed_in(app: Flask, user: Any):  # type: ignore[no-untyped-def]
    """A test client with `user` signed in (the session a sign-in writes)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["started"] = session["seen"] = time.time()
    return client


def measure(client, url: str, runs: int) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """(median milliseconds, queries per request, response bytes) over `runs` requests,
    after one warm-up request (templates compiled, caches filled)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    client.get(url).close()
    times = []
    sizes = set()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            sizes.add(len(body))
            response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) % runs == 0, "the queries differ from one request to the next"
    return statistics.median(times), len(statements) // runs, max(sizes)
