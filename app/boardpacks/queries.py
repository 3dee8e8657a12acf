"""What a board pack reads, in a fixed number of queries whatever the number of hospitals,
departments, inspections or actions: each query fetches one kind of thing for the whole subject
(every hospital of a trust at once) and the shaping happens in Python, with the domain's rules.

The grid rule itself stays in app.domain.grid (current_grid); this module batches what
app.inspections.grids.hospital_grid does per hospital, so that a trust of five hospitals costs
the same queries as one hospital.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.actions.models import Action, ActionUpdate
from app.actions.queries import answers_must_do, is_overdue
from app.auth.models import User
from app.domain.actions import FINISHED
from app.extensions import db
from app.inspections.grids import published_cells
from app.inspections.models import Enforcement, Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust

QUARTER_DAYS = 91


def subject_by_code(code: str) -> Trust | Hospital | None:
    """A trust (by its ODS code) or a hospital (by its site code), with the hospitals and their
    departments (and the departments that replace them) loaded: four queries."""
    code = (code or "").strip().upper()
    if not code:
        return None
    departments = selectinload(Hospital.departments).selectinload(Department.successors)
    trust = db.session.scalar(
        select(Trust).where(Trust.ods_code == code).options(selectinload(Trust.hospitals).options(departments))
    )
    if trust is not None:
        return trust
    return db.session.scalar(
        select(Hospital).where(Hospital.ods_code == code).options(
            selectinload(Hospital.trust), departments
        )
    )


# -- Rating cells and grids ----------------------------------------------------------------------


def official_cells(trust_id: int, hospital_id: int | None, as_of: date) -> list[Any]:
    """Every official published rating cell of the trust (or of one hospital) up to as_of, as
    app.inspections.grids.published_cells rows: one query. Archived inspections no longer count."""
    place = [RatingCell.trust_id == trust_id]
    if hospital_id is not None:
        place.append(RatingCell.hospital_id == hospital_id)
    return published_cells(*place, Inspection.source == "official", Inspection.published_on <= as_of)


# -- Reports and enforcement -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRecord:
    id: int
    hospital_id: int | None
    inspection_type: str
    published_on: date
    report_ref: str | None
    illustrative: bool


def official_reports(trust_id: int, hospital_id: int | None, as_of: date) -> list[ReportRecord]:
    """The official published reports of the trust (or of one hospital) up to as_of, oldest
    first: one query."""
    place = Inspection.trust_id == trust_id
    if hospital_id is not None:
        place = and_(place, Inspection.hospital_id == hospital_id)
    rows = db.session.execute(
        select(Inspection.id, Inspection.hospital_id, Inspection.inspection_type, Inspection.published_on,
               Inspection.report_ref, Inspection.illustrative)
        .where(place, Inspection.source == "official", Inspection.status == "published",
               Inspection.archived_at.is_(None), Inspection.published_on <= as_of)
        .order_by(Inspection.published_on, Inspection.id)
    ).all()
    return [ReportRecord(*row) for row in rows]


def enforcement_on(trust_id: int, hospital_id: int | None, on: date) -> list[Enforcement]:
    """Enforcement in force on the date: the trust's own and its hospitals' (or, for one
    hospital, the hospital's and the trust's own). One query."""
    conditions = [
        Enforcement.trust_id == trust_id,
        Enforcement.started_on <= on,
        or_(Enforcement.ended_on.is_(None), Enforcement.ended_on > on),
    ]
    if hospital_id is not None:
        conditions.append(or_(Enforcement.hospital_id == hospital_id, Enforcement.hospital_id.is_(None)))
    return list(db.session.scalars(
        select(Enforcement).where(*conditions).order_by(Enforcement.started_on, Enforcement.id)
    ))


# -- Actions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentCounts:
    hospital_id: int
    department_id: int | None
    total: int
    open: int  # not finished
    overdue: int  # not finished and due before the position date
    completed: int  # completed or verified
    completed_last_quarter: int  # completed in the 91 days up to the position date
    slipped: int  # due date later than first agreed (cancelled actions left out)


def action_counts(hospital_ids: Sequence[int], as_of: date) -> list[DepartmentCounts]:
    """Per hospital and department, the actions' headline figures, in one grouped query.
    Archived actions are left out, as from every list."""
    if not hospital_ids:
        return []

    def number(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    quarter_start = as_of - timedelta(days=QUARTER_DAYS)
    rows = db.session.execute(
        select(
            Action.hospital_id,
            Action.department_id,
            func.count(Action.id),
            number(Action.status.not_in(FINISHED)),
            number(is_overdue(as_of)),
            number(Action.status.in_(("completed", "verified"))),
            number(and_(Action.status.in_(("completed", "verified")),
                        Action.completed_on > quarter_start, Action.completed_on <= as_of)),
            number(and_(Action.status != "cancelled", Action.due_on > Action.original_due_on)),
        )
        .where(Action.hospital_id.in_(hospital_ids), Action.archived_at.is_(None))
        .group_by(Action.hospital_id, Action.department_id)
    ).all()
    return [DepartmentCounts(h, d, *(int(v) for v in values)) for h, d, *values in rows]


@dataclass(frozen=True)
class OverdueRecord:
    id: int
    title: str
    status: str
    hospital_id: int
    department_id: int | None
    owner_name: str
    due_on: date
    original_due_on: date


def overdue_must_do(hospital_ids: Sequence[int], as_of: date) -> list[OverdueRecord]:
    """Actions answering a must-do finding that are overdue on the position date, the longest
    overdue first: one query."""
    if not hospital_ids:
        return []
    rows = db.session.execute(
        select(Action.id, Action.title, Action.status, Action.hospital_id, Action.department_id,
               User.name, Action.due_on, Action.original_due_on)
        .join(User, User.id == Action.owner_id)
        .where(Action.hospital_id.in_(hospital_ids), Action.archived_at.is_(None),
               is_overdue(as_of), answers_must_do())
        .order_by(Action.due_on, Action.id)
    ).all()
    return [OverdueRecord(*row) for row in rows]


@dataclass(frozen=True)
class ActionDates:
    raised_on: date  # the earlier of when it was recorded and its first progress update
    status: str
    completed_on: date | None


def action_dates(hospital_ids: Sequence[int]) -> list[ActionDates]:
    """For the open-versus-closed chart: when each action was raised and completed. One query.

    An action recorded after the fact (an import, the demo) carries progress dated before the
    day it was typed in, so its earliest update counts as raised too."""
    if not hospital_ids:
        return []
    # Correlated, so only these actions' updates are read (an index look-up each), not every
    # update in the database grouped first.
    first_update = (
        select(func.min(ActionUpdate.created_at)).where(ActionUpdate.action_id == Action.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(Action.created_at, first_update, Action.status, Action.completed_on)
        .where(Action.hospital_id.in_(hospital_ids), Action.archived_at.is_(None))
    ).all()
    found = []
    for created_at, first, status, completed_on in rows:
        moments = [m for m in (created_at, first) if m is not None]
        raised = min(_day(m) for m in moments)
        found.append(ActionDates(raised, status, completed_on))
    return found


def _day(moment: datetime) -> date:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def group_by(items: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        grouped[getattr(item, key)].append(item)
    return grouped
