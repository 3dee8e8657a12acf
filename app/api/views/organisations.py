"""The read API's trusts, hospitals, departments and ratings grids. Grids are the pages' own
(app.inspections.grids); a hospital's is exactly `flask grid CODE --json`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api import bp
from app.api.auth import ApiError, api_requires
from app.api.params import args, bad, flag, iso, iso_date, page_of, paging
from app.extensions import db
from app.inspections.changes import inspection_grid
from app.inspections.downloads import grid_json
from app.inspections.grids import hospital_grid, latest_internal_inspection, trust_grid
from app.organisations.models import Department, Hospital, Trust
from app.organisations.services import hospital_by_code, trust_by_code


def _trust_or_404(code: str) -> Trust:
    trust = trust_by_code(code)
    if trust is None:
        raise ApiError(404, f"There is no trust with the code {code}.")
    return trust


def _hospital_or_404(code: str) -> Hospital:
    hospital = hospital_by_code(code)
    if hospital is None:
        raise ApiError(404, f"There is no hospital with the code {code}.")
    return hospital


def _as_of() -> date:
    return iso_date("as_of") or date.today()


def trust_json(trust: Trust) -> dict[str, Any]:
    return {
        "code": trust.ods_code,
        "name": trust.name,
        "formed_on": iso(trust.formed_on),
        "url": url_for("api.trust", trust_code=trust.ods_code),
    }


def hospital_json(hospital: Hospital, trust_code: str) -> dict[str, Any]:
    return {
        "code": hospital.ods_code,
        "name": hospital.name,
        "trust": trust_code,
        "town": hospital.town,
        "kind": hospital.kind,
        "registration_status": hospital.registration_status,
        "url": url_for("api.hospital", code=hospital.ods_code),
    }


def department_json(department: Department, hospital_code: str) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": department.name,
        "hospital": hospital_code,
        "service": department.service_code,
        "retired_on": iso(department.retired_on),
        "successors": [s.code for s in department.successors],
    }


@bp.get("/api/v1/trusts")
@api_requires("read")
def trusts():
    args(("page", "per_page"))
    paged = paging()
    total = db.session.scalar(select(func.count(Trust.id))) or 0
    rows = db.session.scalars(
        select(Trust).order_by(Trust.name, Trust.id).limit(paged.per_page).offset(paged.offset)
    ).all()
    return jsonify(page_of([trust_json(t) for t in rows], total, paged))


@bp.get("/api/v1/trusts/<trust_code>")
@api_requires("read")
def trust(trust_code: str):
    args(())
    found = _trust_or_404(trust_code)
    return jsonify({
        **trust_json(found),
        "hospitals": [hospital_json(h, found.ods_code) for h in found.hospitals],
        "grid_url": url_for("api.trust_grid_view", trust_code=found.ods_code),
    })


@bp.get("/api/v1/trusts/<trust_code>/grid")
@api_requires("read")
def trust_grid_view(trust_code: str):
    """The trust's grid: each hospital's own row (hospital = its code) and the trust's row
    (hospital = null), one entry per present cell, like a hospital's grid."""
    args(("as_of",))
    found = _trust_or_404(trust_code)
    as_of = _as_of()
    grid = trust_grid(found, as_of)
    codes = {h.id: h.ods_code for h in found.hospitals}
    return jsonify({
        "trust": found.ods_code,
        "as_of": as_of.isoformat(),
        "cells": [
            {
                "hospital": codes.get(row.key[1]) if row.key[0] == "hospital" else None,
                "key_question": cell.key_question,
                "rating": cell.rating,
                "date": cell.published_on.isoformat(),
            }
            for row in grid.rows
            for cell in row.cells
            if cell is not None
        ],
    })


@bp.get("/api/v1/hospitals")
@api_requires("read")
def hospitals():
    query = args(("page", "per_page", "trust"))
    paged = paging()
    conditions = []
    if query.get("trust", "").strip():
        conditions.append(Trust.id == _known_trust_id(query["trust"]))
    total = db.session.scalar(select(func.count(Hospital.id)).join(Trust).where(*conditions)) or 0
    rows = db.session.execute(
        select(Hospital, Trust.ods_code).join(Trust).where(*conditions)
        .order_by(Hospital.name, Hospital.id).limit(paged.per_page).offset(paged.offset)
    ).all()
    return jsonify(page_of([hospital_json(h, code) for h, code in rows], total, paged))


def _known_trust_id(code: str) -> int:
    trust_id = db.session.scalar(select(Trust.id).where(Trust.ods_code == code.strip().upper()))
    if trust_id is None:
        raise bad({"trust": f"trust must be the code of a trust; there is no trust {code.strip()!r}."})
    return trust_id


def _known_hospital_id(code: str, name: str = "hospital") -> int:
    hospital_id = db.session.scalar(select(Hospital.id).where(Hospital.ods_code == code.strip().upper()))
    if hospital_id is None:
        raise bad({name: f"{name} must be the code of a hospital; there is no hospital {code.strip()!r}."})
    return hospital_id


@bp.get("/api/v1/hospitals/<code>")
@api_requires("read")
def hospital(code: str):
    args(())
    found = _hospital_or_404(code)
    departments = db.session.scalars(
        select(Department).where(Department.hospital_id == found.id)
        .options(selectinload(Department.successors)).order_by(Department.name)
    ).all()
    return jsonify({
        **hospital_json(found, found.trust.ods_code),
        "departments": [department_json(d, found.ods_code) for d in departments],
        "grid_url": url_for("api.hospital_grid_view", code=found.ods_code),
    })


@bp.get("/api/v1/hospitals/<code>/grid")
@api_requires("read")
def hospital_grid_view(code: str):
    """The hospital's official grid as of a date: `flask grid CODE --json`. With internal=1,
    the latest internal (mock or peer-review) inspection's grid, marked "official": false."""
    args(("as_of", "internal"))
    found = _hospital_or_404(code)
    as_of = _as_of()
    if not flag("internal"):
        return jsonify(grid_json(hospital_grid(found, as_of)))
    internal = latest_internal_inspection(found, as_of)
    if internal is None:
        raise ApiError(404, f"{found.name} had no published internal inspection on or before {as_of.isoformat()}.")
    return jsonify(grid_json(inspection_grid(internal), internal))


@bp.get("/api/v1/departments")
@api_requires("read")
def departments():
    query = args(("page", "per_page", "hospital"))
    paged = paging()
    conditions = []
    if query.get("hospital", "").strip():
        conditions.append(Department.hospital_id == _known_hospital_id(query["hospital"]))
    total = db.session.scalar(select(func.count(Department.id)).where(*conditions)) or 0
    rows = db.session.execute(
        select(Department, Hospital.ods_code).join(Hospital, Hospital.id == Department.hospital_id)
        .where(*conditions).options(selectinload(Department.successors))
        .order_by(Hospital.name, Department.name, Department.id).limit(paged.per_page).offset(paged.offset)
    ).all()
    return jsonify(page_of([department_json(d, code) for d, code in rows], total, paged))
