"""A department's page: its CQC service and hospital, whether it is retired, a timeline of its
official ratings per key question (an SVG chart from app.charts with a data table), and its
findings with the actions that answer them."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date

from flask import abort, render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.actions.models import Action
from app.auth.access import requires
from app.charts import Lane, lane_spans, ratings_timeline
from app.domain import inspections as vocab
from app.domain.actions import STATUSES as ACTION_STATUSES
from app.domain.catalogue import SERVICES
from app.domain.grid import RatedCell, RowLifetime, cell_history, row_end_date
from app.domain.ratings import GRID_COLUMNS
from app.extensions import db
from app.inspections.models import Finding, Inspection, RatingCell
from app.inspections.queries import finding_rows
from app.organisations import bp
from app.organisations.models import Department, department_successions
from app.presentation import long_date


@dataclass(frozen=True)
class ReportRow:
    """One report that rated the department: its date, its inspection, and the ratings it gave."""

    published_on: date
    inspection_id: int
    label: str
    ratings: tuple[str | None, ...]  # one per GRID_COLUMNS entry; None = not rated by it


@dataclass(frozen=True)
class Timeline:
    lanes: tuple[Lane, ...]
    reports: tuple[ReportRow, ...]
    ends_on: date | None  # when the department left the current grid, if it has
    until: date  # where the chart stops: that date, or today


def department_timeline(department: Department, today: date) -> Timeline:
    """The department's official ratings over time: one lane per key question and Overall.

    One query: the cells of the department and of its successors (loaded with it), whose
    first rating ends the department's time in the grid.
    """
    successor_ids = [s.id for s in department.successors]
    rows = db.session.execute(
        select(RatingCell.department_id, RatingCell.key_question, RatingCell.rating, Inspection)
        .join(Inspection, RatingCell.inspection_id == Inspection.id)
        .where(
            RatingCell.department_id.in_([department.id, *successor_ids]),
            Inspection.source == "official",
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
        )
        .order_by(Inspection.published_on, Inspection.id)
    ).all()
    row = ("department", department.id)
    cells = [
        RatedCell(("department", department_id), kq, rating, inspection.published_on, inspection.id)
        for department_id, kq, rating, inspection in rows
    ]
    successors = tuple(("department", i) for i in successor_ids)
    lifetimes = {row: RowLifetime(row, department.retired_on, successors)}
    ends_on = row_end_date(row, lifetimes, cells)
    until = min(ends_on, today) if ends_on else today
    labels: dict[Hashable, str] = {
        i.id: f"{vocab.INSPECTION_TYPES[i.inspection_type]} inspection, {long_date(i.published_on)}"
        for _, _, _, i in rows
    }
    lanes = tuple(
        Lane(key_question, lane_spans(cell_history(cells, row, key_question), until, labels))
        for key_question in GRID_COLUMNS
    )

    given: dict[int, dict[str, str]] = {}
    inspections: dict[int, Inspection] = {}
    for department_id, key_question, rating, inspection in rows:
        if department_id == department.id:
            given.setdefault(inspection.id, {})[key_question] = rating
            inspections[inspection.id] = inspection
    reports = tuple(
        ReportRow(
            published_on=inspections[i].published_on,  # type: ignore[arg-type]
            inspection_id=i,
            label=labels[i],
            ratings=tuple(given[i].get(kq) for kq in GRID_COLUMNS),
        )
        for i in given
    )
    return Timeline(lanes, reports, ends_on, until)


def other_actions(department: Department) -> list[Action]:
    """The department's actions that answer no finding (an incident's, say), not archived."""
    return list(
        db.session.scalars(
            select(Action)
            .where(
                Action.department_id == department.id,
                Action.archived_at.is_(None),
                ~Action.findings.any(),
            )
            .options(joinedload(Action.owner))
            .order_by(Action.due_on, Action.id)
        )
    )


def _predecessors(department: Department) -> list[Department]:
    return list(
        db.session.scalars(
            select(Department)
            .join(department_successions, department_successions.c.predecessor_id == Department.id)
            .where(department_successions.c.successor_id == department.id)
            .order_by(Department.name)
        )
    )


@bp.get("/departments/<int:department_id>")
@requires("read")
def department(department_id: int):
    department = db.session.scalar(
        select(Department)
        .where(Department.id == department_id)
        .options(joinedload(Department.hospital), selectinload(Department.successors))
    )
    if department is None:
        abort(404, description=f"There is no department number {department_id}.")
    today = date.today()
    timeline = department_timeline(department, today)
    service = SERVICES.get(department.service_code)
    chart = ratings_timeline(
        timeline.lanes,
        until=timeline.until,
        title=f"Timeline of the official CQC ratings of {department.name}, "
        f"{department.hospital.name}",
        description="One lane per key question and Overall; each bar runs from the report that "
        "gave the rating until the next rating. The table below lists the same ratings.",
        id_prefix=f"timeline-{department.id}",
        today=today,
    )
    return render_template(
        "organisations/department.html",
        department=department,
        service=service,
        predecessors=_predecessors(department),
        timeline=timeline,
        # app.charts escapes every text it draws; the markup holds no script and no style.
        chart=Markup(chart) if any(lane.spans for lane in timeline.lanes) else None,
        findings=finding_rows(Finding.department_id == department.id, today=today),
        other_actions=other_actions(department),
        finding_kinds=vocab.FINDING_KINDS,
        action_statuses=ACTION_STATUSES,
        today=today,
    )
