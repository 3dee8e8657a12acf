"""The digests sent: at most one per owner per day, kept by a unique (owner, day)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import utcnow


class ReminderDigest(db.Model):
    """One owner's digest for one day.

    The row is inserted and committed (the claim, `sent_at` empty) before the message goes, so
    a second run of the command cannot claim the same owner and day; `sent_at` is set once the
    mail server accepted the message. A claim whose sending failed is deleted again.
    """

    __tablename__ = "reminder_digests"
    __table_args__ = (
        UniqueConstraint("owner_id", "sent_on"),
        CheckConstraint("action_count >= 1", name="action_count_positive"),
        CheckConstraint(
            "overdue_count >= 0 AND overdue_count <= action_count", name="overdue_count_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    sent_on: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    action_count: Mapped[int]
    overdue_count: Mapped[int]

    owner = relationship("User")

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
