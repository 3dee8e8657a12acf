"""The audit trail is append-only in the database itself: triggers (migration 0f32b72ffe48)
refuse every UPDATE and DELETE on audit_events, whether it comes as raw SQL or from the ORM."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.audit.models import AuditEvent
from app.extensions import db
from app.organisations.services import create_trust

APP = Path(__file__).resolve().parents[2] / "app"


@pytest.fixture
def trail(app) -> dict:  # type: ignore[no-untyped-def]
    """A real event, written by a service and committed; returns the row as it was saved."""
    create_trust(ods_code="R1H", name="Barts Health NHS Trust")
    db.session.commit()
    return _rows()[0]


def _rows() -> list[dict]:
    db.session.expire_all()
    return [dict(row._mapping) for row in db.session.execute(
        text("SELECT id, occurred_at, user_id, action, record_kind, record_id, changes FROM audit_events")
    )]


def _refused(run) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DatabaseError, match="append-only"):
        run()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'archive' WHERE id = :id",
        "UPDATE audit_events SET changes = '{}'",
        "UPDATE audit_events SET user_id = NULL, occurred_at = occurred_at",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_raw_sql_cannot_change_or_remove_an_event(trail, statement):
    _refused(lambda: db.session.execute(text(statement), {"id": trail["id"]}))
    assert _rows() == [trail]


def test_the_orm_cannot_change_an_event(trail):
    audit_event = db.session.get(AuditEvent, trail["id"])
    audit_event.changes = {"name": [None, "Someone else's trust"]}
    audit_event.record_id = 999
    _refused(db.session.flush)
    assert _rows() == [trail]


def test_the_orm_cannot_delete_an_event(trail):
    db.session.delete(db.session.get(AuditEvent, trail["id"]))
    _refused(db.session.flush)
    assert _rows() == [trail]


def test_a_refused_change_leaves_the_trail_writable(trail):
    _refused(lambda: db.session.execute(text("DELETE FROM audit_events")))
    create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    db.session.commit()
    kinds = db.session.scalars(select(AuditEvent.record_kind).order_by(AuditEvent.id)).all()
    assert kinds == ["trusts", "trusts"]


# -- No application code even tries ----------------------------------------------------------------


def _python_files() -> list[Path]:
    return sorted(APP.rglob("*.py"))


def test_no_application_code_updates_or_deletes_audit_events():
    """A cheap second line behind the triggers: no module builds an UPDATE or DELETE of
    AuditEvent (update(AuditEvent), delete(AuditEvent), a query's .update()/.delete()) nor
    writes one in raw SQL."""
    offences = []
    for path in _python_files():
        source = path.read_text()
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            mentions = "AuditEvent" in ast.unparse(node) or "audit_events" in ast.unparse(node)
            if name in ("update", "delete") and mentions:
                offences.append(f"{path.relative_to(APP.parent)}:{node.lineno}: {ast.unparse(node)[:80]}")
        for line_number, line in enumerate(source.splitlines(), 1):
            upper = line.upper()
            if "AUDIT_EVENTS" in upper and ("UPDATE " in upper or "DELETE " in upper):
                offences.append(f"{path.relative_to(APP.parent)}:{line_number}: {line.strip()[:80]}")
    assert offences == []


def test_the_source_scan_sees_the_app():
    names = {path.name for path in _python_files()}
    assert {"services.py", "models.py", "views.py"} <= names
