"""The inspection page (details, the ratings it gave, findings, enforcement, history), and
archiving or restoring an inspection or one of its findings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.actions.models import Action, action_findings
from app.audit import services as audit
from app.auth.access import requires
from app.domain import inspections as vocab
from app.domain.actions import STATUSES as ACTION_STATUSES
from app.domain.catalogue import SERVICES
from app.domain.ratings import GRID_COLUMNS
from app.domain.regulations import regulation_label
from app.errors import ValidationError
from app.extensions import db
from app.forms_support import ArchiveProblem
from app.inspections import bp
from app.inspections.forms import ArchiveForm, ConfirmForm
from app.inspections.models import Enforcement, Finding, Inspection, RatingCell

_SERVICE_ORDER = {code: index for index, code in enumerate(SERVICES)}


@dataclass(frozen=True)
class RatingsRow:
    label: str
    cells: tuple[RatingCell | None, ...]  # one per GRID_COLUMNS entry; None = not rated here
    whole: bool  # the hospital's or the trust's own row, set apart from the services


def ratings_rows(inspection: Inspection) -> list[RatingsRow]:
    """The cells this inspection gave, one row per department, then the hospital, then the trust."""
    # Sort key: (departments, hospital, trust), the catalogue's service order, the label.
    by_row: dict[tuple[int, int, str], dict[str, RatingCell]] = defaultdict(dict)
    for cell in inspection.cells:
        if cell.scope == "department":
            department = cell.department
            order = _SERVICE_ORDER.get(department.service_code, len(_SERVICE_ORDER))
            key = (0, order, department.name)
        elif cell.scope == "hospital":
            name = inspection.hospital.name if inspection.hospital else "the hospital"
            key = (1, 0, f"Overall for {name}")
        else:
            key = (2, 0, f"Trust: {inspection.trust.name}")
        by_row[key][cell.key_question] = cell
    return [
        RatingsRow(
            label=key[2], cells=tuple(cells.get(column) for column in GRID_COLUMNS), whole=key[0] > 0
        )
        for key, cells in sorted(by_row.items())
    ]


def _actions_by_finding(findings: list[Finding]) -> dict[int, list[Action]]:
    """The actions (not archived) raised to answer each finding."""
    if not findings:
        return {}
    rows = db.session.execute(
        select(action_findings.c.finding_id, Action)
        .join(Action, Action.id == action_findings.c.action_id)
        .where(
            action_findings.c.finding_id.in_([f.id for f in findings]),
            Action.archived_at.is_(None),
        )
        .order_by(Action.id)
    ).all()
    answers: dict[int, list[Action]] = defaultdict(list)
    for finding_id, action in rows:
        answers[finding_id].append(action)
    return answers


def _safe_link(url: str | None) -> str | None:
    """Only web addresses become links: a stored 'javascript:' URL must never be clickable."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def _inspection_or_404(inspection_id: int) -> Inspection:
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        abort(404, description=f"There is no inspection number {inspection_id}.")
    return inspection


def _finding_or_404(finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        abort(404, description=f"There is no finding number {finding_id}.")
    return finding


def _render(inspection: Inspection, *, status: int = 200, problem: ArchiveProblem | None = None) -> Any:
    findings = list(inspection.findings)
    active = [f for f in findings if not f.is_archived]
    archived = [f for f in findings if f.is_archived]
    show_archived = request.args.get("archived") == "1" or (
        problem is not None and problem.noun == "finding" and any(f.id == problem.record_id for f in archived)
    )
    enforcement = db.session.scalars(
        select(Enforcement)
        .where(Enforcement.inspection_id == inspection.id)
        .order_by(Enforcement.started_on, Enforcement.id)
    ).all()
    return render_template(
        "inspections/inspection.html",
        inspection=inspection,
        rows=ratings_rows(inspection),
        any_illustrative=any(c.illustrative for c in inspection.cells),
        override_notes=[c for c in inspection.cells if c.override_reason],
        findings=active,
        archived_findings=archived,
        show_archived=show_archived,
        answers=_actions_by_finding(findings),
        enforcement=enforcement,
        # The report, its findings and every cell it gives (cells removed since are in the
        # report's own events).
        history=audit.history_for(inspection, *findings, *inspection.cells),
        report_link=_safe_link(inspection.report_url),
        can_archive=current_user.can("archive"),
        problem=problem,
        vocab=vocab,
        action_statuses=ACTION_STATUSES,
        regulation_label=regulation_label,
    ), status


def _back(inspection: Inspection, anchor: str | None = None) -> Any:
    return redirect(url_for("inspections.inspection", inspection_id=inspection.id, _anchor=anchor))


def _archive(inspection: Inspection, subject: Inspection | Finding, noun: str) -> Any:
    """Archive with the posted reason; on a problem show the page again with it (400)."""
    form = ArchiveForm()
    if form.validate_on_submit():
        try:
            audit.archive(subject, form.reason.data or "")
        except ValidationError as error:
            db.session.rollback()
            message = next(iter(error.errors.values()))
        else:
            db.session.commit()
            return None
    else:
        message = next(iter(form.reason.errors), "The form could not be accepted. Try again.")
    return _render(
        inspection,
        status=400,
        problem=ArchiveProblem(
            message, noun, subject.id, on_field=not subject.is_archived, reason=form.reason.data or ""
        ),
    )


def _restore(inspection: Inspection, subject: Inspection | Finding, noun: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        audit.restore(subject)
    except ValidationError as error:
        db.session.rollback()
        message = next(iter(error.errors.values()))
        return _render(inspection, status=400, problem=ArchiveProblem(message, noun, subject.id, on_field=False))
    db.session.commit()
    return None


@bp.get("/inspections/<int:inspection_id>")
@requires("read")
def inspection(inspection_id: int):
    return _render(_inspection_or_404(inspection_id))


@bp.post("/inspections/<int:inspection_id>/archive")
@requires("archive")
def archive_inspection(inspection_id: int):
    record = _inspection_or_404(inspection_id)
    refused = _archive(record, record, "inspection")
    if refused is not None:
        return refused
    flash("The inspection has been archived. Its ratings no longer count in the hospital's grid.")
    return _back(record)


@bp.post("/inspections/<int:inspection_id>/restore")
@requires("archive")
def restore_inspection(inspection_id: int):
    record = _inspection_or_404(inspection_id)
    refused = _restore(record, record, "inspection")
    if refused is not None:
        return refused
    flash("The inspection has been restored. Its ratings count in the hospital's grid again.")
    return _back(record)


@bp.post("/findings/<int:finding_id>/archive")
@requires("archive")
def archive_finding(finding_id: int):
    finding = _finding_or_404(finding_id)
    refused = _archive(finding.inspection, finding, "finding")
    if refused is not None:
        return refused
    flash("The finding has been archived. Show archived findings to see or restore it.")
    return _back(finding.inspection, "findings")


@bp.post("/findings/<int:finding_id>/restore")
@requires("archive")
def restore_finding(finding_id: int):
    finding = _finding_or_404(finding_id)
    refused = _restore(finding.inspection, finding, "finding")
    if refused is not None:
        return refused
    flash("The finding has been restored.")
    return _back(finding.inspection, f"finding-{finding.id}")
