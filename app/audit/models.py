"""The audit trail: one append-only event per change to a record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models_support import one_of, utcnow

AUDIT_ACTIONS = ("create", "update", "archive", "restore")


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        one_of("action", AUDIT_ACTIONS),
        Index("ix_audit_events_record", "record_kind", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # No ON DELETE action: users are deactivated, never deleted, and events are never changed.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int]
    # {"field": [before, after], ...}; for a create, before is null.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
