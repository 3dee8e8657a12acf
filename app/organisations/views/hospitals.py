"""Pages of the organisation tree: the hospitals of each trust, a hospital's page (its official
grid as of a date, beside it on request the latest internal inspection's grid, its inspections,
findings and enforcement in force), and its grid as a CSV or JSON download."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Response, abort, jsonify, render_template, request
from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.actions.models import Action, action_findings
from app.audit.services import history_for
from app.auth.access import requires
from app.domain import inspections as vocab
from app.domain.actions import STATUSES as ACTION_STATUSES
from app.extensions import db
from app.inspections.grids import (
    HospitalGrid,
    download_name,
    grid_csv,
    grid_json,
    hospital_grid,
    inspection_grid,
    latest_internal_inspection,
    overall_ratings,
)
from app.inspections.models import Enforcement, Finding, Inspection
from app.organisations import bp
from app.organisations.forms import AsOfForm
from app.organisations.models import Hospital, Trust
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


# -- What the hospital page shows besides its grid ---------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    """A finding with the actions that answer it and where it stands, in words."""

    finding: Finding
    actions: tuple[Action, ...]
    open: bool
    state: str


def finding_state(actions: Sequence[Action], today: date) -> tuple[bool, str]:
    """(open, in words): a finding is closed once it has actions and every one not cancelled
    is verified closed; until then it is open, and the words say why (overdue from today)."""
    live = [a for a in actions if a.status != "cancelled"]
    if not live:
        return True, ("Open: every action raised was cancelled" if actions
                      else "Open: no action raised yet")
    if all(a.status == "verified" for a in live):
        return False, "Closed: every action verified"
    unfinished = [a for a in live if a.status in ("open", "in_progress")]
    if not unfinished:
        return True, "Open: actions completed, awaiting verification"
    words = f"Open: {len(unfinished)} {'action' if len(unfinished) == 1 else 'actions'} under way"
    overdue = sum(1 for a in unfinished if a.is_overdue(today))
    return True, words + (f", {overdue} overdue" if overdue else "")


def answering_actions(finding_ids: Iterable[int]) -> dict[int, list[Action]]:
    """The actions (not archived) that answer each finding, in one query."""
    ids = list(finding_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(action_findings.c.finding_id, Action)
        .join(Action, Action.id == action_findings.c.action_id)
        .where(action_findings.c.finding_id.in_(ids), Action.archived_at.is_(None))
        .options(joinedload(Action.owner))
        .order_by(Action.due_on, Action.id)
    ).all()
    answers: dict[int, list[Action]] = defaultdict(list)
    for finding_id, action in rows:
        answers[finding_id].append(action)
    return answers


def finding_rows(*conditions: Any, today: date) -> list[FindingRow]:
    """Findings (not archived, of inspections not archived) matching `conditions`, each with
    its answering actions: open must-dos first, then other open findings, then closed ones,
    the newest inspection first within each. Two queries."""
    findings = db.session.scalars(
        select(Finding)
        .join(Inspection, Finding.inspection_id == Inspection.id)
        .where(Finding.archived_at.is_(None), Inspection.archived_at.is_(None), *conditions)
        .options(joinedload(Finding.inspection), joinedload(Finding.department))
    ).all()
    answers = answering_actions(f.id for f in findings)
    rows = []
    for finding in findings:
        actions = tuple(answers.get(finding.id, ()))
        rows.append(FindingRow(finding, actions, *finding_state(actions, today)))
    rows.sort(key=lambda r: r.finding.id, reverse=True)
    rows.sort(key=lambda r: r.finding.inspection.published_on or date.max, reverse=True)
    rows.sort(key=lambda r: (not r.open, not (r.open and r.finding.kind == "must_do")))
    return rows


def newest_first() -> tuple[Any, ...]:
    """Inspections newest first: drafts (no publication date yet) at the top."""
    return (
        case((Inspection.published_on.is_(None), 0), else_=1),
        Inspection.published_on.desc(),
        Inspection.id.desc(),
    )


def _hospital_inspections(hospital: Hospital) -> list[Inspection]:
    return list(
        db.session.scalars(
            select(Inspection)
            .where(Inspection.hospital_id == hospital.id, Inspection.archived_at.is_(None))
            .order_by(*newest_first())
        )
    )


def _enforcement_in_force(hospital: Hospital, on: date) -> list[Enforcement]:
    """The hospital's enforcement in force on the date, and the trust's own (special measures)."""
    return list(
        db.session.scalars(
            select(Enforcement)
            .where(
                Enforcement.trust_id == hospital.trust_id,
                or_(Enforcement.hospital_id == hospital.id, Enforcement.hospital_id.is_(None)),
                Enforcement.started_on <= on,
                or_(Enforcement.ended_on.is_(None), Enforcement.ended_on > on),
            )
            .options(joinedload(Enforcement.department))
            .order_by(Enforcement.started_on, Enforcement.id)
        )
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
        inspections=_hospital_inspections(hospital),
        findings=finding_rows(Inspection.hospital_id == hospital.id, today=today),
        enforcement=_enforcement_in_force(hospital, as_of),
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


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def csv_response(grid: HospitalGrid, inspection: Inspection | None = None) -> Response:
    """A grid as a CSV file to save (shared with the inspection's download)."""
    headers = _attachment(download_name(grid, "csv", inspection))
    return Response(grid_csv(grid), mimetype="text/csv", headers=headers)


def json_response(grid: HospitalGrid, inspection: Inspection | None = None) -> Response:
    """A grid as a JSON file to save, in the shape of `flask grid --json`."""
    response = jsonify(grid_json(grid, inspection))
    response.headers.update(_attachment(download_name(grid, "json", inspection)))
    return response


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
