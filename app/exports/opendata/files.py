"""The four CSV files of the open data export: each one's columns (what the README says of
them) and its rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.actions.models import Action, action_findings
from app.auth.models import User
from app.domain import actions as action_rules
from app.domain import inspections as vocab
from app.domain.access import ROLES
from app.domain.ratings import ALL_VALUES, GRID_COLUMNS, KEY_QUESTIONS
from app.domain.regulations import REGULATIONS
from app.exports.opendata.snapshot import WITHHELD, YES_NO, Column, DataFile, Snapshot, iso, yes_no
from app.extensions import db
from app.inspections.grids import hospital_grid_from, published_cells, trust_grid_from
from app.inspections.models import Finding, RatingCell

# -- grid_cells.csv ----------------------------------------------------------------------------


def _by_hospital(records: Iterable[Any]) -> dict[int | None, list[Any]]:
    grouped: dict[int | None, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.hospital_id, []).append(record)
    return grouped


def grid_rows(snap: Snapshot) -> Iterator[tuple[Any, ...]]:
    """Each trust's own row (from its trust grid), then each of its hospitals' grids (service
    rows, then the hospital's own row): the same assembly as the pages and `flask grid`."""
    for trust in snap.trusts:
        records = published_cells(RatingCell.trust_id == trust.id)
        trust_grid = trust_grid_from(trust, trust.hospitals, records, snap.as_of)
        for row in trust_grid.rows:
            if row.key[0] != "trust":
                continue  # the hospitals' own rows come with their hospital grids below
            for cell in row.cells:
                if cell is not None:
                    yield (
                        "trust", trust.ods_code, "", "", row.label, cell.key_question, cell.rating,
                        iso(cell.published_on), cell.report_id, snap.references.get(cell.report_id, ""),
                        yes_no(trust_grid.is_illustrative(row, cell)),
                    )
        records_of = _by_hospital(records)
        for hospital in sorted(trust.hospitals, key=lambda h: h.ods_code):
            grid = hospital_grid_from(
                hospital, snap.departments_of.get(hospital.id, []), records_of.get(hospital.id, []), snap.as_of
            )
            for row in grid.rows:
                level = "service" if row.key[0] == "department" else "hospital"
                for cell in row.cells:
                    if cell is not None:
                        yield (
                            level, trust.ods_code, hospital.ods_code, row.service_code or "", row.label,
                            cell.key_question, cell.rating, iso(cell.published_on), cell.report_id,
                            snap.references.get(cell.report_id, ""), yes_no(grid.is_illustrative(row, cell)),
                        )


GRID_FILE = DataFile(
    "grid_cells.csv",
    "Every trust's and hospital's current official CQC ratings grid on the export date, one row "
    "per cell (row of the grid × key question). A cell keeps the date of the report that gave it, "
    "so one grid mixes several report dates. A cell with no rating is not listed.",
    (
        Column("level", "text", "Which grid row: the trust as a whole, a hospital as a whole, or one "
               "service at a hospital.", ("trust", "hospital", "service")),
        Column("trust_code", "code", "The trust's ODS code (CQC provider)."),
        Column("hospital_code", "code", "The hospital's ODS site code (CQC location); empty on a "
               "trust row.", optional=True),
        Column("service_code", "code", "The CQC core service id (`urgent`, `surgery`, "
               "`npimaternity` ...); empty on trust and hospital rows.", optional=True),
        Column("row_name", "text", "The row as the grid names it: the service (department) "
               "name, or `Overall for` and the hospital or trust name."),
        Column("key_question", "text", "The key question, or Overall.", GRID_COLUMNS),
        Column("rating", "text", "The rating, or a non-rating, spelled as CQC spells it.", ALL_VALUES),
        Column("report_date", "date", "Publication date of the report that gave this cell its rating."),
        Column("inspection_id", "integer", "The inspection that gave the rating: `inspection_id` in "
               "inspections.csv."),
        Column("inspection_reference", "text", "The report's reference (CQC report link id or "
               "the trust's reference), when recorded.", optional=True),
        Column("illustrative", "yes/no", "`yes` when the value is demonstration data filled in "
               "plausibly, not taken from a published report.", YES_NO),
    ),
    grid_rows,
)


# -- inspections.csv ---------------------------------------------------------------------------


def inspection_rows(snap: Snapshot) -> Iterator[tuple[Any, ...]]:
    for i in snap.inspections:
        yield (
            i.id, snap.trust_codes.get(i.trust_id, ""), snap.hospital_code(i.hospital_id), i.inspection_type,
            i.notice, iso(i.visit_start), iso(i.visit_end), iso(i.published_on), i.report_ref or "",
            i.report_url or "", yes_no(i.illustrative),
        )


INSPECTIONS_FILE = DataFile(
    "inspections.csv",
    "Every published official CQC inspection report the trust has recorded, oldest first. The "
    "trust's own mock inspections and peer reviews are not included.",
    (
        Column("inspection_id", "integer", "This export's identifier of the inspection (stable "
               "between exports)."),
        Column("trust_code", "code", "The trust's ODS code (CQC provider)."),
        Column("hospital_code", "code", "The hospital's ODS site code; empty for a trust-level "
               "well-led review.", optional=True),
        Column("inspection_type", "text", "What kind of inspection: " + "; ".join(
            f"`{k}` {v}" for k, v in vocab.INSPECTION_TYPES.items()) + ".", tuple(vocab.INSPECTION_TYPES)),
        Column("notice", "text", "How much notice the trust had: " + "; ".join(
            f"`{k}` {v}" for k, v in vocab.NOTICE.items()) + ".", tuple(vocab.NOTICE)),
        Column("visit_start", "date", "First day of the site visit, when recorded.", optional=True),
        Column("visit_end", "date", "Last day of the site visit, when recorded.", optional=True),
        Column("report_date", "date", "Publication date of the report; its ratings count from this day."),
        Column("inspection_reference", "text", "The report's reference, when recorded.", optional=True),
        Column("report_url", "text", "Where the published report is, when recorded.", optional=True),
        Column("illustrative", "yes/no", "`yes` when dates or details are demonstration data.", YES_NO),
    ),
    inspection_rows,
)


# -- findings.csv ------------------------------------------------------------------------------


def finding_rows(snap: Snapshot) -> Iterator[tuple[Any, ...]]:
    findings = db.session.scalars(
        select(Finding)
        .where(Finding.inspection_id.in_(snap.inspection_ids), Finding.archived_at.is_(None))
        .order_by(Finding.inspection_id, Finding.id)
    ) if snap.inspection_ids else []
    hospital_of = {i.id: i.hospital_id for i in snap.inspections}
    trust_of = {i.id: i.trust_id for i in snap.inspections}
    for f in findings:
        department = snap.department(f.department_id)
        yield (
            f.id, f.inspection_id, snap.trust_codes.get(trust_of[f.inspection_id], ""),
            snap.hospital_code(hospital_of[f.inspection_id]), department.service_code if department else "",
            department.name if department else "", f.kind, f.key_question or "", f.regulation or "",
            snap.guard(f.text), yes_no(f.illustrative),
        )


FINDINGS_FILE = DataFile(
    "findings.csv",
    "What each official inspection report found: its must-do and should-do actions and its "
    "outstanding practice, as the report words them.",
    (
        Column("finding_id", "integer", "This export's identifier of the finding (stable between exports)."),
        Column("inspection_id", "integer", "The report it comes from: `inspection_id` in inspections.csv."),
        Column("trust_code", "code", "The trust's ODS code."),
        Column("hospital_code", "code", "The hospital's ODS site code; empty for a trust-level review.",
               optional=True),
        Column("service_code", "code", "The CQC service id the finding is about; empty when it is "
               "about the whole hospital or trust.", optional=True),
        Column("department", "text", "The service (department) name; empty as above.", optional=True),
        Column("kind", "text", "; ".join(f"`{k}` {v}" for k, v in vocab.FINDING_KINDS.items())
               + ". A must-do cites a breached regulation.", tuple(vocab.FINDING_KINDS)),
        Column("key_question", "text", "The key question it is about, when the report says.",
               KEY_QUESTIONS, optional=True),
        Column("regulation", "code", "The regulation of the Health and Social Care Act 2008 (Regulated "
               "Activities) Regulations 2014 that was breached (`12` Safe care and treatment ...); "
               "always given for a must-do.", tuple(REGULATIONS), optional=True),
        Column("text", "text", "The finding as written in the report. Text that names a person "
               f"is replaced by `{WITHHELD}`."),
        Column("illustrative", "yes/no", "`yes` when the finding is demonstration data.", YES_NO),
    ),
    finding_rows,
)


# -- actions.csv -------------------------------------------------------------------------------


def action_rows(snap: Snapshot) -> Iterator[tuple[Any, ...]]:
    actions = db.session.scalars(
        select(Action)
        .where(Action.archived_at.is_(None))
        .options(selectinload(Action.owner))
        .order_by(Action.id)
        .execution_options(yield_per=1000)  # a national dataset has hundreds of thousands
    )
    findings: dict[int, list[int]] = {}
    for action_id, finding_id in db.session.execute(
        select(action_findings.c.action_id, action_findings.c.finding_id).order_by(action_findings.c.finding_id)
    ):
        findings.setdefault(action_id, []).append(finding_id)
    exported = {
        f for f in db.session.scalars(
            select(Finding.id).where(Finding.inspection_id.in_(snap.inspection_ids), Finding.archived_at.is_(None))
        )
    } if snap.inspection_ids else set()
    for a in actions:
        department = snap.department(a.department_id)
        hospital = snap.hospitals.get(a.hospital_id)
        yield (
            a.id, snap.trust_codes.get(hospital.trust_id, "") if hospital else "", snap.hospital_code(a.hospital_id),
            department.service_code if department else "", department.name if department else "",
            snap.guard(a.title), a.priority, a.status, iso(a.created_at), iso(a.original_due_on), iso(a.due_on),
            yes_no(a.is_overdue(snap.as_of)), a.days_late(snap.as_of), iso(a.completed_on), iso(a.verified_on),
            owner_role_title(a.owner), " ".join(str(f) for f in findings.get(a.id, []) if f in exported),
            yes_no(a.incident_id is not None),
        )


def owner_role_title(owner: User | None) -> str:
    """The owner's post (job title), or their role in the app when no title is recorded: never
    their name or address."""
    if owner is None:
        return ""
    return (owner.job_title or "").strip() or ROLES.get(owner.role, owner.role)


ACTIONS_FILE = DataFile(
    "actions.csv",
    "The trust's improvement actions (archived ones left out): what is to be done, where, by "
    "when, where it stands, and which findings it answers. The owner is given by the title of "
    "their post only; descriptions, progress notes and evidence are not included.",
    (
        Column("action_id", "integer", "This export's identifier of the action (stable between exports)."),
        Column("trust_code", "code", "The trust's ODS code."),
        Column("hospital_code", "code", "The hospital's ODS site code."),
        Column("service_code", "code", "The CQC service id of the department that owns it; empty for "
               "a hospital-wide action.", optional=True),
        Column("department", "text", "The department that owns it; empty for a hospital-wide action.",
               optional=True),
        Column("title", "text", f"What is to be done. Text that names a person is replaced by `{WITHHELD}`."),
        Column("priority", "text", "; ".join(f"`{k}` {v}" for k, v in action_rules.PRIORITIES.items()) + ".",
               tuple(action_rules.PRIORITIES)),
        Column("status", "text", "; ".join(f"`{k}` {v}" for k, v in action_rules.STATUSES.items()) + ".",
               tuple(action_rules.STATUSES)),
        Column("raised_on", "date", "The day the action was recorded."),
        Column("original_due_date", "date", "The due date first agreed."),
        Column("due_date", "date", "The due date now (moved only with a recorded reason)."),
        Column("overdue", "yes/no", "`yes` when, on the export date, the due date has passed and the "
               "action is neither completed, verified nor cancelled.", YES_NO),
        Column("days_late", "integer", "Days past the due date on the export date; 0 when not overdue."),
        Column("completed_on", "date", "The day the owner marked the work completed, if so.", optional=True),
        Column("verified_on", "date", "The day the quality team verified it closed, if so.", optional=True),
        Column("owner_role_title", "text", "The title of the post of the person who owns the action "
               "(for example `Head of midwifery, Whipps Cross`), or their role in the system when no "
               "title is recorded. Never a name."),
        Column("finding_ids", "text", "The findings it answers, as `finding_id`s of findings.csv "
               "separated by spaces; empty when it answers none of them (an incident, say).", optional=True),
        Column("answers_incident", "yes/no", "`yes` when it was raised after an incident rather than an "
               "inspection.", YES_NO),
    ),
    action_rows,
)


FILES: tuple[DataFile, ...] = (GRID_FILE, INSPECTIONS_FILE, FINDINGS_FILE, ACTIONS_FILE)
