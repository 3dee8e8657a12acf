"""The CSV import of actions: every row is checked (on its own, then against the database)
before any is saved, and then all rows are saved, each through services.create_action with its
audit event, or none is.

The file's shape and each row's own values are app.domain.action_import's rules; here the codes
and emails are looked up, a few queries for the whole file rather than a few per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.actions import services
from app.actions.models import Action
from app.auth.models import User
from app.domain.access import ROLES, allowed
from app.domain.action_import import COLUMN_NAMES, Problem, RowInput, decode, parse
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Finding, Inspection
from app.organisations.models import Department, Hospital

MAX_PROBLEMS_SHOWN = 100


@dataclass
class Outcome:
    """What an import did: the problems (nothing saved), or the actions it created."""

    problems: list[Problem] = field(default_factory=list)
    created: list[Action] = field(default_factory=list)


def _lookup(rows: list[RowInput]) -> dict[str, dict[Any, Any]]:
    """Everything the rows name, by code, email or id: one query per kind of record."""
    hospitals = {h.ods_code: h for h in db.session.scalars(
        select(Hospital).where(Hospital.ods_code.in_({r.hospital for r in rows})))}
    departments = {d.code: d for d in db.session.scalars(
        select(Department).where(Department.code.in_({r.department for r in rows if r.department})))}
    owners = {u.email.lower(): u for u in db.session.scalars(
        select(User).options(selectinload(User.departments))
        .where(func.lower(User.email).in_({r.owner_email for r in rows})))}
    finding_ids = {i for r in rows for i in r.finding_ids}
    findings = {f.id: (f, inspection) for f, inspection in db.session.execute(
        select(Finding, Inspection).join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Finding.id.in_(finding_ids)))} if finding_ids else {}
    titles = {(r.hospital, r.title.lower()) for r in rows}
    existing = {}
    if titles:
        hospital_ids = {h.id for h in hospitals.values()}
        for action_id, hospital_id, department_id, title in db.session.execute(
            select(Action.id, Action.hospital_id, Action.department_id, Action.title)
            .where(Action.hospital_id.in_(hospital_ids), Action.archived_at.is_(None),
                   func.lower(Action.title).in_({t for _h, t in titles}))
        ):
            existing[(hospital_id, department_id, title.lower())] = action_id
    return {"hospitals": hospitals, "departments": departments, "owners": owners,
            "findings": findings, "existing": existing}


def _department_names(user: User) -> str:
    names = [d.name for d in user.departments]
    return " and ".join(names) if names else "no departments"


def _check(rows: list[RowInput], found: dict[str, dict[Any, Any]], known: set[tuple[int | None, str | None]]) -> list[Problem]:
    """The problems of the rows against the database; `known` holds the (line, column) pairs
    that already have a problem of their own, which are not looked up."""
    problems: list[Problem] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        def problem(column: str | None, message: str, line: int = row.line) -> None:
            problems.append(Problem(message, line, column))

        def checked(column: str) -> bool:
            return (row.line, column) not in known

        hospital = found["hospitals"].get(row.hospital)
        if hospital is None and checked("hospital"):
            problem("hospital", f"There is no hospital with the ODS site code {row.hospital}.")
        department = found["departments"].get(row.department) if row.department else None
        if row.department and department is None:
            problem("department", f"There is no department with the code {row.department}.")
        elif department is not None and hospital is not None and department.hospital_id != hospital.id:
            problem("department", f"{row.department} is a department of {department.hospital.name}, "
                                  f"not of {hospital.name} ({hospital.ods_code}).")
        elif department is not None and department.retired_on is not None:
            problem("department", f"{department.name} ({row.department}) was retired on "
                                  f"{department.retired_on.isoformat()}; give the department that took over.")
        owner = found["owners"].get(row.owner_email)
        if not checked("owner_email"):
            pass
        elif owner is None:
            problem("owner_email", f"No one has an account with the email address {row.owner_email}.")
        elif not owner.active:
            problem("owner_email", f"{owner.name}'s account ({row.owner_email}) is deactivated.")
        elif not allowed(owner.role, "update_actions"):
            problem("owner_email", f"{owner.name} is {ROLES[owner.role].lower()}, who cannot update actions; "
                                   "the owner must be a department lead or in the quality team.")
        elif owner.role == "lead" and (department is None or department.id not in owner.department_ids):
            if row.department is None:
                problem("owner_email", f"{owner.name} is a department lead and could not update a "
                                       "hospital-wide action: give one of their departments, or another owner.")
            elif department is not None:
                problem("owner_email", f"{owner.name} leads {_department_names(owner)}, not "
                                       f"{department.name}, so they could not update this action.")
        for finding_id in row.finding_ids:
            entry = found["findings"].get(finding_id)
            if entry is None:
                problem("finding_ids", f"There is no finding number {finding_id}.")
                continue
            finding, inspection = entry
            if finding.is_archived:
                problem("finding_ids", f"Finding {finding_id} is archived.")
            elif hospital is not None and (
                inspection.hospital_id not in (None, hospital.id) or inspection.trust_id != hospital.trust_id
            ):
                problem("finding_ids", f"Finding {finding_id} is from an inspection of another hospital, "
                                       f"not {hospital.name}.")
        if hospital is not None and row.title and checked("title"):
            key = (hospital.id, department.id if department else None, row.title.lower())
            if key in found["existing"]:
                problem("title", f"{hospital.name} already has this action (action {found['existing'][key]}"
                                 f"{', ' + department.name if department else ''}); it is not imported twice.")
            elif key in seen:
                problem("title", f"The same action (hospital, department and title) is on line {seen[key]}.")
            else:
                seen[key] = row.line
    return problems


# The service's field names, as the file's columns name them.
_SERVICE_FIELDS = {"owner": "owner_email", "findings": "finding_ids", "incident": None}


class _Refused(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


def _create(rows: list[RowInput], found: dict[str, dict[Any, Any]], actor: Any) -> list[Action]:
    created = []
    for row in rows:
        try:
            created.append(services.create_action(
                hospital=found["hospitals"][row.hospital],
                department=found["departments"][row.department] if row.department else None,
                owner=found["owners"][row.owner_email],
                title=row.title,
                description=row.description,
                priority=row.priority,
                due_on=row.due_on,
                findings=[found["findings"][i][0] for i in row.finding_ids],
                actor=actor,
            ))
        except ValidationError as error:
            # The checks above should have caught it (the service has the last word); the
            # problems still name the line and the column.
            raise _Refused([Problem(message, row.line, _SERVICE_FIELDS.get(field, field))
                            for field, message in error.errors.items()]) from error
    return created


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    """By line, then in the order of the template's columns (whole-row problems first)."""
    order = {name: n for n, name in enumerate(COLUMN_NAMES)}
    return sorted(problems, key=lambda p: (p.line or 0, order.get(p.column or "", -1)))


def import_actions(data: bytes, *, actor: Any) -> Outcome:
    """Check every row of the file; when none has a problem, create every action (not yet
    committed: the caller commits once, or rolls back). On any problem nothing is added."""
    text, problem = decode(data)
    if problem is not None:
        return Outcome(problems=[problem])
    parsed = parse(text or "")
    found = _lookup(parsed.rows) if parsed.rows else {}
    known = {(p.line, p.column) for p in parsed.problems}
    problems = _sorted([*parsed.problems, *(_check(parsed.rows, found, known) if parsed.rows else [])])
    outcome = Outcome(problems=problems)
    if problems:
        return outcome
    try:
        outcome.created = _create(parsed.rows, found, actor)
    except _Refused as refused:
        # Rows before this one were added to the session: none of them is kept.
        db.session.rollback()
        outcome.problems = refused.problems
    return outcome
