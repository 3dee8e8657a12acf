"""Board packs issued to a board: the PDF exactly as it was issued, with who, when and its SHA-256.

The bytes live in their own table, one row per pack, so that listing packs never reads them and
the audit trail (which copies a record's columns) records the pack's digest, not its content.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import utcnow


class IssuedPack(db.Model):
    __tablename__ = "issued_packs"
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        Index("ix_issued_packs_trust_generated", "trust_id", "generated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"))
    # None for a pack of the whole trust.
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300))
    as_of: Mapped[date] = mapped_column(Date)
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)

    trust = relationship("Trust")
    hospital = relationship("Hospital")
    generated_by = relationship("User")
    content: Mapped[IssuedPackContent] = relationship(
        back_populates="pack", cascade="all", lazy="raise_on_sql", uselist=False
    )

    @property
    def filename(self) -> str:
        code = self.hospital.ods_code if self.hospital_id else self.trust.ods_code
        return f"board-pack-{code}-{self.as_of.isoformat()}-issued-{self.id}.pdf"


class IssuedPackContent(db.Model):
    """The PDF bytes of one issued pack, never changed after issue."""

    __tablename__ = "issued_pack_contents"

    pack_id: Mapped[int] = mapped_column(
        ForeignKey("issued_packs.id", ondelete="RESTRICT"), primary_key=True
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)

    pack: Mapped[IssuedPack] = relationship(back_populates="content")
