"""Small helpers the area models share: timestamps and CHECK constraints for enumerations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint


def utcnow() -> datetime:
    """Timezone-aware now, used as a column default (a callable, never a value at import)."""
    return datetime.now(timezone.utc)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps an enumerated column to its values (NULL passes)."""
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
