"""Raising an action (from a finding, or standalone for a hospital, perhaps from an incident)
and editing its details: the quality team only. A department lead never reaches these pages,
so a lead can never reassign an action to another owner or department.

The due date is set when the action is raised; afterwards it moves only through a progress
update with a reason, so every slip stays on the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import SelectChoice

from app.actions import bp, services
from app.actions.forms import ActionForm, NewActionForm
from app.actions.models import Action, Incident
from app.actions.views.action import Conflict, action_or_404, changes_since
from app.auth.access import requires
from app.auth.models import User
from app.domain.access import ROLES
from app.domain.actions import PRIORITIES, STATUSES
from app.domain.inspections import FINDING_KINDS
from app.extensions import db
from app.forms_support import record_number, saved
from app.inspections.models import Finding, Inspection
from app.organisations.models import Hospital

EDITABLE = ("title", "description", "department", "owner", "priority", "findings")


def _hospital_findings(hospital: Hospital, keep: Sequence[Finding] = ()) -> list[Finding]:
    """Findings an action of this hospital may answer: those of its inspections and of its
    trust's trust-level reviews, not archived (plus any already linked)."""
    found = db.session.scalars(
        select(Finding)
        .join(Inspection, Finding.inspection_id == Inspection.id)
        .where(
            Inspection.trust_id == hospital.trust_id,
            or_(Inspection.hospital_id == hospital.id, Inspection.hospital_id.is_(None)),
            Finding.archived_at.is_(None),
            Inspection.archived_at.is_(None),
        )
        .order_by(Inspection.published_on.desc().nulls_last(), Finding.id)
    ).all()
    return list(found) + [f for f in keep if f not in found]


def _finding_label(finding: Finding) -> str:
    inspection = finding.inspection
    when = f"{inspection.published_on:%B %Y} report" if inspection.published_on else "draft report"
    where = f", {finding.department.name}" if finding.department else ""
    text = finding.text if len(finding.text) <= 140 else finding.text[:139].rstrip() + "\u2026"
    return f"{FINDING_KINDS[finding.kind]} ({when}{where}): {text}"


def _owners(keep: Any = None) -> list[User]:
    users = db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(("quality", "lead"))).order_by(User.name)
    ).all()
    return list(users) + ([keep] if keep is not None and keep not in users else [])


def _owner_label(user: User) -> str:
    if user.role == "lead":
        led = ", ".join(d.name for d in user.departments) or "no departments"
        return f"{user.name} (department lead: {led})"
    return f"{user.name} ({ROLES[user.role]})"


def _choices(form: ActionForm, hospital: Hospital, action: Action | None = None) -> dict[str, dict[str, Any]]:
    """Set the form's choices for this hospital; return value -> object for each choice field."""
    departments = {
        str(d.id): d for d in hospital.departments
        if d.retired_on is None or (action is not None and d.id == action.department_id)
    }
    owners = {str(u.id): u for u in _owners(action.owner if action else None)}
    findings = {str(f.id): f for f in _hospital_findings(hospital, action.findings if action else ())}
    form.department.choices = [SelectChoice("", "None: the whole hospital")] + [
        SelectChoice(k, d.name) for k, d in departments.items()
    ]
    form.owner.choices = [SelectChoice("", "Choose an owner")] + [
        SelectChoice(k, _owner_label(u)) for k, u in owners.items()
    ]
    form.findings.choices = [SelectChoice(k, _finding_label(f)) for k, f in findings.items()]
    return {"department": departments, "owner": owners, "findings": findings}


def _details(form: ActionForm, objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "department": objects["department"].get(form.department.data or ""),
        "owner": objects["owner"].get(form.owner.data or ""),
        "priority": form.priority.data,
        "findings": [objects["findings"][key] for key in (form.findings.data or []) if key in objects["findings"]],
    }


def _unsaved(form: ActionForm) -> list[tuple[str, str]]:
    """What the user sent, in words: the labels of the choices, not their ids."""
    pairs = []
    for name in EDITABLE:
        bound = form[name]
        values = [v for v in (bound.raw_data or []) if str(v).strip()]
        if hasattr(bound, "choices") and bound.choices:
            labels = {str(choice.value): choice.label for choice in bound.choices}
            values = [labels.get(str(v), str(v)) for v in values]
        if values:
            pairs.append((bound.label.text, "; ".join(str(v).strip() for v in values)))
    return pairs


def _starting_point() -> tuple[Hospital | None, Finding | None, Incident | None, str | None]:
    """The hospital, finding and incident named in the query string, or why they could not be."""
    finding = incident = None
    hospital = None
    if (value := request.args.get("finding", "")).strip():
        finding = db.session.get(Finding, number) if (number := record_number(value)) else None
        if finding is None or finding.is_archived:
            return None, None, None, f"There is no finding number {value[:20]} to raise an action from."
        hospital = finding.inspection.hospital or (
            finding.department.hospital if finding.department else None
        )
    if (value := request.args.get("incident", "")).strip():
        incident = db.session.get(Incident, number) if (number := record_number(value)) else None
        if incident is None:
            return None, None, None, f"There is no incident number {value[:20]}."
        if hospital is None and incident.hospital_id:
            hospital = db.session.get(Hospital, incident.hospital_id)
    if hospital is None and (code := request.args.get("hospital", "").strip().upper()):
        hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == code))
        if hospital is None:
            return None, None, None, f"There is no hospital with the code {code[:20]}. Choose one from the list."
    return hospital, finding, incident, None


@bp.route("/actions/new", methods=["GET", "POST"])
@requires("manage_actions")
def new_action():
    hospital, finding, incident, problem = _starting_point()
    if hospital is None:
        # First choose the hospital: its departments and findings fill the form.
        hospitals = db.session.scalars(select(Hospital).order_by(Hospital.name)).all()
        return render_template(
            "actions/choose_hospital.html", hospitals=hospitals, problem=problem,
            chosen=request.args.get("hospital", ""),
        ), (400 if problem else 200)
    form = NewActionForm()
    objects = _choices(form, hospital)
    incidents = {
        str(i.id): i for i in db.session.scalars(
            select(Incident).where(Incident.trust_id == hospital.trust_id).order_by(Incident.occurred_on.desc())
        )
    }
    form.incident.choices = [SelectChoice("", "None")] + [
        SelectChoice(k, f"{i.title} ({i.occurred_on.day} {i.occurred_on:%B %Y})") for k, i in incidents.items()
    ]
    if request.method == "GET":
        form.priority.data = "medium"
        if finding is not None:
            form.findings.data = [str(finding.id)]
            if finding.department is not None and str(finding.department_id) in objects["department"]:
                form.department.data = str(finding.department_id)
        if incident is not None:
            form.incident.data = str(incident.id)
    created: list[Action] = []
    if form.validate_on_submit() and saved(form, lambda: created.append(services.create_action(
        hospital=hospital,
        due_on=form.due_on.data,
        incident=incidents.get(form.incident.data or ""),
        actor=current_user._get_current_object(),
        **_details(form, objects),
    ))):
        action = created[0]
        flash(f"The action has been raised and is open. {action.owner.name} owns it.")
        return redirect(url_for("actions.action", action_id=action.id))
    status = 400 if request.method == "POST" else 200
    return render_template("actions/action_form.html", form=form, hospital=hospital, action=None,
                           finding=finding, conflict=None), status


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@requires("manage_actions")
def edit_action(action_id: int):
    action = action_or_404(action_id)
    if action.is_archived:
        abort(400, description="This action is archived. Restore it before changing it.")
    form = ActionForm(data={
        "title": action.title,
        "description": action.description,
        "department": str(action.department_id or ""),
        "owner": str(action.owner_id),
        "priority": action.priority,
        "findings": [str(f.id) for f in action.findings],
        "version": str(action.version),
    })
    objects = _choices(form, action.hospital, action)
    conflict = None
    if request.method == "POST":
        posted = form.posted_version()
        if posted != action.version:
            # Someone changed the action since this form was opened: save nothing, show what
            # changed and keep the user's input, now on the current version.
            conflict = Conflict(changes=changes_since(action, posted), unsaved=_unsaved(form))
            form.version.data = str(action.version)
            return render_template("actions/action_form.html", form=form, hospital=action.hospital,
                                   action=action, finding=None, conflict=conflict,
                                   statuses=STATUSES, priorities=PRIORITIES), 409
        if form.validate_on_submit() and saved(form, lambda: services.edit_action(
            action, actor=current_user._get_current_object(), **_details(form, objects),
        )):
            flash("The action's details have been saved. The change is in its history.")
            return redirect(url_for("actions.action", action_id=action.id))
    return render_template("actions/action_form.html", form=form, hospital=action.hospital, action=action,
                           finding=None, conflict=conflict), 400 if request.method == "POST" else 200
