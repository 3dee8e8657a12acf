"""Per-user API tokens: what an administrator issued, to whom, and whether it still works.

Only the SHA-256 of a token is stored. A token is `ql_` and 32 random bytes (URL-safe base64),
so a fast hash is enough: nobody can guess their way to a preimage, and no salt is needed
because no two tokens are alike.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import utcnow


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The token acts as this user, with the user's role at the time of each request.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The token stops working at the start of this day (UTC); None: it never expires.
    expires_on: Mapped[date | None] = mapped_column(Date)
    # Written at most once a minute (app.api.auth), so a busy client costs no write per request.
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def expired(self, today: date) -> bool:
        return self.expires_on is not None and today >= self.expires_on

    def state(self, today: date) -> str:
        """"Revoked", "Expired" or "Active", in words for the list."""
        if self.revoked_at is not None:
            return "Revoked"
        if self.expired(today):
            return "Expired"
        return "Active"
