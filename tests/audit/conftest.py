"""Factories for audit tests: events at chosen moments, and counting the SQL a request runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import event

from app.audit.models import AuditEvent
from app.extensions import db


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


@pytest.fixture
def add_event(app) -> Callable[..., AuditEvent]:  # type: ignore[no-untyped-def]
    """add_event(at, user=None, action="update", kind="trusts", record_id=1, changes=...) ->
    a committed event. Services stamp events with the present moment; the log's date filters
    need events at chosen moments, so these are inserted directly (inserting is all the trail
    allows anyway)."""

    def add(
        at: datetime,
        *,
        user: Any = None,
        action: str = "update",
        kind: str = "trusts",
        record_id: int = 1,
        changes: dict[str, Any] | None = None,
    ) -> AuditEvent:
        audit_event = AuditEvent(
            occurred_at=at, user_id=getattr(user, "id", None), action=action, record_kind=kind,
            record_id=record_id, changes={"name": ["Before", "After"]} if changes is None else changes,
        )
        db.session.add(audit_event)
        db.session.commit()
        return audit_event

    return add


@pytest.fixture
def count_queries(app) -> Callable[[], Any]:  # type: ignore[no-untyped-def]
    """with count_queries() as statements: ... -> the SQL statements run inside the block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
