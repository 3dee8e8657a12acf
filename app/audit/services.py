"""Writing audit events (and archiving and restoring records, which are audited changes), and
reading a record's events back for its History panel. Every service that changes a record
calls `record` in the same transaction, so a change and its audit event are saved together or
not at all. The audit log page and its CSV export read the trail through app.audit.log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy import inspect as sa_inspect

from app.audit.models import AuditEvent
from app.errors import ValidationError
from app.extensions import db
from app.models_support import utcnow


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


def _signed_in_user() -> Any:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def record(
    action: str,
    subject: Any,
    before: dict[str, Any] | None,
    *,
    actor: Any = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Add an AuditEvent for `subject` with the fields that changed since `before`.

    `before` is the snapshot taken before the change (None for a create); `extra` adds
    values that are not columns (a user's department ids) to the after side. The actor is
    the signed-in user unless given. An update that changed nothing writes no event. The
    subject is flushed first so it has its id.
    """
    db.session.flush()
    after = snapshot(subject) | (extra or {})
    actor = actor if actor is not None else _signed_in_user()
    before = before or {}
    changes = {
        key: [before.get(key), value]
        for key, value in after.items()
        if key not in ("created_at",) and before.get(key) != value
    }
    if action in ("update", "archive", "restore") and not changes:
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


def archive(subject: Any, reason: str, *, actor: Any = None) -> None:
    """Hide a record (an inspection, finding, action or evidence) with who, when and why.

    Archiving is how records leave the lists; nothing is ever deleted.
    """
    if subject.is_archived:
        raise ValidationError({"reason": "This record is already archived."})
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this record is being archived."})
    actor = actor if actor is not None else _signed_in_user()
    before = snapshot(subject)
    subject.archived_at = utcnow()
    subject.archived_by_id = getattr(actor, "id", None)
    subject.archive_reason = reason.strip()[:2000]
    record("archive", subject, before, actor=actor)


def restore(subject: Any, *, actor: Any = None) -> None:
    """Bring an archived record back; the archive's who and why stay in its history."""
    if not subject.is_archived:
        raise ValidationError({"restore": "This record is not archived."})
    before = snapshot(subject)
    subject.archived_at = None
    subject.archived_by_id = None
    subject.archive_reason = None
    record("restore", subject, before, actor=actor)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a record's History panel: plain values for the template."""

    occurred_at: datetime
    who: str
    action: str
    record_kind: str
    record_id: int
    changes: tuple[tuple[str, Any, Any], ...]


# Fields that are bookkeeping, not content, and would only clutter the History panel.
HIDDEN_IN_HISTORY = frozenset({"id", "created_at", "version"})


def history_for(*subjects: Any, limit: int = 200) -> list[HistoryEntry]:
    """The audit events of these records, newest first, with who made each change."""
    from app.auth.models import User

    ids_by_kind: dict[str, list[int]] = {}
    for subject in subjects:
        if subject is not None:
            ids_by_kind.setdefault(sa_inspect(subject).mapper.class_.__tablename__, []).append(subject.id)
    if not ids_by_kind:
        return []
    condition = or_(
        *(and_(AuditEvent.record_kind == k, AuditEvent.record_id.in_(ids)) for k, ids in ids_by_kind.items())
    )
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(condition)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            occurred_at=event.occurred_at,
            who=name or "System",
            action=event.action,
            record_kind=event.record_kind,
            record_id=event.record_id,
            changes=tuple(
                (field, values[0], values[1])
                for field, values in sorted((event.changes or {}).items())
                if field not in HIDDEN_IN_HISTORY
            ),
        )
        for event, name in rows
    ]
