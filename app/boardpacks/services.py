"""Board packs: the pack as plain data (build_pack), and issuing it to the board (issue_pack).

build_pack reads through app.boardpacks.queries in a fixed number of queries whatever the size
of the trust, and returns a frozen dataclass of plain values; one template renders it for the
browser preview and for the PDF (app.boardpacks.rendering), so both hold the same facts.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.boardpacks import queries
from app.boardpacks.models import IssuedPack, IssuedPackContent
from app.charts import (
    Lane,
    MonthCount,
    lane_spans,
    open_closed_by_month,
    open_closed_chart,
    ratings_timeline,
)
from app.domain import inspections as vocab
from app.domain.actions import STATUSES
from app.domain.changes import DOWN, NEW, NONE, SAME, UP
from app.domain.grid import GridCell, cell_history
from app.domain.ratings import GRID_COLUMNS, OVERALL
from app.extensions import db
from app.inspections.grids import (
    GridRow,
    HospitalGrid,
    TrustGrid,
    hospital_grid_from,
    rated_cells,
    trust_grid_from,
)
from app.inspections.models import Finding
from app.inspections.queries import finding_rows
from app.organisations.models import Hospital, Trust

from app.presentation import long_date

OVERALL_INDEX = GRID_COLUMNS.index(OVERALL)


@dataclass(frozen=True)
class Report:
    """An official report: what kind, when published."""

    id: int
    label: str  # "Focused inspection, 1 August 2022"
    published_on: date
    reference: str | None
    illustrative: bool


@dataclass(frozen=True)
class ChangeSummary:
    """What one place's latest report changed: counts per kind of change, and its cells."""

    place: str
    report: Report | None
    grid: HospitalGrid | None  # only the rows and cells the report gave that are current
    counts: dict[str, int]

    @property
    def rerated(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HospitalSection:
    code: str
    name: str
    grid: HospitalGrid
    overall: GridCell | None
    changes: ChangeSummary
    timeline_svg: str | None  # app.charts markup: escaped text, no script, no style


@dataclass(frozen=True)
class EnforcementItem:
    place: str
    kind: str  # in words
    special_measures: bool
    description: str
    regulation: str | None
    started_on: date
    deadline: date | None


@dataclass(frozen=True)
class Headline:
    open: int = 0
    overdue: int = 0
    completed_last_quarter: int = 0
    slipped: int = 0
    total: int = 0


@dataclass(frozen=True)
class DepartmentLine:
    hospital: str
    department: str
    total: int
    open: int
    overdue: int
    completed: int
    slipped: int


@dataclass(frozen=True)
class OverdueAction:
    id: int
    title: str
    hospital: str
    department: str
    owner: str
    status: str
    due_on: date
    original_due_on: date
    days_late: int


@dataclass(frozen=True)
class AnsweringAction:
    title: str
    owner: str
    status: str
    due_on: date
    days_late: int


@dataclass(frozen=True)
class AppendixFinding:
    kind: str
    place: str  # the department, or the hospital as a whole
    key_question: str | None
    regulation: str | None
    text: str
    state: str
    open: bool
    illustrative: bool
    actions: tuple[AnsweringAction, ...]


@dataclass(frozen=True)
class AppendixReport:
    place: str
    report: Report
    findings: tuple[AppendixFinding, ...]


@dataclass(frozen=True)
class BoardPack:
    """Everything a board pack says, as plain values."""

    kind: str  # "trust" or "hospital"
    code: str
    name: str
    trust_code: str
    trust_name: str
    as_of: date
    generated_at: datetime
    generated_by: str
    trust_grid: TrustGrid | None  # a trust's pack: each hospital's own row and the trust's
    trust_changes: ChangeSummary | None  # the trust-level review's changes (a trust's pack)
    hospitals: tuple[HospitalSection, ...]
    enforcement: tuple[EnforcementItem, ...]
    headline: Headline
    departments: tuple[DepartmentLine, ...]
    overdue_must_do: tuple[OverdueAction, ...]
    months: tuple[MonthCount, ...]
    actions_svg: str
    overview_svg: str | None  # a trust's pack: each hospital's Overall over time
    appendix: tuple[AppendixReport, ...]
    median_age_days: float | None
    illustrative: bool  # some ratings or findings shown are illustrative demo data

    @property
    def title(self) -> str:
        return f"Board pack: {self.name}, position as of {long_date(self.as_of)}"

    @property
    def special_measures(self) -> tuple[EnforcementItem, ...]:
        return tuple(e for e in self.enforcement if e.special_measures)

    @property
    def filename(self) -> str:
        return f"board-pack-{self.code}-{self.as_of.isoformat()}.pdf"


class UnknownSubject(LookupError):
    pass


def _report(record_: queries.ReportRecord) -> Report:
    kind = vocab.INSPECTION_TYPES.get(record_.inspection_type, record_.inspection_type)
    return Report(record_.id, f"{kind} inspection, {long_date(record_.published_on)}",
                  record_.published_on, record_.report_ref, record_.illustrative)


def _changes(place: str, grid: HospitalGrid | None, report: Report | None) -> ChangeSummary:
    """The cells of the grid that the place's latest report gave, each with its change against
    the cell's previous rating (carried by the grid: app.domain.grid.current_grid)."""
    counts = {kind: 0 for kind in (UP, DOWN, SAME, NEW, NONE)}
    if grid is None or report is None:
        return ChangeSummary(place, report, None, counts)
    rows = []
    for row in grid.rows:
        cells = tuple(c if c is not None and c.report_id == report.id else None for c in row.cells)
        if any(cells):
            rows.append(GridRow(row.key, row.label, row.service_code, cells))
            for cell in cells:
                if cell is not None:
                    counts[cell.change.kind] += 1
    changed = HospitalGrid(grid.hospital_code, grid.hospital_name, grid.as_of, True, tuple(rows),
                           grid.illustrative, None)
    return ChangeSummary(place, report, changed, counts)


def _timeline(hospital: Hospital, records: Sequence[Any], reports: dict[int, Report],
              as_of: date) -> str | None:
    own = ("hospital", hospital.id)
    cells = [c for c in rated_cells(records) if c.row == own]
    if not cells:
        return None
    notes = {report_id: report.label for report_id, report in reports.items()}
    lanes = tuple(Lane(kq, lane_spans(cell_history(cells, own, kq), as_of, notes)) for kq in GRID_COLUMNS)
    return ratings_timeline(
        lanes, until=as_of, id_prefix=f"timeline-{hospital.ods_code}",
        title=f"{hospital.name}: the hospital's own official ratings over time, to {long_date(as_of)}",
        description="One lane per key question and Overall; each bar runs from the report that gave "
        "the rating until the next rating. The ratings grid lists the ratings in force.",
    )


def short_name(name: str) -> str:
    """A hospital's name short enough for a chart's lane label: 'Whipps Cross University
    Hospital' -> 'Whipps Cross'."""
    for suffix in (" University Hospital", " Hospital"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _overview(trust: Trust, hospitals: Sequence[Hospital], records: Sequence[Any],
              as_of: date) -> str | None:
    lanes = []
    rated = rated_cells(records)
    for hospital in hospitals:
        own = ("hospital", hospital.id)
        history = cell_history([c for c in rated if c.row == own], own, OVERALL)
        if history:
            lanes.append(Lane(short_name(hospital.name), lane_spans(history, as_of)))
    trust_row = ("trust", trust.id)
    trust_history = cell_history([c for c in rated if c.row == trust_row], trust_row, OVERALL)
    if trust_history:
        lanes.append(Lane("Trust", lane_spans(trust_history, as_of)))
    if not lanes:
        return None
    return ratings_timeline(
        lanes, until=as_of, id_prefix=f"overview-{trust.ods_code}",
        title=f"Overall rating of each hospital of {trust.name} over time, to {long_date(as_of)}",
        description="One lane per hospital, and one for the trust; each bar runs from the report that "
        "gave the Overall rating until the next one.",
    )


def build_pack(subject: Trust | Hospital, as_of: date, *, generated_by: str, generated_at: datetime) -> BoardPack:
    """The board pack of a trust or of one hospital as it stood on `as_of`.

    Ratings are the official grid as of the date (app.domain.grid). Actions are as recorded
    now, overdue and days late counted against `as_of`. `subject` comes from
    queries.subject_by_code, with its hospitals and departments loaded. About a dozen queries,
    whatever the number of hospitals, inspections, findings or actions.
    """
    if isinstance(subject, Trust):
        trust, hospitals, hospital_id = subject, list(subject.hospitals), None
    else:
        trust, hospitals, hospital_id = subject.trust, [subject], subject.id
    hospitals.sort(key=lambda h: h.name)
    hospital_ids = [h.id for h in hospitals]
    names = {h.id: h.name for h in hospitals}
    department_names = {d.id: d.name for h in hospitals for d in h.departments}

    records = queries.official_cells(trust.id, hospital_id, as_of)
    report_records = queries.official_reports(trust.id, hospital_id, as_of)
    reports = {r.id: _report(r) for r in report_records}
    latest: dict[int | None, Report] = {}
    for report_record in report_records:  # oldest first: the last one per place wins
        latest[report_record.hospital_id] = reports[report_record.id]

    by_hospital = queries.group_by((r for r in records if r.scope != "trust"), "hospital_id")
    sections = []
    grids = []
    for hospital in hospitals:
        own_records = by_hospital.get(hospital.id, [])
        grid = hospital_grid_from(hospital, list(hospital.departments), own_records, as_of)
        grids.append(grid)
        own_row = next((row for row in grid.rows if row.key == ("hospital", hospital.id)), None)
        sections.append(HospitalSection(
            code=hospital.ods_code,
            name=hospital.name,
            grid=grid,
            overall=own_row.cells[OVERALL_INDEX] if own_row else None,
            changes=_changes(hospital.name, grid, latest.get(hospital.id)),
            timeline_svg=_timeline(hospital, own_records, reports, as_of),
        ))

    trust_grid = trust_changes = overview = None
    if hospital_id is None:
        trust_grid = trust_grid_from(trust, hospitals, records, as_of)
        trust_row = trust_grid.rows[-1]
        trust_only = HospitalGrid(trust.ods_code, trust.name, as_of, True, (trust_row,),
                                  trust_grid.illustrative, None)
        trust_changes = _changes(f"{trust.name} (trust-level review)", trust_only, latest.get(None))
        overview = _overview(trust, hospitals, records, as_of)

    enforcement = tuple(
        EnforcementItem(
            place=(department_names.get(e.department_id, "") + ", " if e.department_id else "")
            + (names.get(e.hospital_id, "") if e.hospital_id else trust.name),
            kind=vocab.ENFORCEMENT_KINDS.get(e.kind, e.kind),
            special_measures=e.kind == "special_measures",
            description=e.description,
            regulation=e.regulation,
            started_on=e.started_on,
            deadline=e.deadline,
        )
        for e in queries.enforcement_on(trust.id, hospital_id, as_of)
    )

    counts = queries.action_counts(hospital_ids, as_of)
    headline = Headline(
        open=sum(c.open for c in counts),
        overdue=sum(c.overdue for c in counts),
        completed_last_quarter=sum(c.completed_last_quarter for c in counts),
        slipped=sum(c.slipped for c in counts),
        total=sum(c.total for c in counts),
    )
    departments = tuple(sorted(
        (
            DepartmentLine(
                hospital=names[c.hospital_id],
                department=department_names.get(c.department_id, "") if c.department_id else "Hospital-wide",
                total=c.total, open=c.open, overdue=c.overdue, completed=c.completed, slipped=c.slipped,
            )
            for c in counts
        ),
        key=lambda line: (line.hospital, line.department == "Hospital-wide", line.department),
    ))
    overdue = tuple(sorted(
        (
            OverdueAction(
                id=a.id, title=a.title, hospital=names[a.hospital_id],
                department=department_names.get(a.department_id, "") if a.department_id else "Hospital-wide",
                owner=a.owner_name, status=STATUSES.get(a.status, a.status), due_on=a.due_on,
                original_due_on=a.original_due_on, days_late=(as_of - a.due_on).days,
            )
            for a in queries.overdue_must_do(hospital_ids, as_of)
        ),
        key=lambda a: (-a.days_late, a.hospital, a.id),
    ))
    months = open_closed_by_month(
        [(a.raised_on, a.status, a.completed_on) for a in queries.action_dates(hospital_ids)], as_of
    )
    actions_svg = open_closed_chart(
        months, id_prefix="open-closed",
        title=f"Improvement actions of {subject.name}, open and completed, month by month to {long_date(as_of)}",
        description="For each of the last 12 months, the actions open at the end of the month (solid bars) "
        "and those completed in the month (outlined bars). The table beside the chart gives the numbers.",
    )

    appendix = _appendix(latest, names, trust.name, as_of)
    ages = [(as_of - c.published_on).days for g in grids for row in g.rows for c in row.cells if c]
    if trust_grid is not None:
        ages += [(as_of - c.published_on).days for c in trust_grid.rows[-1].cells if c]
    illustrative = any(g.illustrative for g in grids) or bool(trust_grid and trust_grid.illustrative) \
        or any(f.illustrative for r in appendix for f in r.findings)
    return BoardPack(
        kind="trust" if hospital_id is None else "hospital",
        code=subject.ods_code,
        name=subject.name,
        trust_code=trust.ods_code,
        trust_name=trust.name,
        as_of=as_of,
        generated_at=generated_at,
        generated_by=generated_by,
        trust_grid=trust_grid,
        trust_changes=trust_changes,
        hospitals=tuple(sections),
        enforcement=enforcement,
        headline=headline,
        departments=departments,
        overdue_must_do=overdue,
        months=months,
        actions_svg=actions_svg,
        overview_svg=overview,
        appendix=appendix,
        median_age_days=float(statistics.median(ages)) if ages else None,
        illustrative=illustrative,
    )


def _appendix(latest: dict[int | None, Report], names: dict[int, str], trust_name: str,
              as_of: date) -> tuple[AppendixReport, ...]:
    """The findings of each place's latest report with the actions that answer them: two
    queries (app.inspections.queries.finding_rows) for every report at once."""
    if not latest:
        return ()
    places = {report.id: (names.get(place, "") if place else trust_name) for place, report in latest.items()}
    rows = finding_rows(Finding.inspection_id.in_(sorted(places)), today=as_of)
    by_report: dict[int, list[AppendixFinding]] = {}
    for row in rows:
        finding = row.finding
        by_report.setdefault(finding.inspection_id, []).append(AppendixFinding(
            kind=vocab.FINDING_KINDS.get(finding.kind, finding.kind),
            place=finding.department.name if finding.department else "The hospital as a whole"
            if finding.inspection.hospital_id else "The trust as a whole",
            key_question=finding.key_question,
            regulation=finding.regulation,
            text=finding.text,
            state=row.state,
            open=row.open,
            illustrative=finding.illustrative,
            actions=tuple(
                AnsweringAction(a.title, a.owner.name, STATUSES.get(a.status, a.status), a.due_on,
                                a.days_late(as_of))
                for a in row.actions
            ),
        ))
    ordered = sorted(latest.values(), key=lambda r: (places[r.id] == trust_name, places[r.id]))
    return tuple(
        AppendixReport(places[report.id], report, tuple(by_report.get(report.id, ()))) for report in ordered
    )


def change_words(counts: dict[str, int]) -> str:
    """'2 improved, 1 declined, 3 unchanged, 1 new rating' (kinds with none left out)."""
    labels = ((UP, "improved"), (DOWN, "declined"), (SAME, "unchanged"), (NEW, "new"), (NONE, "not rated"))
    parts = [f"{counts[kind]} {label}" for kind, label in labels if counts.get(kind)]
    return ", ".join(parts) if parts else "no cells"


# -- Issued packs ---------------------------------------------------------------------------------


def issue_pack(subject: Trust | Hospital, as_of: date, *, issued_by, generated_at: datetime) -> IssuedPack:  # type: ignore[no-untyped-def]
    """Build the pack, make its PDF, and keep the bytes as issued with their SHA-256, audited.

    The PDF is made before anything is written, so a render that fails
    (app.boardpacks.pdf.PackRenderError) leaves nothing behind."""
    from app.boardpacks.rendering import pack_pdf

    pack = build_pack(subject, as_of, generated_by=issued_by.name, generated_at=generated_at)
    pdf = pack_pdf(pack)
    trust = subject if isinstance(subject, Trust) else subject.trust
    issued = IssuedPack(
        trust_id=trust.id,
        hospital_id=None if isinstance(subject, Trust) else subject.id,
        title=pack.title,
        as_of=pack.as_of,
        generated_at=pack.generated_at,
        generated_by_id=issued_by.id,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
    )
    db.session.add(issued)
    record("create", issued, None, actor=issued_by)
    db.session.add(IssuedPackContent(pack_id=issued.id, pdf=pdf))
    db.session.flush()
    return issued


def issued_packs(trust: Trust) -> list[IssuedPack]:
    """The trust's issued packs, newest first (their bytes not read)."""
    return list(db.session.scalars(
        select(IssuedPack)
        .where(IssuedPack.trust_id == trust.id)
        .options(joinedload(IssuedPack.hospital), joinedload(IssuedPack.generated_by))
        .order_by(IssuedPack.generated_at.desc(), IssuedPack.id.desc())
    ))


def issued_pdf(pack_id: int) -> tuple[IssuedPack, bytes] | None:
    """An issued pack and its bytes, exactly as issued: one query."""
    row = db.session.execute(
        select(IssuedPack, IssuedPackContent.pdf)
        .join(IssuedPackContent, IssuedPackContent.pack_id == IssuedPack.id)
        .where(IssuedPack.id == pack_id)
        .options(joinedload(IssuedPack.trust), joinedload(IssuedPack.hospital))
    ).first()
    return (row[0], row[1]) if row else None


def change_tally(sections: Sequence[HospitalSection]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for section in sections:
        tally.update(section.changes.counts)
    return tally
