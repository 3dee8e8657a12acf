"""The quality team's pages for the organisation tree: add and edit trusts, hospitals and
departments, and retire a department. ODS codes are set when a trust or hospital is added
and shown read-only afterwards (see app.organisations.services.TRUST_CODE)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from app.audit.services import history_for
from app.auth.access import requires
from app.extensions import db
from app.forms_support import saved
from app.organisations import bp, services
from app.organisations.forms import (
    KIND_HINTS,
    DepartmentForm,
    HospitalForm,
    NewDepartmentForm,
    NewHospitalForm,
    NewTrustForm,
    RetireForm,
    TrustForm,
    service_choices,
)
from app.organisations.models import Department, Hospital, Trust


def trust_or_404(code: str) -> Trust:
    trust = services.trust_by_code(code)
    if trust is None:
        abort(404, description=f"There is no trust with the ODS code {code}.")
    return trust


def _hospital_or_404(code: str) -> Hospital:
    hospital = services.hospital_by_code(code)
    if hospital is None:
        abort(404, description=f"There is no hospital with the code {code}.")
    return hospital


def _department_or_404(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404, description=f"There is no department with the number {department_id}.")
    return department


def _status(*forms: FlaskForm) -> int:
    return 400 if any(f.errors or f.form_errors for f in forms) else 200


def _actor() -> Any:
    return current_user._get_current_object()


def _at_hospital(hospital: Hospital) -> str:
    """The trust page, at the hospital's departments."""
    return url_for("organisations.trust", trust_code=hospital.trust.ods_code, _anchor=f"hospital-{hospital.ods_code}")


# -- Trusts -----------------------------------------------------------------------------------------


@bp.route("/trusts/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_trust():
    form = NewTrustForm()
    created: list[Trust] = []
    if form.validate_on_submit() and saved(form, lambda: created.append(services.create_trust(
        ods_code=form.ods_code.data or "",
        name=form.name.data or "",
        formed_on=form.formed_on.data,
        actor=_actor(),
    ))):
        trust = created[0]
        flash(f"{trust.name} ({trust.ods_code}) has been added. Add its hospitals next.")
        return redirect(url_for("organisations.trust", trust_code=trust.ods_code))
    return render_template("organisations/trust_form.html", form=form, trust=None), _status(form)


@bp.route("/trusts/<trust_code>/edit", methods=["GET", "POST"])
@requires("record_inspections")
def edit_trust(trust_code: str):
    trust = trust_or_404(trust_code)
    if request.method == "GET":
        form = TrustForm(formdata=None, data={"name": trust.name, "formed_on": trust.formed_on})
    else:
        form = TrustForm()
        if form.validate() and saved(form, lambda: services.update_trust(
            trust, name=form.name.data or "", formed_on=form.formed_on.data, actor=_actor()
        )):
            flash(f"The changes to {trust.name} have been saved.")
            return redirect(url_for("organisations.trust", trust_code=trust.ods_code))
    return render_template(
        "organisations/trust_form.html", form=form, trust=trust, history=history_for(trust)
    ), _status(form)


# -- Hospitals --------------------------------------------------------------------------------------


@bp.route("/trusts/<trust_code>/hospitals/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_hospital(trust_code: str):
    trust = trust_or_404(trust_code)
    form = NewHospitalForm()
    created: list[Hospital] = []
    if form.validate_on_submit() and saved(form, lambda: created.append(services.create_hospital(
        trust,
        ods_code=form.ods_code.data or "",
        name=form.name.data or "",
        town=form.town.data,
        kind=form.kind.data or "",
        actor=_actor(),
    ))):
        hospital = created[0]
        flash(f"{hospital.name} ({hospital.ods_code}) has been added to {trust.name}. Add its departments next.")
        return redirect(_at_hospital(hospital))
    return render_template(
        "organisations/hospital_form.html", form=form, trust=trust, hospital=None, kind_hints=KIND_HINTS
    ), _status(form)


@bp.route("/hospitals/<code>/edit", methods=["GET", "POST"])
@requires("record_inspections")
def edit_hospital(code: str):
    hospital = _hospital_or_404(code)
    if request.method == "GET":
        form = HospitalForm(formdata=None, data={"name": hospital.name, "town": hospital.town, "kind": hospital.kind})
    else:
        form = HospitalForm()
        if form.validate() and saved(form, lambda: services.update_hospital(
            hospital, name=form.name.data or "", town=form.town.data, kind=form.kind.data or "", actor=_actor()
        )):
            flash(f"The changes to {hospital.name} have been saved.")
            return redirect(_at_hospital(hospital))
    return render_template(
        "organisations/hospital_form.html",
        form=form,
        trust=hospital.trust,
        hospital=hospital,
        kind_hints=KIND_HINTS,
        history=history_for(hospital),
    ), _status(form)


# -- Departments ------------------------------------------------------------------------------------


@bp.route("/hospitals/<code>/departments/new", methods=["GET", "POST"])
@requires("record_inspections")
def new_department(code: str):
    hospital = _hospital_or_404(code)
    form = NewDepartmentForm()
    created: list[Department] = []
    if form.validate_on_submit() and saved(form, lambda: created.append(services.create_department(
        hospital,
        service_code=form.service_code.data or "",
        name=form.name.data,
        code=form.code.data,
        actor=_actor(),
    ))):
        department = created[0]
        flash(f"{department.name} has been added to {hospital.name}.")
        return redirect(_at_hospital(hospital))
    return render_template(
        "organisations/department_form.html", form=form, hospital=hospital, department=None
    ), _status(form)


def _successor_choices(form: RetireForm, department: Department) -> list[Department]:
    """The departments that may take over: the hospital's other current ones."""
    candidates = [
        d for d in department.hospital.departments
        if d is not department and d.retired_on is None and department not in d.successors
    ]
    form.successor.choices = [SelectChoice("", "None")] + [SelectChoice(str(d.id), d.name) for d in candidates]
    return candidates


def _department_page(
    department: Department, form: DepartmentForm | None = None, retire_form: RetireForm | None = None
) -> tuple[str, int]:
    """The edit page with whichever of its two forms was just posted (and its errors)."""
    if form is None:
        form = DepartmentForm(formdata=None, data={
            "name": department.name, "code": department.code, "service_code": department.service_code,
        })
    form.service_code.choices = service_choices(keep=department.service_code)
    if retire_form is None:
        retire_form = RetireForm(formdata=None, data={"retired_on": department.retired_on or date.today()})
    _successor_choices(retire_form, department)
    predecessors = [d for d in department.hospital.departments if department in d.successors]
    return render_template(
        "organisations/department_form.html",
        form=form,
        retire_form=retire_form,
        hospital=department.hospital,
        department=department,
        predecessors=predecessors,
        history=history_for(department),
    ), _status(form, retire_form)


@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
@requires("record_inspections")
def edit_department(department_id: int):
    department = _department_or_404(department_id)
    if request.method == "GET":
        return _department_page(department)
    form = DepartmentForm()
    form.service_code.choices = service_choices(keep=department.service_code)
    if form.validate() and saved(form, lambda: services.update_department(
        department,
        name=form.name.data or "",
        code=form.code.data,
        service_code=form.service_code.data or "",
        actor=_actor(),
    )):
        flash(f"The changes to {department.name} at {department.hospital.name} have been saved.")
        return redirect(_at_hospital(department.hospital))
    return _department_page(department, form=form)


@bp.post("/departments/<int:department_id>/retire")
@requires("record_inspections")
def retire_department(department_id: int):
    department = _department_or_404(department_id)
    form = RetireForm()
    candidates = {str(d.id): d for d in _successor_choices(form, department)}
    if form.validate():
        chosen = form.successor.data or ""
        if chosen and chosen not in candidates:
            form.successor.errors = ["Choose another current department of the same hospital, or none."]
        elif saved(form, lambda: services.retire_department(
            department, form.retired_on.data, successor=candidates.get(chosen), actor=_actor()
        )):
            flash(f"{department.name} at {department.hospital.name} is retired from "
                  f"{form.retired_on.data.day} {form.retired_on.data:%B %Y}. Its ratings stay in the history.")
            return redirect(_at_hospital(department.hospital))
    return _department_page(department, retire_form=form)
