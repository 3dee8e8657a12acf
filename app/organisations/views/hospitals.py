"""Pages of the organisation tree: the hospitals of each trust, a hospital's page (its official
grid as of a date, beside it on request the latest internal inspection's grid, its inspections,
findings and enforcement in force), and its grid as a CSV or JSON download."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.services import history_for
from app.auth.access import requires
from app.domain import inspections as vocab
from app.domain.actions import STATUSES as ACTION_STATUSES
from app.extensions import db
from app.inspections.changes import inspection_grid
from app.inspections.downloads import csv_response, json_response
from app.inspections.grids import (
    HospitalGrid,
    hospital_grid,
    latest_internal_inspection,
    overall_ratings,
)
from app.inspections.models import Inspection
from app.inspections.queries import enforcement_in_force, finding_rows, hospital_inspections
from app.organisations import bp
from app.organisations.forms import AsOfForm
from app.organisations.models import Hospital, Trust
from app.organisations.services import hospital_by_code


TRUSTS_PER_PAGE = 20


@bp.get("/")
@requires("read")
def home():
    # A trust's page lists its hospitals; here, trusts a page at a time (a region or a national
    # body holds 150 trusts and 1,000 hospitals, too many for one page to stay quick).
    trusts = db.paginate(
        select(Trust).order_by(Trust.name, Trust.id).options(selectinload(Trust.hospitals)),
        per_page=TRUSTS_PER_PAGE, max_per_page=TRUSTS_PER_PAGE,
    )
    hospital_ids = [h.id for t in trusts.items for h in t.hospitals]
    today = date.today()
    return render_template(
        "organisations/home.html",
        trusts=trusts,
        overall=overall_ratings(hospital_ids, today),
        today=today,
    )


# -- The page and its downloads ----------------------------------------------------------------


def _hospital_or_404(code: str) -> Hospital:
    hospital = hospital_by_code(code)
    if hospital is None:
        abort(404, description=f"There is no hospital with the code {code}.")
    return hospital


def _as_of(form: AsOfForm) -> date | None:
    """The date asked for: today when blank, None when it is not a real date."""
    if not request.args.get("as_of"):
        return date.today()
    return (form.as_of.data or date.today()) if form.validate() else None


def _wants_internal() -> bool:
    return request.args.get("internal") == "1"


@bp.get("/hospitals/<code>")
@requires("read")
def hospital(code: str):
    hospital = _hospital_or_404(code)
    form = AsOfForm(request.args)
    today = date.today()
    as_of = _as_of(form) or today  # a date that is not one: today's grid, and the form says why
    internal = latest_internal_inspection(hospital, as_of) if _wants_internal() else None
    return render_template(
        "organisations/hospital.html",
        hospital=hospital,
        grid=hospital_grid(hospital, as_of),
        form=form,
        show_internal=_wants_internal(),
        internal=internal,
        internal_grid=inspection_grid(internal) if internal else None,
        inspections=hospital_inspections(hospital),
        findings=finding_rows(Inspection.hospital_id == hospital.id, today=today),
        enforcement=enforcement_in_force(hospital, as_of),
        showing_today=as_of == today,
        # The downloads name the date, so the file holds the grid on screen even tomorrow.
        download_args={"as_of": as_of.isoformat()},
        finding_kinds=vocab.FINDING_KINDS,
        enforcement_kinds=vocab.ENFORCEMENT_KINDS,
        action_statuses=ACTION_STATUSES,
        today=today,
        history=history_for(hospital),
    )


def _download_grid(code: str) -> tuple[HospitalGrid, Inspection | None]:
    """The grid a download asks for: official as of ?as_of, or with ?internal=1 the latest
    internal inspection's. A bad date is a 400 (a download has no page to show the error on)."""
    hospital = _hospital_or_404(code)
    as_of = _as_of(AsOfForm(request.args))
    if as_of is None:
        abort(400, description="Give as_of as a real date in the form YYYY-MM-DD, "
                               "for example 2016-06-01.")
    if not _wants_internal():
        return hospital_grid(hospital, as_of), None
    internal = latest_internal_inspection(hospital, as_of)
    if internal is None:
        abort(404, description=f"{hospital.name} had no published internal inspection "
                               f"on or before {as_of.isoformat()}.")
    return inspection_grid(internal), internal


@bp.get("/hospitals/<code>/grid.csv")
@requires("read")
def hospital_grid_csv(code: str):
    grid, inspection = _download_grid(code)
    return csv_response(grid, inspection)


@bp.get("/hospitals/<code>/grid.json")
@requires("read")
def hospital_grid_json(code: str):
    grid, inspection = _download_grid(code)
    return json_response(grid, inspection)
