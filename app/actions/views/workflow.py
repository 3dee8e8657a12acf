"""The action's workflow buttons besides completing it (action.py): starting the work (quality,
or a lead of the action's department), and the quality team's verify, send back and cancel; and
its evidence: uploading a document or a new version of one, and downloading it.

Each post carries the action's version; a stale one gets the 409 page (action.py) and saves
nothing, not even the file.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.actions import bp, services
from app.actions.forms import CancelForm, EvidenceForm, SendBackForm, StartForm, VerifyForm
from app.actions.models import Evidence
from app.actions.views.action import (
    action_or_404,
    evidence_choices,
    may_update,
    open_for_evidence,
    refuse_if_stale,
    render_action,
)
from app.auth.access import requires
from app.domain.actions import STATUS_CHANGES, STATUSES
from app.extensions import db
from app.files.views import attachment
from app.forms_support import record_number, saved

DONE = {
    "start": "The action is now in progress.",
    "verify": "The action is verified and closed.",
    "send_back": "The action has been sent back to its owner as in progress, with your comment.",
    "cancel": "The action has been cancelled. The reason is on its timeline.",
}


def _change(action_id: int, change: str, form: FlaskForm, which: str, text_field: str | None) -> Any:
    action = action_or_404(action_id)
    step = STATUS_CHANGES[change]
    if step.permission == "update_actions" and not may_update(action):
        abort(403, description="You can change only the actions of your own departments.")
    refused = refuse_if_stale(action, which, form, (text_field,) if text_field else ())
    if refused is not None:
        return refused
    if action.is_archived:
        return render_action(action, status=400, page_error="This action is archived. Restore it before changing its status.")
    text = (form[text_field].data or "") if text_field else ""
    if form.validate_on_submit() and saved(form, lambda: services.change_status(
        action, change, actor=current_user._get_current_object(), text=text,
    )):
        flash(DONE[change])
        return redirect(url_for("actions.action", action_id=action.id))
    if action.status not in step.sources and not form.form_errors:
        form.form_errors.append(
            f"This action is {STATUSES[action.status].lower()}, so \u201c{step.label}\u201d is no longer possible."
        )
    return render_action(action, status=400, **{which: form})


@bp.post("/actions/<int:action_id>/start")
@requires("update_actions")
def start_action(action_id: int):
    return _change(action_id, "start", StartForm(), "start_form", None)


@bp.post("/actions/<int:action_id>/verify")
@requires("manage_actions")
def verify_action(action_id: int):
    return _change(action_id, "verify", VerifyForm(), "verify_form", "comment")


@bp.post("/actions/<int:action_id>/send-back")
@requires("manage_actions")
def send_back_action(action_id: int):
    return _change(action_id, "send_back", SendBackForm(), "send_back_form", "comment")


@bp.post("/actions/<int:action_id>/cancel")
@requires("manage_actions")
def cancel_action(action_id: int):
    return _change(action_id, "cancel", CancelForm(), "cancel_form", "reason")


# -- Evidence ------------------------------------------------------------------------------------


@bp.post("/actions/<int:action_id>/evidence")
@requires("update_actions")
def add_evidence(action_id: int):
    action = action_or_404(action_id)
    if not may_update(action):
        abort(403, description="You can add evidence only to the actions of your own departments.")
    form = EvidenceForm()
    form.replaces.choices = evidence_choices(action)
    refused = refuse_if_stale(action, "evidence_form", form, ("title",))
    if refused is not None:
        return refused
    if not open_for_evidence(action):
        state = "archived" if action.is_archived else STATUSES[action.status].lower()
        return render_action(action, status=400, page_error=f"This action is {state}, so evidence can no longer be added to it.")
    replaces = db.session.get(Evidence, number) if (number := record_number(form.replaces.data)) else None
    added: list[Evidence] = []
    if form.validate_on_submit() and saved(form, lambda: added.append(services.add_evidence(
        action,
        form.file.data,
        actor=current_user._get_current_object(),
        title=form.title.data or "",
        replaces=replaces,
    ))):
        evidence = added[0]
        if evidence.version_number > 1:
            flash(f"Version {evidence.version_number} of \u201c{evidence.title}\u201d has been uploaded. "
                  "The earlier versions are kept.")
        else:
            flash(f"\u201c{evidence.title}\u201d has been uploaded.")
        return redirect(url_for("actions.action", action_id=action.id, _anchor="evidence"))
    return render_action(action, status=400, evidence_form=form)


@bp.get("/actions/<int:action_id>/evidence/<int:evidence_id>")
@requires("read")
def evidence_file(action_id: int, evidence_id: int):
    """A document of evidence, to whoever may read the action (every signed-in role may)."""
    action = action_or_404(action_id)
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.action_id != action.id:
        abort(404, description=f"Action {action.id} has no evidence number {evidence_id}.")
    return attachment(evidence.file)
