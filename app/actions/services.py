"""Writes to improvement actions: raising and editing them, progress updates, the status
workflow, and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.datastructures import FileStorage

from app.actions.models import Action, ActionUpdate, Evidence, Incident
from app.audit.services import record, snapshot
from app.domain import actions as rules
from app.domain.files import EVIDENCE
from app.errors import ValidationError
from app.extensions import db
from app.files import services as files
from app.models_support import utcnow
from app.inspections.models import Finding
from app.organisations.models import Department, Hospital, Trust

TITLE_LIMIT = 200


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


def _finding_ids(findings: Sequence[Finding]) -> list[int]:
    return sorted(f.id for f in findings)


def action_errors(
    *,
    hospital: Hospital,
    title: str,
    owner: Any,
    department: Department | None,
    priority: str,
    findings: Sequence[Finding] = (),
    incident: Incident | None = None,
) -> dict[str, str]:
    """Every problem with an action's details, by field (empty when there is none)."""
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = "Enter a title for the action."
    elif len(title.strip()) > TITLE_LIMIT:
        errors["title"] = f"The title must be {TITLE_LIMIT} characters or fewer."
    if priority not in rules.PRIORITIES:
        errors["priority"] = f"{priority!r} is not a priority."
    if department is not None and department.hospital_id != hospital.id:
        errors["department"] = f"{department.name} is not a department of {hospital.name}."
    if owner is None:
        errors["owner"] = "Choose who owns the action."
    else:
        problem = rules.owner_problem(
            owner.role, owner.department_ids, department.id if department else None, owner.name
        )
        if problem:
            errors["owner"] = problem
    for finding in findings:
        inspection = finding.inspection
        if inspection.trust_id != hospital.trust_id or inspection.hospital_id not in (None, hospital.id):
            errors["findings"] = f"Finding {finding.id} is from an inspection of another hospital."
            break
    if incident is not None and incident.trust_id != hospital.trust_id:
        errors["incident"] = f"The incident “{incident.title}” belongs to another trust."
    return errors


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
    errors = action_errors(
        hospital=hospital, title=title, owner=owner, department=department, priority=priority,
        findings=findings, incident=incident,
    )
    if errors:
        raise ValidationError(errors)
    action = Action(
        hospital=hospital,
        department=department,
        owner=owner,
        title=title.strip(),
        description=description.strip(),
        priority=priority,
        status="open",
        original_due_on=due_on,
        due_on=due_on,
        incident=incident,
        findings=list(findings),
    )
    db.session.add(action)
    record("create", action, None, actor=actor, extra={"finding_ids": _finding_ids(findings)})
    return action


def edit_action(
    action: Action,
    *,
    title: str,
    description: str,
    department: Department | None,
    owner: Any,
    priority: str,
    findings: Sequence[Finding],
    actor: Any = None,
) -> None:
    """Change an action's details (the quality team's edit). The hospital stays; the due date
    moves only through a progress update with a reason, so every slip is on the record."""
    errors = action_errors(
        hospital=action.hospital, title=title, owner=owner, department=department,
        priority=priority, findings=findings,
    )
    if errors:
        raise ValidationError(errors)
    before = snapshot(action) | {"finding_ids": _finding_ids(action.findings)}
    action.title = title.strip()
    action.description = description.strip()
    action.department = department
    action.owner = owner
    action.priority = priority
    if _finding_ids(findings) != before["finding_ids"]:
        action.findings = list(findings)
        # Only the link table changed: still a new version of the action, so a form opened on
        # the old one is stale.
        flag_modified(action, "title")
    record("update", action, before, actor=actor, extra={"finding_ids": _finding_ids(findings)})


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
    evidence: FileStorage | None = None,
    evidence_title: str = "",
) -> ActionUpdate:
    """A progress note that may also move the due date (with a reason) or the status, and
    carry a file of evidence.

    `at` is when it happened (default now; the demo passes history); completion and
    verification dates are its day. Progress from the owner or a lead on an open action starts
    it (rules.starts_work).
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
    if new_status is None and rules.starts_work(
        action.status, by_owner_or_lead=getattr(author, "id", None) == action.owner_id or getattr(author, "role", None) == "lead"
    ):
        new_status = "in_progress"
    if new_status is not None:
        try:
            rules.check_transition(action.status, new_status, reason=reason)
        except rules.InvalidTransition as error:
            errors["status"] = str(error)
    upload = None
    if evidence is not None and evidence.filename:
        try:
            upload = files.check(evidence, allowed=EVIDENCE, field="evidence_file")
        except ValidationError as refused:
            errors |= refused.errors
    if errors:
        raise ValidationError(errors)

    before = snapshot(action)
    update = ActionUpdate(
        created_at=at,
        author=author,
        text=text.strip(),
        percent_complete=percent_complete,
        new_due_on=new_due_on,
        due_change_reason=due_change_reason.strip() if new_due_on and due_change_reason else None,
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
            action.cancel_reason = reason.strip() if reason else reason
        elif new_status == "in_progress":
            action.completed_on = None
    record("create", update, None, actor=author)
    record("update", action, before, actor=author)
    if upload is not None:
        _save_evidence(action, upload, title=evidence_title, replaces=None, update=update, actor=author, at=at)
    return update


# What each workflow button writes on the timeline; the comment or reason follows.
_CHANGE_TEXT = {
    "start": "Work started.",
    "complete": "Marked as completed.",
    "verify": "Verified closed.",
    "send_back": "Sent back for more work.",
    "cancel": "Cancelled.",
}


def change_status(
    action: Action, change: str, *, actor: Any, text: str = "", at: datetime | None = None
) -> ActionUpdate:
    """Press one of the workflow's buttons (rules.STATUS_CHANGES): the change is an update on
    the timeline, with its comment or reason. Sending back and cancelling need words; who may
    press which button is the view's check (the change's permission)."""
    step = rules.STATUS_CHANGES[change]
    words = (text or "").strip()
    if action.status not in step.sources:
        raise ValidationError({"status": (
            f"This action is {rules.STATUSES[action.status].lower()}, so it cannot be "
            f"{'sent back' if change == 'send_back' else rules.STATUSES[step.to].lower()}."
        )})
    if step.text_required and not words:
        field = "reason" if change == "cancel" else "comment"
        message = ("Give a reason for cancelling the action." if change == "cancel"
                   else "Say what still needs doing before the action is sent back.")
        raise ValidationError({field: message})
    return post_update(
        action,
        author=actor,
        text=f"{_CHANGE_TEXT[change]} {words}".strip(),
        at=at,
        percent_complete=100 if change == "complete" else None,
        new_status=step.to,
        reason=words if change == "cancel" else None,
    )


# -- Evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A document of evidence: its latest version and the earlier ones, newest first."""

    title: str
    current: Evidence
    earlier: tuple[Evidence, ...]


def documents(action: Action) -> list[Document]:
    """The action's evidence grouped by document (each version names the one it replaces),
    the most recently updated document first."""
    replaced = {e.replaces_id for e in action.evidence if e.replaces_id}
    by_id = {e.id: e for e in action.evidence}
    result = []
    for latest in action.evidence:
        if latest.id in replaced:
            continue
        earlier, cursor = [], latest.replaces_id
        while cursor is not None and cursor in by_id:
            earlier.append(by_id[cursor])
            cursor = by_id[cursor].replaces_id
        result.append(Document(latest.title, latest, tuple(earlier)))
    return sorted(result, key=lambda d: d.current.id, reverse=True)


def _save_evidence(
    action: Action,
    upload: files.Upload,
    *,
    title: str | None,
    replaces: Evidence | None,
    update: ActionUpdate | None,
    actor: Any,
    at: datetime | None = None,
) -> Evidence:
    stored = files.save(upload, actor=actor, at=at)
    default_title = replaces.title if replaces else upload.filename.rsplit(".", 1)[0]
    evidence = Evidence(
        action=action,
        update=update,
        file=stored,
        title=(title or "").strip() or default_title,
        replaces=replaces,
        version_number=replaces.version_number + 1 if replaces else 1,
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=at or utcnow(),
    )
    db.session.add(evidence)
    record("create", evidence, None, actor=actor)
    return evidence


def add_evidence(
    action: Action,
    upload: FileStorage | None,
    *,
    actor: Any,
    title: str = "",
    replaces: Evidence | None = None,
    at: datetime | None = None,
) -> Evidence:
    """Upload a document of evidence to an action, or a new version of one it has (the earlier
    versions stay). The file must be a PDF, an image, an Office document or a CSV file, by its
    content; the title defaults to the file's name (or, for a new version, the document's)."""
    errors: dict[str, str] = {}
    if len(title.strip()) > TITLE_LIMIT:
        errors["title"] = f"The document's title must be {TITLE_LIMIT} characters or fewer."
    if replaces is not None:
        if replaces.action_id != action.id:
            errors["replaces"] = "Choose a document of this action."
        elif db.session.scalar(select(Evidence.id).where(Evidence.replaces_id == replaces.id)) is not None:
            errors["replaces"] = (
                f"A newer version of “{replaces.title}” has been uploaded since you opened the page. "
                "Check it before uploading another."
            )
    try:
        checked = files.check(upload, allowed=EVIDENCE, field="file")
    except ValidationError as refused:
        errors |= refused.errors
    if errors:
        raise ValidationError(errors)
    return _save_evidence(action, checked, title=title, replaces=replaces, update=None, actor=actor, at=at)


def slippage(action: Action) -> rules.Slippage:
    return rules.slippage(
        action.original_due_on, [u.new_due_on for u in action.updates if u.new_due_on]
    )
