"""The action page (details, progress timeline, history), a department lead's progress updates
and completion, and archiving or restoring an action.

Who may post: `update_actions` (quality, lead) checks the role; each view then checks the
record, `current_user.may_update_action(action)`, so a lead reaches only their departments'
actions. Forms carry the version of the action they were opened on: a stale post is refused
(409) and saves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.actions import bp, services
from app.actions.forms import ArchiveForm, CompleteForm, ConfirmForm, ProgressUpdateForm
from app.actions.models import Action
from app.audit import services as audit
from app.auth.access import requires
from app.domain.actions import FINISHED, PRIORITIES, STATUSES
from app.domain.inspections import FINDING_KINDS, INSPECTION_TYPES
from app.errors import ValidationError
from app.extensions import db
from app.forms_support import ArchiveProblem, saved


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
            )
        )
    return entries[::-1]


def _action_or_404(action_id: int) -> Action:
    action = db.session.get(Action, action_id)
    if action is None:
        abort(404, description=f"There is no action number {action_id}.")
    return action


def _may_update(action: Action) -> bool:
    return current_user.may_update_action(action)


def _open_for_updates(action: Action) -> bool:
    return action.status not in FINISHED and not action.is_archived


def _render(
    action: Action,
    *,
    status: int = 200,
    update_form: ProgressUpdateForm | None = None,
    complete_form: CompleteForm | None = None,
    problem: ArchiveProblem | None = None,
    conflict: bool = False,
    unsaved: str | None = None,
    page_error: str | None = None,
) -> Any:
    today = date.today()
    version = str(action.version)
    # formdata=None: a fresh form, even when the page is shown again after a post.
    update_form = update_form or ProgressUpdateForm(formdata=None, version=version)
    complete_form = complete_form or CompleteForm(formdata=None, version=version)
    percents = [u.percent_complete for u in action.updates if u.percent_complete is not None]
    return render_template(
        "actions/action.html",
        action=action,
        today=today,
        overdue=action.is_overdue(today),
        days_late=action.days_late(today),
        slippage=services.slippage(action),
        percent_complete=percents[-1] if percents else None,
        timeline=timeline(action),
        history=audit.history_for(action, *action.updates),
        may_update=_may_update(action) and _open_for_updates(action),
        can_archive=current_user.can("archive"),
        update_form=update_form,
        complete_form=complete_form,
        problem=problem,
        conflict=conflict,
        unsaved=unsaved,
        page_error=page_error,
        statuses=STATUSES,
        priorities=PRIORITIES,
        finding_kinds=FINDING_KINDS,
        inspection_types=INSPECTION_TYPES,
    ), status


def _refuse(action: Action, form: ProgressUpdateForm | CompleteForm, which: str) -> Any:
    """The response refusing a post before it is read, or None to go on: a stale version
    (409, showing the current action and the user's unsaved text), or an action that no
    longer takes updates (400)."""
    if form.posted_version() != action.version:
        form.version.data = str(action.version)  # a second submit, after reading, is on the current version
        return _render(
            action,
            status=409,
            conflict=True,
            unsaved=(form.text.data or "").strip() or None,
            **{which: form},
        )
    if not _open_for_updates(action):
        state = "archived" if action.is_archived else STATUSES[action.status].lower()
        return _render(
            action,
            status=400,
            page_error=f"This action is {state}, so progress can no longer be posted to it.",
        )
    return None


@bp.get("/actions/<int:action_id>")
@requires("read")
def action(action_id: int):
    return _render(_action_or_404(action_id))


@bp.post("/actions/<int:action_id>/updates")
@requires("update_actions")
def post_update(action_id: int):
    action = _action_or_404(action_id)
    if not _may_update(action):
        abort(403, description="You can post updates only to the actions of your own departments.")
    form = ProgressUpdateForm()
    refused = _refuse(action, form, "update_form")
    if refused is not None:
        return refused
    if form.validate_on_submit() and saved(form, lambda: services.post_update(
        action,
        author=current_user._get_current_object(),
        text=form.text.data or "",
        percent_complete=form.percent_complete.data,
        new_due_on=form.new_due_on.data,
        due_change_reason=(form.due_change_reason.data or "").strip() or None,
    )):
        flash("Your progress update has been posted.")
        return redirect(url_for("actions.action", action_id=action.id, _anchor="updates"))
    return _render(action, status=400, update_form=form)


@bp.post("/actions/<int:action_id>/complete")
@requires("update_actions")
def complete_action(action_id: int):
    action = _action_or_404(action_id)
    if not _may_update(action):
        abort(403, description="You can complete only the actions of your own departments.")
    form = CompleteForm()
    refused = _refuse(action, form, "complete_form")
    if refused is not None:
        return refused
    note = (form.text.data or "").strip()
    if form.validate_on_submit() and saved(form, lambda: services.post_update(
        action,
        author=current_user._get_current_object(),
        text="Marked as completed." + (f" {note}" if note else ""),
        percent_complete=100,
        new_status="completed",
    )):
        flash("The action is marked as completed. The quality team will verify it.")
        return redirect(url_for("actions.action", action_id=action.id))
    return _render(action, status=400, complete_form=form)


@bp.post("/actions/<int:action_id>/archive")
@requires("archive")
def archive_action(action_id: int):
    action = _action_or_404(action_id)
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
    return _render(action, status=400, problem=problem)


@bp.post("/actions/<int:action_id>/restore")
@requires("archive")
def restore_action(action_id: int):
    action = _action_or_404(action_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        audit.restore(action)
    except ValidationError as error:
        db.session.rollback()
        message = next(iter(error.errors.values()))
        return _render(action, status=400, problem=ArchiveProblem(message, "action", action.id, on_field=False))
    db.session.commit()
    flash("The action has been restored.")
    return redirect(url_for("actions.action", action_id=action.id))
