"""How one synthetic action's work went: when it started, whether its due date slipped (and
why), when it was completed and verified, or cancelled; as plain values. The status workflow is
the real one (app.domain.actions): open -> in progress -> completed -> verified, or cancelled
from open or in progress, each change an update with its status_from and status_to."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.synthetic import shape


@dataclass
class Step:
    on: date
    by_quality: bool  # written by the quality team rather than the owner
    text: str
    percent: int | None = None
    new_due_on: date | None = None
    reason: str | None = None
    status_from: str | None = None
    status_to: str | None = None


@dataclass
class Work:
    status: str = "open"
    due_on: date | None = None
    completed_on: date | None = None
    verified_on: date | None = None
    cancel_reason: str | None = None
    steps: list[Step] = field(default_factory=list)


def simulate(rng: random.Random, created: date, original_due: date, today: date) -> Work:
    """Play the action forward from `created` to `today`; its steps in date order."""
    work = _play(rng, created, original_due, today)
    work.steps.sort(key=lambda step: step.on)  # stable: same-day steps keep their order
    return work


def _play(rng: random.Random, created: date, original_due: date, today: date) -> Work:
    work = Work(due_on=original_due)

    def change(on: date, to: str, text: str, *, by_quality: bool = False) -> None:
        work.steps.append(Step(on, by_quality, text, status_from=work.status, status_to=to))
        work.status = to

    # Work that stalls is noticed: a year after its due date an action has almost always moved.
    stall = 0.08 if original_due > today - timedelta(days=365) else 0.015
    started = created + timedelta(days=rng.randint(0, 40))
    if started > today or rng.random() < stall:
        return work  # never started: open (overdue once its due date passes)
    change(started, "in_progress", "Work started.")
    if rng.random() < 0.04:
        cancelled = started + timedelta(days=rng.randint(5, 120))
        if cancelled <= today:
            reason = rng.choice(shape.CANCEL_REASONS)
            change(cancelled, "cancelled", reason, by_quality=True)
            work.cancel_reason = reason
            return work
    # Slips: the due date moves, before it passes, with a reason; about one action in three.
    slips = rng.choices((0, 1, 2, 3), weights=(66, 24, 8, 2))[0]
    last_slip = started
    for _ in range(slips):
        on = max(last_slip, work.due_on - timedelta(days=rng.randint(0, 20)))  # type: ignore[operator]
        if on > today:
            break
        new_due = work.due_on + timedelta(days=rng.randint(30, 120))  # type: ignore[operator]
        work.steps.append(Step(on, False, "Asking for more time.", new_due_on=new_due,
                               reason=rng.choice(shape.SLIP_REASONS)))
        work.due_on = new_due
        last_slip = on
    finish = max(last_slip + timedelta(days=7), work.due_on + timedelta(days=int(rng.gauss(-15, 35))))  # type: ignore[operator]
    for n in range(rng.randint(0, 2)):
        on = started + timedelta(days=(finish - started).days * (n + 1) // 4)
        if on <= today:
            work.steps.append(Step(on, False, rng.choice(shape.PROGRESS_NOTES), percent=min(90, 25 * (n + 1))))
    if finish > today or rng.random() < stall * 0.75:
        return work  # still in progress (overdue when its due date has passed)
    change(finish, "completed", "Completed; evidence attached for the quality team.")
    work.completed_on = finish
    verified = finish + timedelta(days=rng.randint(5, 60))
    if verified <= today and rng.random() < 0.92:
        change(verified, "verified", "Evidence reviewed; verified and closed.", by_quality=True)
        work.verified_on = verified
    return work
