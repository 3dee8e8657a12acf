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


def count_queries(engine: Any = None):  # type: ignore[no-untyped-def]
    """A context manager listing the SQL statements run inside it on `engine` (default: the
    current app's), transaction control left out."""
    from contextlib import contextmanager

    @contextmanager
    def counting():  # type: ignore[no-untyped-def]
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        target = engine if engine is not None else db.engine
        event.listen(target, "before_cursor_execute", count)
        try:
            yield statements
        finally:
            event.remove(target, "before_cursor_execute", count)

    return counting()


def samples(client, url: str, runs: int, warmups: int = 1,  # type: ignore[no-untyped-def]
            engine: Any = None, budget_s: float | None = None) -> tuple[list[float], int, int]:
    """(milliseconds of each of `runs` requests, queries per request, response bytes), after
    `warmups` requests (templates compiled, caches filled). Outside an app context, pass the
    app's `engine`: each request then has its own app context and session, as in production.
    With `budget_s`, stops early once that many seconds are spent (at least 5 requests), so one
    slow page cannot stretch a whole benchmark run."""
    for _ in range(warmups):
        client.get(url).close()
    times = []
    sizes = set()
    began = time.perf_counter()
    with count_queries(engine) as statements:
        for _ in range(runs):
            if budget_s is not None and len(times) >= 5 and time.perf_counter() - began > budget_s:
                break
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            sizes.add(len(body))
            response.close()
    assert len(statements) % len(times) == 0, "the queries differ from one request to the next"
    return times, len(statements) // len(times), max(sizes)


def measure(client, url: str, runs: int) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """(median milliseconds, queries per request, response bytes) over `runs` requests,
    after one warm-up request (templates compiled, caches filled)."""
    times, queries, size = samples(client, url, runs)
    return statistics.median(times), queries, size


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 30 samples is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-int(round(fraction * 1000)) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]
