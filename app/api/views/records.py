"""The read API's inspections (with the filters of the inspections list page, through its own
form) and findings."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.actions.models import Action, action_findings
from app.api import bp
from app.api.auth import ApiError, api_requires
from app.api.params import args, bad, flag, iso, one_of, page_of, paging
from app.api.views.organisations import _known_hospital_id
from app.domain import inspections as vocab
from app.domain.ratings import KEY_QUESTIONS
from app.extensions import db
from app.forms_support import record_number
from app.inspections.models import Finding, Inspection, RatingCell
from app.inspections.views.listing import InspectionFilterForm, inspections_page
from app.organisations.models import Department, Hospital


def inspection_json(inspection: Inspection) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "trust": inspection.trust.ods_code,
        "hospital": inspection.hospital.ods_code if inspection.hospital else None,
        "source": inspection.source,
        "official": inspection.official,
        "type": inspection.inspection_type,
        "notice": inspection.notice,
        "status": inspection.status,
        "visit_start": iso(inspection.visit_start),
        "visit_end": iso(inspection.visit_end),
        "published_on": iso(inspection.published_on),
        "report_ref": inspection.report_ref,
        "report_url": inspection.report_url,
        "illustrative": inspection.illustrative,
        "archived": inspection.is_archived,
        "url": url_for("api.inspection", inspection_id=inspection.id),
    }


def _form_errors(form: Any) -> dict[str, str]:
    return {name: messages[0] for name, messages in form.errors.items()}


@bp.get("/api/v1/inspections")
@api_requires("read")
def inspections():
    """Filtered as the inspections list page is, by its own form: hospital (code), source
    (official or internal), type, published_from, published_to (YYYY-MM-DD), archived."""
    form = InspectionFilterForm(args(("page", "per_page", "hospital", "source", "type",
                                      "published_from", "published_to", "archived")))
    paged = paging()
    hospital_codes = db.session.scalars(select(Hospital.ods_code))
    form.set_hospitals([(code, code) for code in hospital_codes])
    if not form.validate():
        raise bad(_form_errors(form))
    page = inspections_page(form.conditions(), paged.page, paged.per_page)
    return jsonify(page_of([inspection_json(i) for i in page.inspections], page.total, paged))


@bp.get("/api/v1/inspections/<int:inspection_id>")
@api_requires("read")
def inspection(inspection_id: int):
    """One inspection with every cell it gave and its findings (archived ones marked)."""
    args(())
    found = db.session.scalar(
        select(Inspection).where(Inspection.id == inspection_id)
        .options(
            joinedload(Inspection.trust), joinedload(Inspection.hospital),
            selectinload(Inspection.cells).joinedload(RatingCell.department),
            selectinload(Inspection.findings).joinedload(Finding.department),
        )
    )
    if found is None:
        raise ApiError(404, f"There is no inspection number {inspection_id}.")
    hospital_code = found.hospital.ods_code if found.hospital else None
    answers = _answers([f.id for f in found.findings])
    cells = sorted(found.cells, key=lambda c: (c.scope, c.department.code if c.department else "", c.key_question))
    return jsonify({
        **inspection_json(found),
        "summary": found.summary,
        "cells": [
            {
                "scope": cell.scope,
                "hospital": hospital_code if cell.scope != "trust" else None,
                "department": cell.department.code if cell.department else None,
                "service": cell.department.service_code if cell.department else None,
                "key_question": cell.key_question,
                "rating": cell.rating,
                "illustrative": cell.illustrative,
            }
            for cell in cells
        ],
        "findings": [finding_json(f, found, hospital_code, answers) for f in found.findings],
    })


def finding_json(finding: Finding, inspection: Inspection, hospital_code: str | None,
                 answers: dict[int, list[int]]) -> dict[str, Any]:
    return {
        "id": finding.id,
        "inspection_id": inspection.id,
        "hospital": hospital_code,
        "department": finding.department.code if finding.department else None,
        "kind": finding.kind,
        "key_question": finding.key_question,
        "regulation": finding.regulation,
        "text": finding.text,
        "illustrative": finding.illustrative,
        "archived": finding.is_archived,
        "action_ids": answers.get(finding.id, []),
    }


def _answers(finding_ids: list[int]) -> dict[int, list[int]]:
    """The ids of the actions (not archived) answering each finding, in one query."""
    found: dict[int, list[int]] = {}
    if not finding_ids:
        return found
    for finding_id, action_id in db.session.execute(
        select(action_findings.c.finding_id, Action.id)
        .join(Action, Action.id == action_findings.c.action_id)
        .where(action_findings.c.finding_id.in_(finding_ids), Action.archived_at.is_(None))
        .order_by(Action.id)
    ):
        found.setdefault(finding_id, []).append(action_id)
    return found


@bp.get("/api/v1/findings")
@api_requires("read")
def findings():
    """Findings, newest report first: filters hospital and department (codes), inspection (id),
    kind, key_question, archived (with it, archived findings and those of archived inspections
    are listed too)."""
    query = args(("page", "per_page", "hospital", "department", "inspection", "kind",
                  "key_question", "archived"))
    paged = paging()
    conditions: list[Any] = []
    if query.get("hospital", "").strip():
        conditions.append(Inspection.hospital_id == _known_hospital_id(query["hospital"]))
    if query.get("department", "").strip():
        code = query["department"].strip()
        department_id = db.session.scalar(select(Department.id).where(Department.code == code))
        if department_id is None:
            raise bad({"department": f"department must be the code of a department; there is no department {code!r}."})
        conditions.append(Finding.department_id == department_id)
    if query.get("inspection", "").strip():
        raw = query["inspection"].strip()
        if (number := record_number(raw)) is None:
            raise bad({"inspection": f"inspection must be an inspection's number; it was {raw[:40]!r}."})
        conditions.append(Finding.inspection_id == number)
    kind = query.get("kind", "").strip()
    one_of("kind", kind, vocab.FINDING_KINDS)
    if kind:
        conditions.append(Finding.kind == kind)
    key_question = query.get("key_question", "").strip()
    one_of("key_question", key_question, KEY_QUESTIONS)
    if key_question:
        conditions.append(Finding.key_question == key_question)
    if not flag("archived"):
        conditions += [Finding.archived_at.is_(None), Inspection.archived_at.is_(None)]
    base = select(Finding).join(Inspection, Inspection.id == Finding.inspection_id).where(*conditions)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    place = aliased(Hospital)
    rows = db.session.execute(
        base.add_columns(place.ods_code)
        .outerjoin(place, place.id == Inspection.hospital_id)
        .options(joinedload(Finding.inspection), joinedload(Finding.department))
        .order_by(Inspection.published_on.desc().nulls_first(), Finding.id.desc())
        .limit(paged.per_page).offset(paged.offset)
    ).all()
    answers = _answers([f.id for f, _code in rows])
    return jsonify(page_of([finding_json(f, f.inspection, code, answers) for f, code in rows], total, paged))

