"""Small helpers the area models share: timestamps, CHECK constraints for enumerations, and
the columns of an archivable record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now, used as a column default (a callable, never a value at import)."""
    return datetime.now(timezone.utc)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps an enumerated column to its values (NULL passes)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class Archivable:
    """Records that are archived, never deleted: hidden by default, with who, when and why.

    Archive and restore go through app.audit.services, which writes their audit events.
    """

    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    archived_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    archive_reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def archived_by(cls) -> Mapped[Any]:
        return relationship("User", foreign_keys=[cls.archived_by_id])  # type: ignore[list-item]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
