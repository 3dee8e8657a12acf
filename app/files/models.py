"""Uploaded files (inspection reports now, evidence on actions later): the row describes the
file; its content lives on disk under UPLOAD_FOLDER, named by a random key, never by the name
the uploader gave it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import utcnow


class StoredFile(db.Model):
    __tablename__ = "stored_files"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown and offered as the download's name; made safe (app.domain.files.safe_filename).
    original_filename: Mapped[str] = mapped_column(String(255))
    # From the content, not from what the uploader's browser declared.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # The file's name on disk: random hex, so no upload can choose or guess a path.
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User")

    @property
    def size_label(self) -> str:
        """'2.4 MB', '310 KB': the size as a page shows it."""
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"
