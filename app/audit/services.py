"""Writing audit events. Every service that changes a record calls `record` in the same
transaction, so a change and its audit event are saved together or not at all."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect as sa_inspect

from app.audit.models import AuditEvent
from app.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Secrets are never copied into the trail: a change to them shows as a changed fingerprint.
REDACTED = frozenset({"password_hash", "session_token", "token_hash"})


def snapshot(record: Any) -> dict[str, Any]:
    """The record's column values as JSON-ready plain values (secrets redacted)."""
    mapper = sa_inspect(record).mapper
    values = {}
    for attr in mapper.column_attrs:
        value = getattr(record, attr.key)
        if attr.key in REDACTED:
            # A stable fingerprint (Python's hash() differs per process) shows that it changed.
            digest = hashlib.sha256(str(value).encode()).hexdigest()[:8] if value else None
            value = None if digest is None else f"[redacted {digest}]"
        values[attr.key] = _plain(value)
    return values


def record(action: str, subject: Any, before: dict[str, Any] | None, *, actor: Any = None) -> AuditEvent | None:
    """Add an AuditEvent for `subject` with the fields that changed since `before`.

    `before` is the snapshot taken before the change (None for a create). An update that
    changed nothing writes no event. The subject is flushed first so it has its id.
    """
    db.session.flush()
    after = snapshot(subject)
    before = before or {}
    changes = {
        key: [before.get(key), value]
        for key, value in after.items()
        if key not in ("created_at",) and before.get(key) != value
    }
    if action == "update" and not changes:
        return None
    event = AuditEvent(
        action=action,
        record_kind=sa_inspect(subject).mapper.class_.__tablename__,
        record_id=after["id"],
        user_id=getattr(actor, "id", None),
        changes=changes,
    )
    db.session.add(event)
    return event
