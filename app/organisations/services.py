"""Writes to the organisation tree, each with its audit event, and the look-ups others use."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select

from app.audit.services import record, snapshot
from app.domain.catalogue import SERVICES
from app.errors import ValidationError
from app.extensions import db
from app.organisations.models import HOSPITAL_KINDS, Department, Hospital, Trust

# ODS codes: a trust is 3 characters (R1H), a site 5 (R1HKH); CQC location ids for NHS sites
# follow the same pattern. Both are upper-case letters and digits.
TRUST_CODE = re.compile(r"^[A-Z0-9]{3}$")
SITE_CODE = re.compile(r"^[A-Z0-9]{5}$")


def _code(value: str, pattern: re.Pattern[str], field: str, what: str) -> str:
    code = value.strip().upper()
    if not pattern.match(code):
        raise ValidationError({field: f"{value!r} is not a valid {what}."})
    return code


def create_trust(*, ods_code: str, name: str, formed_on: date | None = None, actor: Any = None) -> Trust:
    code = _code(ods_code, TRUST_CODE, "ods_code", "trust ODS code (3 letters or digits, e.g. R1H)")
    if db.session.scalar(select(Trust.id).where(Trust.ods_code == code)):
        raise ValidationError({"ods_code": f"A trust with ODS code {code} already exists."})
    trust = Trust(ods_code=code, name=name.strip(), formed_on=formed_on)
    db.session.add(trust)
    record("create", trust, None, actor=actor)
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
    code = _code(ods_code, SITE_CODE, "ods_code", "site ODS code (5 letters or digits, e.g. R1HKH)")
    if kind not in HOSPITAL_KINDS:
        raise ValidationError({"kind": f"{kind!r} is not a kind of location."})
    if db.session.scalar(select(Hospital.id).where(Hospital.ods_code == code)):
        raise ValidationError({"ods_code": f"A hospital with code {code} already exists."})
    hospital = Hospital(trust=trust, ods_code=code, name=name.strip(), town=town, kind=kind)
    db.session.add(hospital)
    record("create", hospital, None, actor=actor)
    return hospital


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
    diagnostic imaging), so their history leaves the current grid at the right moment."""
    service = SERVICES.get(service_code)
    if service is None:
        raise ValidationError({"service_code": f"{service_code!r} is not a CQC service id."})
    name = (name or service.name).strip()
    code = (code or f"{hospital.ods_code}-{service.code}").upper()
    errors: dict[str, str] = {}
    if any(d.name == name for d in hospital.departments):
        errors["name"] = f"{hospital.name} already has a department called {name}."
    if db.session.scalar(select(Department.id).where(Department.code == code)):
        errors["code"] = f"A department with code {code} already exists."
    if errors:
        raise ValidationError(errors)
    department = Department(hospital=hospital, service_code=service.code, name=name, code=code)
    db.session.add(department)
    # Link both ways, so the order departments are created in (an import's order) does not matter.
    for other in hospital.departments:
        if other is department:
            continue
        if service.code in SERVICES[other.service_code].successors:
            other.successors.append(department)
        if other.service_code in service.successors:
            department.successors.append(other)
    record("create", department, None, actor=actor)
    return department


def retire_department(department: Department, retired_on: date, *, actor: Any = None) -> None:
    """A retired department leaves the current grid from `retired_on`; its history stays."""
    before = snapshot(department)
    department.retired_on = retired_on
    record("update", department, before, actor=actor)


def trust_by_code(code: str) -> Trust | None:
    return db.session.scalar(select(Trust).where(Trust.ods_code == code.strip().upper()))


def hospital_by_code(code: str) -> Hospital | None:
    return db.session.scalar(select(Hospital).where(Hospital.ods_code == code.strip().upper()))
