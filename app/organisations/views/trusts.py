"""A trust's page: its hospitals' ratings and the trust's own, special measures, open and
overdue actions per hospital, and the departments of each hospital. A fixed number of queries
whatever the number of hospitals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from app.actions.models import Action
from app.audit.services import history_for
from app.auth.access import requires
from app.domain.actions import FINISHED
from app.domain.catalogue import SERVICES
from app.extensions import db
from app.inspections.grids import trust_grid
from app.inspections.models import Enforcement
from app.organisations import bp
from app.organisations.forms import AsOfForm
from app.organisations.models import Department, Hospital, Trust


@dataclass(frozen=True)
class SpecialMeasures:
    """A spell of special measures in force on the page's date, for the warning callout."""

    subject: str  # the trust's or the hospital's name
    started_on: date
    ended_on: date | None
    description: str


@dataclass(frozen=True)
class ActionCounts:
    open: int = 0  # not finished (FINISHED: completed, verified, cancelled)
    overdue: int = 0  # of those, due before today


def special_measures_on(trust: Trust, on: date) -> list[SpecialMeasures]:
    """Special measures of the trust or any of its hospitals in force on `on`, oldest first."""
    names = {h.id: h.name for h in trust.hospitals}
    spells = db.session.scalars(
        select(Enforcement)
        .where(
            Enforcement.trust_id == trust.id,
            Enforcement.kind == "special_measures",
            Enforcement.started_on <= on,
            or_(Enforcement.ended_on.is_(None), Enforcement.ended_on > on),
        )
        .order_by(Enforcement.started_on, Enforcement.id)
    ).all()
    return [
        SpecialMeasures(
            subject=names.get(e.hospital_id, trust.name) if e.hospital_id else trust.name,
            started_on=e.started_on,
            ended_on=e.ended_on,
            description=e.description,
        )
        for e in spells
    ]


def action_counts(hospital_ids: Sequence[int], today: date) -> dict[int, ActionCounts]:
    """Open and overdue actions per hospital in one grouped query. Overdue is derived, never
    stored: due before today and not finished (app.domain.actions.is_overdue). Archived actions
    are left out, as from every list."""
    if not hospital_ids:
        return {}
    rows = db.session.execute(
        select(
            Action.hospital_id,
            func.count(Action.id),
            func.sum(case((Action.due_on < today, 1), else_=0)),
        )
        .where(
            Action.hospital_id.in_(hospital_ids),
            Action.status.not_in(FINISHED),
            Action.archived_at.is_(None),
        )
        .group_by(Action.hospital_id)
    ).all()
    return {hospital_id: ActionCounts(int(opened), int(overdue or 0)) for hospital_id, opened, overdue in rows}


@bp.get("/trusts/<trust_code>")
@requires("read")
def trust(trust_code: str):
    trust = db.session.scalar(
        select(Trust)
        .where(Trust.ods_code == trust_code.strip().upper())
        .options(
            selectinload(Trust.hospitals)
            .selectinload(Hospital.departments)
            .selectinload(Department.successors)
        )
    )
    if trust is None:
        abort(404, description=f"There is no trust with the ODS code {trust_code}.")
    form = AsOfForm(request.args)
    today = date.today()
    as_of = today
    if request.args.get("as_of") and form.validate():
        as_of = form.as_of.data or as_of
    hospitals = list(trust.hospitals)
    return render_template(
        "organisations/trust.html",
        trust=trust,
        hospitals=hospitals,
        hospitals_by_id={h.id: h for h in hospitals},
        grid=trust_grid(trust, as_of),
        form=form,
        showing_today=as_of == today,
        special_measures=special_measures_on(trust, as_of),
        counts=action_counts([h.id for h in hospitals], today),
        no_actions=ActionCounts(),
        today=today,
        services=SERVICES,
        can_manage=current_user.can("record_inspections"),
        history=history_for(trust),
    )
