"""What one owner's reminder digest says: plain values in and out (no Flask, no SQLAlchemy), so
the wording and the order are tested by tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# "Due soon" reaches this many days ahead, today included: today .. today + 7.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class DigestItem:
    action_id: int
    title: str
    hospital: str
    department: str | None  # None: the action is hospital-wide
    due_on: date
    status: str  # the label, "In progress"
    days_late: int  # 0 when not overdue
    url: str

    @property
    def place(self) -> str:
        return f"{self.hospital}, {self.department}" if self.department else f"{self.hospital} (hospital-wide)"

    @property
    def lateness(self) -> str:
        """'3 days late', '1 day late'; '' when not overdue."""
        if not self.days_late:
            return ""
        return f"{self.days_late} day{'s' if self.days_late != 1 else ''} late"


@dataclass(frozen=True)
class Digest:
    owner_id: int
    owner_name: str
    owner_email: str
    as_of: date
    items: tuple[DigestItem, ...]

    @property
    def overdue(self) -> tuple[DigestItem, ...]:
        return tuple(item for item in self.items if item.days_late)

    @property
    def due_soon(self) -> tuple[DigestItem, ...]:
        return tuple(item for item in self.items if not item.days_late)

    @property
    def subject(self) -> str:
        return "Quality Ledger: " + counts(len(self.overdue), len(self.due_soon))

    @property
    def due_soon_until(self) -> date:
        return window_end(self.as_of)


def window_end(today: date) -> date:
    """The last due date a digest of `today` includes."""
    return today + timedelta(days=DUE_SOON_DAYS)


def counts(overdue: int, due_soon: int) -> str:
    """'3 actions overdue, 2 due within 7 days', leaving out a part that is zero."""
    parts = []
    if overdue:
        parts.append(f"{overdue} action{'s' if overdue != 1 else ''} overdue")
    if due_soon:
        noun = "" if overdue else f" action{'s' if due_soon != 1 else ''}"
        parts.append(f"{due_soon}{noun} due within {DUE_SOON_DAYS} days")
    return ", ".join(parts) or "no actions due"


def ordered(items: list[DigestItem]) -> tuple[DigestItem, ...]:
    """Overdue first, the longest overdue first; then the rest by due date. Both are due-date
    order; the title and id only make the order stable."""
    return tuple(sorted(items, key=lambda item: (item.due_on, item.title.lower(), item.action_id)))
