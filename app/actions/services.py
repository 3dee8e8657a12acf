"""Writes to improvement actions: raising them, progress updates and status changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from app.actions.models import Action, ActionUpdate, Incident
from app.audit.services import record, snapshot
from app.domain import actions as rules
from app.errors import ValidationError
from app.extensions import db
from app.models_support import utcnow
from app.inspections.models import Finding
from app.organisations.models import Department, Hospital, Trust


def create_incident(
    trust: Trust,
    *,
    title: str,
    occurred_on: date,
    description: str,
    hospital: Hospital | None = None,
    actor: Any = None,
) -> Incident:
    if not title.strip():
        raise ValidationError({"title": "Enter a title for the incident."})
    incident = Incident(
        trust_id=trust.id,
        hospital_id=hospital.id if hospital else None,
        title=title.strip(),
        occurred_on=occurred_on,
        description=description,
    )
    db.session.add(incident)
    record("create", incident, None, actor=actor)
    return incident


def create_action(
    *,
    hospital: Hospital,
    title: str,
    owner: Any,
    due_on: date,
    department: Department | None = None,
    description: str = "",
    priority: str = "medium",
    findings: Sequence[Finding] = (),
    incident: Incident | None = None,
    actor: Any = None,
) -> Action:
    """Raise an action answering findings (or an incident, or neither)."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter a title for the action."
    if priority not in rules.PRIORITIES:
        errors["priority"] = f"{priority!r} is not a priority."
    if department is not None and department.hospital_id != hospital.id:
        errors["department"] = f"{department.name} is not a department of {hospital.name}."
    if errors:
        raise ValidationError(errors)
    action = Action(
        hospital=hospital,
        department=department,
        owner=owner,
        title=title.strip(),
        description=description,
        priority=priority,
        status="open",
        original_due_on=due_on,
        due_on=due_on,
        incident=incident,
        findings=list(findings),
    )
    db.session.add(action)
    record("create", action, None, actor=actor)
    return action


def post_update(
    action: Action,
    *,
    author: Any,
    text: str,
    at: datetime | None = None,
    percent_complete: int | None = None,
    new_due_on: date | None = None,
    due_change_reason: str | None = None,
    new_status: str | None = None,
    reason: str | None = None,
) -> ActionUpdate:
    """A progress note that may also move the due date (with a reason) or the status.

    `at` is when it happened (default now; the demo passes history); completion and
    verification dates are its day.
    """
    at = at or utcnow()
    on = at.date()
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the progress update."
    if percent_complete is not None and not 0 <= percent_complete <= 100:
        errors["percent_complete"] = "Percent complete must be between 0 and 100."
    if new_due_on is not None and new_due_on == action.due_on:
        # Otherwise it would count as a slip that never happened.
        errors["new_due_on"] = (
            f"The due date is already {new_due_on.day} {new_due_on:%B %Y}. Leave this blank to keep it."
        )
    elif new_due_on is not None and not (due_change_reason and due_change_reason.strip()):
        errors["due_change_reason"] = "Give a reason for changing the due date."
    if new_status is not None:
        try:
            rules.check_transition(action.status, new_status, reason=reason)
        except rules.InvalidTransition as error:
            errors["status"] = str(error)
    if errors:
        raise ValidationError(errors)

    before = snapshot(action)
    update = ActionUpdate(
        created_at=at,
        author=author,
        text=text.strip(),
        percent_complete=percent_complete,
        new_due_on=new_due_on,
        due_change_reason=due_change_reason if new_due_on else None,
        status_from=action.status if new_status else None,
        status_to=new_status,
    )
    action.updates.append(update)
    if new_due_on is not None:
        action.due_on = new_due_on
    if new_status is not None:
        action.status = new_status
        if new_status == "completed":
            action.completed_on = on
        elif new_status == "verified":
            action.verified_on = on
        elif new_status == "cancelled":
            action.cancel_reason = reason
        elif new_status == "in_progress":
            action.completed_on = None
    record("create", update, None, actor=author)
    record("update", action, before, actor=author)
    return update


def slippage(action: Action) -> rules.Slippage:
    return rules.slippage(
        action.original_due_on, [u.new_due_on for u in action.updates if u.new_due_on]
    )
