"""The action page (details, evidence, progress timeline, history), progress updates and
completion, and archiving or restoring an action. The other workflow buttons and evidence are
in workflow.py; raising and editing actions in editing.py.

Who may post: `update_actions` (quality, lead) checks the role; each view then checks the
record, `current_user.may_update_action(action)`, so a lead reaches only their departments'
actions. Forms carry the version of the action they were opened on: a stale post is refused
(409) with the current action, what changed since, and the user's unsaved input; it saves
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from app.actions import bp, services
from app.actions.forms import (
    ArchiveForm,
    CancelForm,
    CompleteForm,
    ConfirmForm,
    EvidenceForm,
    ProgressUpdateForm,
    SendBackForm,
    StartForm,
    VerifyForm,
)
from app.actions.models import Action
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.auth.access import requires
from app.auth.models import User
from app.domain.actions import CLOSED, FINISHED, PRIORITIES, STATUS_CHANGES, STATUSES, changes_open_to
from app.domain.inspections import FINDING_KINDS, INSPECTION_TYPES
from app.errors import ValidationError
from app.extensions import db
from app.files.services import limit_label
from app.forms_support import ArchiveProblem, saved

# The page's forms: the name the template knows each by, and its class.
PAGE_FORMS: dict[str, type[FlaskForm]] = {
    "update_form": ProgressUpdateForm,
    "start_form": StartForm,
    "complete_form": CompleteForm,
    "verify_form": VerifyForm,
    "send_back_form": SendBackForm,
    "cancel_form": CancelForm,
    "evidence_form": EvidenceForm,
}


@dataclass(frozen=True)
class TimelineEntry:
    """One progress update as the page shows it: plain values, labels in words."""

    id: int
    at: datetime
    author: str
    text: str
    percent_complete: int | None
    due_from: date | None  # the due date before this update moved it
    due_to: date | None
    due_change_reason: str | None
    status_from: str | None
    status_to: str | None
    evidence: tuple[Any, ...] = ()


def timeline(action: Action) -> list[TimelineEntry]:
    """The action's updates, newest first, each due-date move with the date it moved from."""
    entries = []
    due = action.original_due_on
    for update in action.updates:
        due_from = due if update.new_due_on else None
        if update.new_due_on:
            due = update.new_due_on
        entries.append(
            TimelineEntry(
                id=update.id,
                at=update.created_at,
                author=update.author.name if update.author else "Unknown",
                text=update.text,
                percent_complete=update.percent_complete,
                due_from=due_from,
                due_to=update.new_due_on,
                due_change_reason=update.due_change_reason,
                status_from=STATUSES.get(update.status_from or "", update.status_from),
                status_to=STATUSES.get(update.status_to or "", update.status_to),
                evidence=tuple(update.evidence),
            )
        )
    return entries[::-1]


# -- A stale form: what changed since it was opened, and what the user typed ----------------------

# How the page names an action's fields when it lists what changed.
FIELD_LABELS = {
    "title": "Title", "description": "Description", "department_id": "Department",
    "owner_id": "Owner", "priority": "Priority", "status": "Status", "due_on": "Due date",
    "cancel_reason": "Why cancelled", "completed_on": "Completed on", "verified_on": "Verified on",
    "finding_ids": "Findings it answers", "archived_at": "Archived",
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str
    who: str
    at: datetime


@dataclass
class Conflict:
    """Why a post was refused as stale: the changes made since the form's version, and the
    user's input as (label, text) pairs, to copy or send again."""

    changes: list[Change] = field(default_factory=list)
    unsaved: list[tuple[str, str]] = field(default_factory=list)
    file_not_kept: str | None = None  # the name of a chosen file, which a browser never keeps


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if name == "status":
        return STATUSES.get(value, value)
    if name == "priority":
        return PRIORITIES.get(value, value)
    if name == "department_id":
        from app.organisations.models import Department

        department = db.session.get(Department, value)
        return department.name if department else str(value)
    if name == "owner_id":
        user = db.session.get(User, value)
        return user.name if user else str(value)
    if name in ("due_on", "completed_on", "verified_on") and isinstance(value, str):
        day = date.fromisoformat(value)
        return f"{day.day} {day:%B %Y}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes_since(action: Action, version: int | None) -> list[Change]:
    """The changes to the action after `version`, from its audit trail (oldest first)."""
    if version is None or version >= action.version:
        return []
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.record_kind == "actions", AuditEvent.record_id == action.id)
        .order_by(AuditEvent.id)
    ).all()
    found = []
    for event, name in rows:
        moved = (event.changes or {}).get("version")
        if not moved or moved[0] is None or moved[0] < version:
            continue
        for key, (before, after) in sorted(event.changes.items()):
            if key in FIELD_LABELS:
                found.append(Change(FIELD_LABELS[key], _shown(key, before), _shown(key, after),
                                    name or "System", event.occurred_at))
    return found


def _posted(form: FlaskForm, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """The user's input in these fields, as (label, text), leaving out the blank ones."""
    pairs = []
    for name in names:
        bound = form._fields[name]
        text = " ".join(bound.raw_data).strip() if bound.raw_data else ""
        if text:
            pairs.append((bound.label.text, text))
    return pairs


def refuse_if_stale(action: Action, which: str, form: FlaskForm, fields: tuple[str, ...]) -> Any:
    """The 409 page when the form's version is not the action's, else None. The form comes
    back filled in, on the current version, so a second submit (after reading) goes through."""
    posted = form.posted_version()  # type: ignore[attr-defined]
    if posted == action.version:
        return None
    form.version.data = str(action.version)  # type: ignore[attr-defined]
    upload = next((f.data for f in form if f.type == "FileField" and getattr(f.data, "filename", None)), None)
    conflict = Conflict(
        changes=changes_since(action, posted),
        unsaved=_posted(form, fields),
        file_not_kept=upload.filename if upload else None,
    )
    return render_action(action, status=409, conflict=conflict, **{which: form})


# -- The page -----------------------------------------------------------------------------------


def action_or_404(action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None:
        abort(404, description=f"There is no action number {action_id}.")
    return action


def may_update(action: Action) -> bool:
    return current_user.may_update_action(action)


def open_for_updates(action: Action) -> bool:
    return action.status not in FINISHED and not action.is_archived


def open_for_evidence(action: Action) -> bool:
    """Evidence can still come after completion (the quality team verifies with it)."""
    return action.status not in CLOSED and not action.is_archived


def _buttons(action: Action) -> list[str]:
    """The workflow buttons this user may press on this action now."""
    if action.is_archived:
        return []
    names = []
    for change in changes_open_to(action.status):
        if change.permission == "update_actions" and may_update(action):
            names.append(change.name)
        elif change.permission == "manage_actions" and current_user.can("manage_actions"):
            names.append(change.name)
    return names


def evidence_choices(action: Action) -> list[SelectChoice]:
    return [SelectChoice("", "No, a new document")] + [
        SelectChoice(str(d.current.id), f"Yes, a new version of \u201c{d.title}\u201d")
        for d in services.documents(action)
    ]


def render_action(
    action: Action,
    *,
    status: int = 200,
    problem: ArchiveProblem | None = None,
    conflict: Conflict | None = None,
    page_error: str | None = None,
    **forms: FlaskForm,
) -> Any:
    today = date.today()
    version = str(action.version)
    # formdata=None: a fresh form, even when the page is shown again after a post.
    for name, form_class in PAGE_FORMS.items():
        forms.setdefault(name, form_class(formdata=None, version=version))
    forms["evidence_form"].replaces.choices = evidence_choices(action)  # type: ignore[attr-defined]
    percents = [u.percent_complete for u in action.updates if u.percent_complete is not None]
    evidence = services.documents(action)
    return render_template(
        "actions/action.html",
        action=action,
        today=today,
        overdue=action.is_overdue(today),
        days_late=action.days_late(today),
        slippage=services.slippage(action),
        percent_complete=percents[-1] if percents else None,
        timeline=timeline(action),
        documents=evidence,
        history=audit.history_for(action, *action.updates, *action.evidence),
        may_update=may_update(action) and open_for_updates(action),
        may_add_evidence=may_update(action) and open_for_evidence(action),
        may_edit=current_user.can("manage_actions") and not action.is_archived,
        buttons=_buttons(action),
        changes=STATUS_CHANGES,
        can_archive=current_user.can("archive"),
        problem=problem,
        conflict=conflict,
        page_error=page_error,
        upload_limit=limit_label(),
        statuses=STATUSES,
        priorities=PRIORITIES,
        finding_kinds=FINDING_KINDS,
        inspection_types=INSPECTION_TYPES,
        **forms,
    ), status


def refuse_if_finished(action: Action) -> Any:
    """A 400 page when the action no longer takes progress, else None."""
    if open_for_updates(action):
        return None
    state = "archived" if action.is_archived else STATUSES[action.status].lower()
    return render_action(
        action, status=400, page_error=f"This action is {state}, so progress can no longer be posted to it."
    )


@bp.get("/actions/<int:action_id>")
@requires("read")
def action(action_id: int):
    return render_action(action_or_404(action_id))


@bp.post("/actions/<int:action_id>/updates")
@requires("update_actions")
def post_update(action_id: int):
    action = action_or_404(action_id)
    if not may_update(action):
        abort(403, description="You can post updates only to the actions of your own departments.")
    form = ProgressUpdateForm()
    refused = refuse_if_stale(action, "update_form", form, ("text", "percent_complete", "new_due_on", "due_change_reason")) \
        or refuse_if_finished(action)
    if refused is not None:
        return refused
    if form.validate_on_submit() and saved(form, lambda: services.post_update(
        action,
        author=current_user._get_current_object(),
        text=form.text.data or "",
        percent_complete=form.percent_complete.data,
        new_due_on=form.new_due_on.data,
        due_change_reason=(form.due_change_reason.data or "").strip() or None,
        evidence=form.evidence_file.data,
    )):
        flash("Your progress update has been posted.")
        return redirect(url_for("actions.action", action_id=action.id, _anchor="updates"))
    return render_action(action, status=400, update_form=form)


@bp.post("/actions/<int:action_id>/complete")
@requires("update_actions")
def complete_action(action_id: int):
    action = action_or_404(action_id)
    if not may_update(action):
        abort(403, description="You can complete only the actions of your own departments.")
    form = CompleteForm()
    refused = refuse_if_stale(action, "complete_form", form, ("text",)) or refuse_if_finished(action)
    if refused is not None:
        return refused
    if form.validate_on_submit() and saved(form, lambda: services.change_status(
        action, "complete", actor=current_user._get_current_object(), text=form.text.data or "",
    )):
        flash("The action is marked as completed. The quality team will verify it.")
        return redirect(url_for("actions.action", action_id=action.id))
    return render_action(action, status=400, complete_form=form)


@bp.post("/actions/<int:action_id>/archive")
@requires("archive")
def archive_action(action_id: int):
    action = action_or_404(action_id)
    form = ArchiveForm()
    if form.validate_on_submit():
        try:
            audit.archive(action, form.reason.data or "")
        except ValidationError as error:
            db.session.rollback()
            message = next(iter(error.errors.values()))
        else:
            db.session.commit()
            flash("The action has been archived. It no longer appears in lists of actions.")
            return redirect(url_for("actions.action", action_id=action.id))
    else:
        message = next(iter(form.reason.errors), "The form could not be accepted. Try again.")
    problem = ArchiveProblem(
        message, "action", action.id, on_field=not action.is_archived, reason=form.reason.data or ""
    )
    return render_action(action, status=400, problem=problem)


@bp.post("/actions/<int:action_id>/restore")
@requires("archive")
def restore_action(action_id: int):
    action = action_or_404(action_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        audit.restore(action)
    except ValidationError as error:
        db.session.rollback()
        message = next(iter(error.errors.values()))
        return render_action(action, status=400, problem=ArchiveProblem(message, "action", action.id, on_field=False))
    db.session.commit()
    flash("The action has been restored.")
    return redirect(url_for("actions.action", action_id=action.id))
