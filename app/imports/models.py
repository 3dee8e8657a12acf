"""The import log: one row per CQC file imported (or tried in a dry run), with its hash, who
imported it, when, and how many records of each kind it created, changed or left unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import one_of, utcnow

FORMATS = ("json", "csv")
# imported: something was created or changed; unchanged: the data was already there (the same
# file twice); dry_run: nothing was written but this row.
OUTCOMES = ("imported", "unchanged", "dry_run")


class ImportLog(db.Model):
    __tablename__ = "import_logs"
    __table_args__ = (
        one_of("file_format", FORMATS),
        one_of("outcome", OUTCOMES),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(10))
    # None when run from the command line without a user.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    dry_run: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(20))
    # {"trusts": {"created": 1, "changed": 0, "unchanged": 0}, "hospitals": {...}, ...}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user = relationship("User")
