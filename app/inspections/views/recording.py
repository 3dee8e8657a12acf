"""Recording an inspection (quality team only): its details and report document, correcting
them, publishing it, and adding its findings and enforcement.

Each form is checked whole: WTForms says what is missing or malformed, the service checks the
rules (dates in order, a web address, a PDF, a must-do's regulation), and a refused form comes
back with status 400, every problem at its field and the user's input kept. Nothing is saved
from a refused form, not even the uploaded file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.auth.access import requires
from app.domain import inspections as vocab
from app.extensions import db
from app.files.services import limit_label
from app.forms_support import saved
from app.inspections import bp, services
from app.inspections.forms import EnforcementForm, FindingForm, InspectionForm, PublishForm
from app.inspections.models import Inspection
from app.inspections.views.records import _inspection_or_404
from app.organisations.models import Department, Hospital, Trust

TRUST_LEVEL = "trust:"  # prefix of the hospital choice that means "a trust-level review of this trust"


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _add_problems(form: FlaskForm, problems: dict[str, str]) -> None:
    """The service's messages for the fields the form itself found nothing wrong with, so a
    refused form shows every problem at once."""
    for name, message in problems.items():
        field = form._fields.get(name)
        if field is not None and not field.errors:
            field.errors = [message]


def _status(form: FlaskForm) -> int:
    return 400 if form.errors or form.form_errors else 200


def _open(inspection_id: int) -> Inspection:
    """The inspection to change or add to; an archived one is restored first."""
    inspection = _inspection_or_404(inspection_id)
    if inspection.is_archived:
        abort(400, description="This inspection is archived. Restore it before changing it or adding to it.")
    return inspection


def _back(inspection: Inspection, anchor: str | None = None) -> Any:
    return redirect(url_for("inspections.inspection", inspection_id=inspection.id, _anchor=anchor))


def _place_of(inspection: Inspection) -> str:
    return inspection.hospital.name if inspection.hospital else inspection.trust.name


# -- Details -------------------------------------------------------------------------------------


def _places(only: Trust | None = None) -> dict[str, tuple[Trust, Hospital | None]]:
    """The hospital choices: value -> (trust, hospital, or None for a trust-level review)."""
    query = select(Trust).options(selectinload(Trust.hospitals)).order_by(Trust.name)
    if only is not None:
        query = query.where(Trust.id == only.id)
    places: dict[str, tuple[Trust, Hospital | None]] = {}
    for trust in db.session.scalars(query):
        for hospital in trust.hospitals:
            places[hospital.ods_code] = (trust, hospital)
        places[TRUST_LEVEL + trust.ods_code] = (trust, None)
    return places


def _set_place_choices(form: InspectionForm, places: dict[str, tuple[Trust, Hospital | None]]) -> None:
    several = len({trust.id for trust, _ in places.values()}) > 1
    choices = [SelectChoice("", "Choose a hospital")]
    for value, (trust, hospital) in places.items():
        if hospital is None:
            label = f"Trust-level review: {trust.name}"
        else:
            label = f"{hospital.name}, {trust.name}" if several else hospital.name
        choices.append(SelectChoice(value, label))
    form.hospital.choices = choices


def _place_value(inspection: Inspection) -> str:
    return inspection.hospital.ods_code if inspection.hospital else TRUST_LEVEL + inspection.trust.ods_code


def _details(form: InspectionForm) -> dict[str, Any]:
    """The form's values as the services take them."""
    return {
        "source": form.source.data,
        "inspection_type": form.inspection_type.data,
        "notice": form.notice.data,
        "visit_start": form.visit_start.data,
        "visit_end": form.visit_end.data,
        "published_on": form.published_on.data,
        "report_ref": form.report_ref.data,
        "report_url": form.report_url.data,
        "summary": form.summary.data,
        "report": form.report_file.data,
    }


def _check_details(
    form: InspectionForm,
    places: dict[str, tuple[Trust, Hospital | None]],
    change: Callable[[Trust, Hospital | None, dict[str, Any]], Any],
    inspection: Inspection | None = None,
) -> bool:
    """Validate the posted details and make the change; True when it was saved."""
    if form.validate_on_submit():
        trust, hospital = places[form.hospital.data]
        return saved(form, lambda: change(trust, hospital, _details(form)))
    if request.method == "POST" and places:
        # The form has problems of its own; add the rules' problems with the other fields (the
        # hospital's own problem, if it has one, is already on it).
        trust, hospital = places.get(form.hospital.data) or (next(iter(places.values()))[0], None)
        values = {k: v for k, v in _details(form).items() if k not in ("report_ref", "summary")}
        _add_problems(form, services.inspection_errors(trust, hospital, inspection=inspection, **values))
    return False


def _render_details(form: InspectionForm, inspection: Inspection | None = None, status: int | None = None) -> Any:
    return render_template(
        "inspections/inspection_form.html",
        form=form,
        inspection=inspection,
        vocab=vocab,
        upload_limit=limit_label(),
        file_not_kept=bool(form.report_file.data) and not form.report_file.errors,
    ), status or _status(form)


@bp.route("/inspections/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_inspection():
    places = _places()
    form = InspectionForm()
    _set_place_choices(form, places)
    if request.method == "GET" and "hospital" in request.args:
        code = request.args["hospital"].strip().upper()
        if code in places:
            form.hospital.data = code
        else:
            form.hospital.errors = [f"There is no hospital with the code {code[:20]}. Choose one from the list."]
    created: list[Inspection] = []

    def create(trust: Trust, hospital: Hospital | None, details: dict[str, Any]) -> None:
        created.append(services.create_inspection(trust, hospital=hospital, **details))

    if _check_details(form, places, create):
        inspection = created[0]
        flash(f"The {vocab.INSPECTION_TYPES[inspection.inspection_type].lower()} inspection of "
              f"{_place_of(inspection)} has been recorded as a draft. Add its ratings and findings, then publish it.")
        return _back(inspection)
    return _render_details(form)


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@requires("record_inspections")
def edit_inspection(inspection_id: int):
    inspection = _open(inspection_id)
    places = _places(only=inspection.trust)
    form = InspectionForm(data={
        "hospital": _place_value(inspection),
        "source": inspection.source,
        "inspection_type": inspection.inspection_type,
        "notice": inspection.notice,
        "visit_start": inspection.visit_start,
        "visit_end": inspection.visit_end,
        "published_on": inspection.published_on,
        "report_ref": inspection.report_ref,
        "report_url": inspection.report_url,
        "summary": inspection.summary,
        "version": inspection.version,
    })
    _set_place_choices(form, places)
    if request.method == "POST" and form.posted_version() != inspection.version:
        return _refuse_stale(form, inspection)

    def update(_trust: Trust, hospital: Hospital | None, details: dict[str, Any]) -> None:
        services.update_inspection(inspection, hospital=hospital, **details)

    if _check_details(form, places, update, inspection):
        flash("The inspection's details have been saved. The change is in its history.")
        return _back(inspection)
    return _render_details(form, inspection)


def _refuse_stale(form: InspectionForm, inspection: Inspection) -> Any:
    """The 409 answer to a correction made on an older version: nothing saved, the form back
    with what the user typed and, so that a second submit (after checking) goes through, the
    current version. An uploaded document is not kept."""
    form.validate()  # the typed values' own problems are shown too
    form.form_errors.insert(0, (
        "Someone else changed this inspection after you opened this page, so your changes were "
        "not saved. Open the inspection in a new tab to see its current details and history; "
        "the form below keeps what you typed. Submit it again to save your version over theirs."
    ))
    form.version.data = str(inspection.version)
    return _render_details(form, inspection, status=409)


# -- Publishing ----------------------------------------------------------------------------------


@bp.post("/inspections/<int:inspection_id>/publish")
@requires("record_inspections")
def publish_inspection(inspection_id: int):
    inspection = _inspection_or_404(inspection_id)
    form = PublishForm()
    if inspection.status == "published":
        form.form_errors.append(f"This inspection is already published, on {_long(inspection.published_on)}.")
    elif inspection.is_archived:
        form.form_errors.append("This inspection is archived. Restore it before publishing it.")
    elif form.validate_on_submit() and saved(form, lambda: services.publish(inspection, form.published_on.data)):
        when = _long(inspection.published_on)
        if inspection.official:
            flash(f"The inspection is published. Its ratings count in the official grid from {when}.")
        else:
            flash(f"The inspection is published on {when}. Its ratings are internal: they are never "
                  "mixed into the official grid.")
        return _back(inspection)
    return render_template("inspections/publish.html", form=form, inspection=inspection, vocab=vocab), 400


# -- Findings ------------------------------------------------------------------------------------


def _department_choices(inspection: Inspection, none: str) -> tuple[list[SelectChoice], dict[str, Department]]:
    """The departments of the inspected hospital open at the time, by id, after a 'none' choice."""
    departments = {str(d.id): d for d in services.inspected_departments(inspection)}
    return [SelectChoice("", none), *(SelectChoice(key, d.name) for key, d in departments.items())], departments


def _blank(value: str | None) -> str | None:
    return value or None


@bp.route("/inspections/<int:inspection_id>/findings/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_finding(inspection_id: int):
    inspection = _open(inspection_id)
    form = FindingForm()
    whole = "None: the whole hospital" if inspection.hospital else "None: the whole trust"
    form.department.choices, departments = _department_choices(inspection, whole)

    def values() -> dict[str, Any]:
        return {
            "kind": form.kind.data,
            "text": form.text.data,
            "department": departments.get(form.department.data or ""),
            "key_question": _blank(form.key_question.data),
            "regulation": _blank(form.regulation.data),
        }

    if form.validate_on_submit():
        if saved(form, lambda: services.add_finding(inspection, **values())):
            flash(f"The {vocab.FINDING_KINDS[form.kind.data].lower()} finding has been added.")
            return _back(inspection, "findings")
    elif request.method == "POST":
        _add_problems(form, services.finding_errors(inspection, **values()))
    return render_template(
        "inspections/finding_form.html", form=form, inspection=inspection, vocab=vocab
    ), _status(form)


# -- Enforcement ---------------------------------------------------------------------------------


@bp.route("/inspections/<int:inspection_id>/enforcement/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_enforcement(inspection_id: int):
    inspection = _open(inspection_id)
    form = EnforcementForm()
    scopes = [SelectChoice("trust", f"The trust: {inspection.trust.name}")]
    if inspection.hospital is not None:
        scopes.append(SelectChoice("hospital", f"The hospital: {inspection.hospital.name}"))
    form.applies_to.choices = scopes
    if len(scopes) == 1 and not form.applies_to.data:
        form.applies_to.data = "trust"  # a trust-level review: the only choice
    form.department.choices, departments = _department_choices(inspection, "None")

    def values() -> dict[str, Any]:
        return {
            "applies_to": form.applies_to.data,
            "kind": form.kind.data,
            "description": form.description.data,
            "started_on": form.started_on.data,
            "department": departments.get(form.department.data or ""),
            "regulation": _blank(form.regulation.data),
            "deadline": form.deadline.data,
            "ended_on": form.ended_on.data,
        }

    if form.validate_on_submit():
        if saved(form, lambda: services.record_enforcement(inspection, **values())):
            flash(f"The enforcement ({vocab.ENFORCEMENT_KINDS[form.kind.data]}) has been added.")
            return _back(inspection, "enforcement")
    elif request.method == "POST":
        _add_problems(form, services.enforcement_errors(inspection, **values()))
    return render_template(
        "inspections/enforcement_form.html",
        form=form,
        inspection=inspection,
        vocab=vocab,
    ), _status(form)
