"""Rules of improvement actions: the status workflow, derived overdue, and due-date slippage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

STATUSES: dict[str, str] = {
    "open": "Open",
    "in_progress": "In progress",
    "completed": "Completed (awaiting verification)",
    "verified": "Verified closed",
    "cancelled": "Cancelled",
}

PRIORITIES: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low"}

# Who may move an action where is the access-control issue's business; this is only what moves
# are meaningful. "completed" -> "in_progress" is the quality team sending work back.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "completed", "cancelled"}),
    "in_progress": frozenset({"completed", "cancelled"}),
    "completed": frozenset({"verified", "in_progress"}),
    "verified": frozenset(),
    "cancelled": frozenset(),
}

FINISHED = frozenset({"completed", "verified", "cancelled"})


class InvalidTransition(ValueError):
    """A status change the workflow does not allow."""


def check_transition(current: str, new: str, *, reason: str | None = None) -> None:
    """Raise InvalidTransition unless `current` -> `new` is allowed (cancelling needs a reason)."""
    if new not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            f"An action that is {STATUSES.get(current, current)} cannot become "
            f"{STATUSES.get(new, new)}."
        )
    if new == "cancelled" and not (reason and reason.strip()):
        raise InvalidTransition("Give a reason for cancelling the action.")


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Overdue is derived, never stored: the due date has passed and the work is not finished."""
    return status not in FINISHED and due_on < today


def days_late(status: str, due_on: date, today: date) -> int:
    return (today - due_on).days if is_overdue(status, due_on, today) else 0


@dataclass(frozen=True)
class Slippage:
    times: int
    days: int

    @property
    def label(self) -> str:
        """'slipped twice, 94 days in total'; '' when the due date never moved."""
        if self.times == 0:
            return ""
        words = {1: "once", 2: "twice"}
        count = words.get(self.times, f"{self.times} times")
        unit = "day" if abs(self.days) == 1 else "days"
        return f"slipped {count}, {self.days} {unit} in total"


def slippage(original_due_on: date, due_dates: Sequence[date]) -> Slippage:
    """How often and by how much the due date moved, from the original and each new date in order."""
    if not due_dates:
        return Slippage(0, 0)
    return Slippage(times=len(due_dates), days=(due_dates[-1] - original_due_on).days)
