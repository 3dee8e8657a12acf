"""Rules of improvement actions: the status workflow, derived overdue, and due-date slippage."""

from __future__ import annotations

from collections.abc import Collection, Sequence
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

FINISHED = frozenset({"completed", "verified", "cancelled"})
# No more work, progress or evidence: the quality team has closed it one way or the other.
CLOSED = frozenset({"verified", "cancelled"})


@dataclass(frozen=True)
class StatusChange:
    """One button of the workflow: where it may be pressed, where it leads, who may press it
    (a permission of app.domain.access) and whether it needs words (a reason or a comment)."""

    name: str
    label: str  # the button
    sources: frozenset[str]
    to: str
    permission: str
    text_required: bool = False


STATUS_CHANGES: dict[str, StatusChange] = {
    change.name: change
    for change in (
        StatusChange("start", "Start work", frozenset({"open"}), "in_progress", "update_actions"),
        StatusChange("complete", "Mark as completed", frozenset({"open", "in_progress"}), "completed", "update_actions"),
        StatusChange("verify", "Verify and close", frozenset({"completed"}), "verified", "manage_actions"),
        StatusChange("send_back", "Send back", frozenset({"completed"}), "in_progress", "manage_actions", True),
        StatusChange("cancel", "Cancel the action", frozenset({"open", "in_progress"}), "cancelled", "manage_actions", True),
    )
}

# What moves are meaningful, from the buttons above: "completed" -> "in_progress" is the quality
# team sending work back.
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(c.to for c in STATUS_CHANGES.values() if status in c.sources) for status in STATUSES
}


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


def changes_open_to(status: str) -> list[StatusChange]:
    """The workflow buttons an action in `status` offers, in the order the page shows them."""
    return [change for change in STATUS_CHANGES.values() if status in change.sources]


def starts_work(status: str, *, by_owner_or_lead: bool) -> bool:
    """Progress posted on an open action by its owner or a department lead means the work has
    started: the update moves it to In progress. A quality-team note (a chase, say) does not."""
    return status == "open" and by_owner_or_lead


def owner_problem(
    owner_role: str, owner_department_ids: Collection[int], department_id: int | None, owner_name: str
) -> str | None:
    """Why a user cannot own an action, or None. A lead can only update the actions of their own
    departments, so a lead owning any other action could never report on it."""
    if owner_role not in ("quality", "lead"):
        return f"{owner_name} cannot own actions: choose someone from the quality team or a department lead."
    if owner_role == "lead" and (department_id is None or department_id not in owner_department_ids):
        return (
            f"{owner_name} leads other departments and could not post progress on this action: "
            "choose the lead of its department or someone from the quality team."
        )
    return None


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
