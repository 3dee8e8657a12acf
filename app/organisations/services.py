"""Writes to the organisation tree, each with its audit event, and the look-ups others use.

Every write validates all its fields first and raises ValidationError({field: message}) before
changing anything, so a refused change leaves the session as it found it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.audit.services import record, snapshot
from app.domain.catalogue import SERVICES, Service
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Inspection, RatingCell
from app.organisations.models import HOSPITAL_KINDS, Department, Hospital, Trust

# ODS codes: a trust is 3 characters (R1H), a site 5 (R1HKH); CQC location ids for NHS sites
# follow the same pattern. Both are upper-case letters and digits. They identify the
# organisation to NHS England and CQC, so they are set once, when the record is created: a
# different code is a different organisation.
TRUST_CODE = re.compile(r"^[A-Z0-9]{3}$")
SITE_CODE = re.compile(r"^[A-Z0-9]{5}$")
# A department's code is the trust's own; by default "<site code>-<CQC service id>".
DEPARTMENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,39}$")
NAME_LIMIT = 200
TOWN_LIMIT = 100

Errors = dict[str, str]


def _code(errors: Errors, value: str | None, pattern: re.Pattern[str], missing: str, malformed: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        errors["ods_code"] = missing
    elif not pattern.match(code):
        errors["ods_code"] = malformed
    return code


def _trust_code(errors: Errors, value: str | None) -> str:
    code = _code(
        errors, value, TRUST_CODE,
        "Enter the trust's ODS code.",
        "A trust's ODS code is 3 letters or digits, like R1H.",
    )
    if "ods_code" not in errors and db.session.scalar(select(Trust.id).where(Trust.ods_code == code)):
        errors["ods_code"] = f"A trust with ODS code {code} already exists."
    return code


def _site_code(errors: Errors, value: str | None) -> str:
    code = _code(
        errors, value, SITE_CODE,
        "Enter the hospital's ODS site code.",
        "A site's ODS code is 5 letters or digits, like R1HKH.",
    )
    if "ods_code" not in errors:
        taken = db.session.scalar(select(Hospital.name).where(Hospital.ods_code == code))
        if taken:
            errors["ods_code"] = f"A hospital with code {code} already exists: {taken}."
    return code


def trust_code_problem(value: str | None) -> str | None:
    """Why `value` cannot be a new trust's ODS code (blank, malformed, taken), or None; for
    forms, so that a bad code shows together with the form's other problems."""
    errors: Errors = {}
    _trust_code(errors, value)
    return errors.get("ods_code")


def site_code_problem(value: str | None) -> str | None:
    """Why `value` cannot be a new hospital's ODS site code, or None (see trust_code_problem)."""
    errors: Errors = {}
    _site_code(errors, value)
    return errors.get("ods_code")


def _name(errors: Errors, value: str | None, missing: str, field: str = "name") -> str:
    name = (value or "").strip()
    if not name:
        errors[field] = missing
    elif len(name) > NAME_LIMIT:
        errors[field] = f"The name must be {NAME_LIMIT} characters or fewer."
    return name


def _check_trust(errors: Errors, name: str | None, formed_on: date | None) -> str:
    if formed_on is not None and formed_on > date.today():
        errors["formed_on"] = "The date the trust was formed must be today or in the past."
    return _name(errors, name, "Enter the trust's name.")


def _check_hospital(errors: Errors, name: str | None, town: str | None, kind: str) -> tuple[str, str | None]:
    clean_town = (town or "").strip() or None
    if clean_town and len(clean_town) > TOWN_LIMIT:
        errors["town"] = f"The town must be {TOWN_LIMIT} characters or fewer."
    if kind not in HOSPITAL_KINDS:
        errors["kind"] = "Choose whether this is a hospital or another kind of location."
    return _name(errors, name, "Enter the hospital's name."), clean_town


def _service(errors: Errors, service_code: str | None) -> Service | None:
    code = (service_code or "").strip()
    service = SERVICES.get(code)
    if not code:
        errors["service_code"] = "Choose the CQC service this department maps to."
    elif service is None:
        errors["service_code"] = f"{code!r} is not a CQC service. Choose one from the list."
    return service


def create_trust(*, ods_code: str, name: str, formed_on: date | None = None, actor: Any = None) -> Trust:
    errors: Errors = {}
    code = _trust_code(errors, ods_code)
    clean_name = _check_trust(errors, name, formed_on)
    if errors:
        raise ValidationError(errors)
    trust = Trust(ods_code=code, name=clean_name, formed_on=formed_on)
    db.session.add(trust)
    record("create", trust, None, actor=actor)
    return trust


def update_trust(trust: Trust, *, name: str, formed_on: date | None = None, actor: Any = None) -> Trust:
    """Change a trust's name and formation date; its ODS code stays (see TRUST_CODE)."""
    errors: Errors = {}
    clean_name = _check_trust(errors, name, formed_on)
    if errors:
        raise ValidationError(errors)
    before = snapshot(trust)
    trust.name = clean_name
    trust.formed_on = formed_on
    record("update", trust, before, actor=actor)
    return trust


def create_hospital(
    trust: Trust,
    *,
    ods_code: str,
    name: str,
    town: str | None = None,
    kind: str = "hospital",
    actor: Any = None,
) -> Hospital:
    errors: Errors = {}
    code = _site_code(errors, ods_code)
    clean_name, clean_town = _check_hospital(errors, name, town, kind)
    if errors:
        raise ValidationError(errors)
    hospital = Hospital(trust=trust, ods_code=code, name=clean_name, town=clean_town, kind=kind)
    db.session.add(hospital)
    record("create", hospital, None, actor=actor)
    return hospital


def update_hospital(
    hospital: Hospital,
    *,
    name: str,
    town: str | None = None,
    kind: str = "hospital",
    actor: Any = None,
) -> Hospital:
    """Change a hospital's name, town and kind; its ODS site code and trust stay."""
    errors: Errors = {}
    clean_name, clean_town = _check_hospital(errors, name, town, kind)
    if errors:
        raise ValidationError(errors)
    before = snapshot(hospital)
    hospital.name = clean_name
    hospital.town = clean_town
    hospital.kind = kind
    record("update", hospital, before, actor=actor)
    return hospital


def _department_code(errors: Errors, value: str | None, hospital: Hospital, service_code: str | None,
                     department: Department | None = None) -> str:
    """The code given, or by default "<site code>-<service id>"; well-formed and unused."""
    code = (value or "").strip().upper()
    if not code and service_code:
        code = f"{hospital.ods_code}-{service_code}".upper()
    if not code:
        return code
    if not DEPARTMENT_CODE.match(code):
        errors["code"] = (
            "A department code can have only letters, digits, hyphens, full stops, underscores "
            "and slashes, and at most 40 characters, like R1HKH-SURGERY."
        )
        return code
    query = select(Department.id).where(Department.code == code)
    if department is not None:
        query = query.where(Department.id != department.id)
    if db.session.scalar(query):
        errors["code"] = f"A department with code {code} already exists."
    return code


def _check_department_name(errors: Errors, name: str, hospital: Hospital, department: Department | None = None) -> None:
    if "name" in errors:
        return
    if any(d.name == name and d is not department for d in hospital.departments):
        errors["name"] = f"{hospital.name} already has a department called {name}."


def _catalogue_links(department: Department, service_code: str) -> set[tuple[Department, Department]]:
    """(predecessor, successor) pairs between this department, were it mapped to
    `service_code`, and the other departments of its hospital, as the catalogue's renames say."""
    service = SERVICES.get(service_code)
    pairs: set[tuple[Department, Department]] = set()
    for other in department.hospital.departments:
        other_service = SERVICES.get(other.service_code)
        if other is department or other_service is None or service is None:
            continue
        if service.code in other_service.successors:
            pairs.add((other, department))
        if other.service_code in service.successors:
            pairs.add((department, other))
    return pairs


def _links(department: Department) -> dict[str, list[int]]:
    """The department's successor and predecessor ids, for its audit events."""
    predecessors = [d.id for d in department.hospital.departments if department in d.successors]
    return {
        "successor_ids": sorted(d.id for d in department.successors),
        "predecessor_ids": sorted(predecessors),
    }


def create_department(
    hospital: Hospital,
    *,
    service_code: str,
    name: str | None = None,
    code: str | None = None,
    actor: Any = None,
) -> Department:
    """A department mapped to a CQC service; linked to the hospital's departments whose service
    the catalogue says this one succeeds (e.g. Diagnostic imaging succeeds Outpatients and
    diagnostic imaging), so their history leaves the current grid at the right moment.
    A blank name or code takes the service's name and "<site code>-<service id>"."""
    errors: Errors = {}
    service = _service(errors, service_code)
    clean_name = (name or "").strip() or (service.name if service else "")
    if len(clean_name) > NAME_LIMIT:
        errors["name"] = f"The name must be {NAME_LIMIT} characters or fewer."
    clean_code = _department_code(errors, code, hospital, service.code if service else None)
    if service is not None:
        _check_department_name(errors, clean_name, hospital)
    if errors or service is None:
        raise ValidationError(errors)
    department = Department(hospital=hospital, service_code=service.code, name=clean_name, code=clean_code)
    db.session.add(department)
    # Link both ways, so the order departments are created in (an import's order) does not matter.
    for predecessor, successor in _catalogue_links(department, service.code):
        predecessor.successors.append(successor)
    record("create", department, None, actor=actor)
    return department


def update_department(
    department: Department,
    *,
    name: str,
    service_code: str,
    code: str | None = None,
    actor: Any = None,
) -> Department:
    """Change a department's name, code or CQC service. A new service re-labels the ratings
    already recorded for it, and its links to the hospital's other departments follow the
    catalogue for the new service; links the catalogue did not make (a successor chosen on
    retirement) stay. The audit event lists the successor and predecessor ids as well."""
    hospital = department.hospital
    errors: Errors = {}
    # A code an import brought that the catalogue does not know may stay; it cannot be chosen.
    unknown_kept = service_code == department.service_code and service_code not in SERVICES
    service = None if unknown_kept else _service(errors, service_code)
    new_code = department.service_code if unknown_kept else (service.code if service else None)
    clean_name = _name(errors, name, "Enter the department's name.")
    clean_code = _department_code(errors, code, hospital, new_code, department)
    _check_department_name(errors, clean_name, hospital, department)
    if errors or new_code is None:
        raise ValidationError(errors)
    before = snapshot(department) | _links(department)
    if new_code != department.service_code:
        old = _catalogue_links(department, department.service_code)
        new = _catalogue_links(department, new_code)
        for predecessor, successor in old - new:
            if successor in predecessor.successors:
                predecessor.successors.remove(successor)
        for predecessor, successor in new - old:
            if successor not in predecessor.successors:
                predecessor.successors.append(successor)
    department.name = clean_name
    department.code = clean_code
    department.service_code = new_code
    record("update", department, before, actor=actor, extra=_links(department))
    return department


def _latest_rating_date(department: Department) -> date | None:
    return db.session.scalar(
        select(func.max(Inspection.published_on))
        .join(RatingCell, RatingCell.inspection_id == Inspection.id)
        .where(
            RatingCell.department_id == department.id,
            Inspection.status == "published",
            Inspection.archived_at.is_(None),
        )
    )


def retire_department(
    department: Department,
    retired_on: date | None,
    *,
    successor: Department | None = None,
    actor: Any = None,
) -> None:
    """A retired department leaves the current grid from `retired_on` (or from the first
    rating of its successor, if earlier); its history stays (DOMAIN.md "The ratings grid").
    Retiring again changes the date. The successor, if any, is another current department of
    the same hospital."""
    errors: Errors = {}
    if retired_on is None:
        errors["retired_on"] = "Enter the date the department was retired."
    elif retired_on > date.today():
        errors["retired_on"] = "The retirement date must be today or in the past."
    else:
        latest = _latest_rating_date(department)
        if latest is not None and retired_on < latest:
            errors["retired_on"] = (
                f"{department.name} has ratings published on {latest.day} {latest:%B %Y}; "
                "the retirement date cannot be before that."
            )
    if successor is not None:
        if successor is department or successor.hospital_id != department.hospital_id:
            errors["successor"] = "Choose another department of the same hospital, or none."
        elif successor.retired_on is not None:
            errors["successor"] = f"{successor.name} is retired too. Choose a current department, or none."
        elif department in successor.successors:
            errors["successor"] = f"{successor.name} is recorded as replaced by {department.name}, so it cannot replace it."
    if errors:
        raise ValidationError(errors)
    before = snapshot(department) | _links(department)
    department.retired_on = retired_on
    if successor is not None and successor not in department.successors:
        department.successors.append(successor)
    record("update", department, before, actor=actor, extra=_links(department))


def trust_by_code(code: str) -> Trust | None:
    return db.session.scalar(select(Trust).where(Trust.ods_code == code.strip().upper()))


def hospital_by_code(code: str) -> Hospital | None:
    return db.session.scalar(
        select(Hospital)
        .where(Hospital.ods_code == code.strip().upper())
        .options(joinedload(Hospital.trust))
    )
