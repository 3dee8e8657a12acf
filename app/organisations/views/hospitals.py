"""Pages of the organisation tree: the hospitals of each trust, and a hospital's grid."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.audit.services import history_for
from app.auth.access import requires
from app.extensions import db
from app.inspections.grids import hospital_grid, overall_ratings
from app.inspections.models import Inspection
from app.organisations import bp
from app.organisations.forms import AsOfForm
from app.organisations.models import Trust
from app.organisations.services import hospital_by_code


@bp.get("/")
@requires("read")
def home():
    trusts = db.session.scalars(
        select(Trust).order_by(Trust.name).options(selectinload(Trust.hospitals))
    ).all()
    hospital_ids = [h.id for t in trusts for h in t.hospitals]
    today = date.today()
    return render_template(
        "organisations/home.html",
        trusts=trusts,
        overall=overall_ratings(hospital_ids, today),
        today=today,
    )


@bp.get("/hospitals/<code>")
@requires("read")
def hospital(code: str):
    hospital = hospital_by_code(code)
    if hospital is None:
        abort(404, description=f"There is no hospital with the code {code}.")
    form = AsOfForm(request.args)
    as_of = date.today()
    if request.args.get("as_of") and form.validate():
        as_of = form.as_of.data or as_of
    grid = hospital_grid(hospital, as_of)
    inspections = db.session.scalars(
        select(Inspection)
        .where(
            Inspection.hospital_id == hospital.id,
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
        )
        .order_by(Inspection.published_on.desc())
    ).all()
    return render_template(
        "organisations/hospital.html",
        hospital=hospital,
        grid=grid,
        form=form,
        inspections=inspections,
        showing_today=as_of == date.today(),
        history=history_for(hospital),
    )
