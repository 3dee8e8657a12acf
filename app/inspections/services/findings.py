"""Findings and enforcement of an inspection: validated whole, then added and audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.audit.services import record
from app.domain import inspections as vocab
from app.domain.ratings import KEY_QUESTIONS, UnknownKeyQuestion, parse_key_question
from app.domain.regulations import REGULATIONS
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Enforcement, Finding, Inspection
from app.inspections.services.recording import day_in_words
from app.organisations.models import Department, Hospital, Trust


def finding_errors(
    inspection: Inspection,
    *,
    kind: str | None,
    text: str | None,
    department: Department | None = None,
    key_question: str | None = None,
    regulation: str | None = None,
) -> dict[str, str]:
    """Every problem with a finding of `inspection`, by field. Adds nothing."""
    errors: dict[str, str] = {}
    if kind not in vocab.FINDING_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of finding."
    if not (text or "").strip():
        errors["text"] = "Enter the finding."
    if regulation is not None and regulation.strip().upper() not in REGULATIONS:
        errors["regulation"] = f"{regulation!r} is not a regulation of the 2014 Regulations."
    if kind == "must_do" and not regulation:
        errors["regulation"] = "A must-do finding needs the regulation it breaches."
    if key_question is not None:
        try:
            key_question = parse_key_question(key_question)
        except UnknownKeyQuestion as error:
            errors["key_question"] = str(error)
        else:
            if key_question not in KEY_QUESTIONS:
                errors["key_question"] = "A finding belongs to one of the five key questions."
    if department is not None and inspection.hospital_id not in (None, department.hospital_id):
        errors["department"] = f"{department.name} is not a department of this hospital."
    elif department is not None and department.retired_on is not None:
        if department.retired_on <= inspected_on(inspection):
            errors["department"] = (
                f"{department.name} was retired on {day_in_words(department.retired_on)}, before this inspection."
            )
    return errors


def inspected_on(inspection: Inspection) -> date:
    """The day the inspection looked at the hospital: its first visit day, else its publication,
    else (a draft with no dates yet) today."""
    return inspection.visit_start or inspection.published_on or date.today()


def inspected_departments(inspection: Inspection) -> list[Department]:
    """The departments a finding or enforcement of this inspection may name: the inspected
    hospital's departments that were not retired by the time of the inspection."""
    if inspection.hospital is None:
        return []
    on = inspected_on(inspection)
    return [d for d in inspection.hospital.departments if d.retired_on is None or d.retired_on > on]


def add_finding(
    inspection: Inspection,
    *,
    kind: str,
    text: str,
    department: Department | None = None,
    key_question: str | None = None,
    regulation: str | None = None,
    illustrative: bool = False,
    actor: Any = None,
) -> Finding:
    errors = finding_errors(
        inspection, kind=kind, text=text, department=department, key_question=key_question,
        regulation=regulation,
    )
    if errors:
        raise ValidationError(errors)
    finding = Finding(
        kind=kind,
        text=text.strip(),
        department=department,
        key_question=parse_key_question(key_question) if key_question is not None else None,
        regulation=regulation.strip().upper() if regulation else None,
        illustrative=illustrative,
    )
    inspection.findings.append(finding)
    record("create", finding, None, actor=actor)
    return finding


def _enforcement_errors(
    kind: str, regulation: str | None, started_on: date | None, deadline: date | None, ended_on: date | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in vocab.ENFORCEMENT_KINDS:
        errors["kind"] = f"{kind!r} is not a kind of enforcement."
    if regulation is not None and regulation not in REGULATIONS:
        errors["regulation"] = f"{regulation!r} is not a regulation of the 2014 Regulations."
    if started_on is not None and ended_on is not None and ended_on < started_on:
        errors["ended_on"] = "It cannot end before it starts."
    if started_on is not None and deadline is not None and deadline < started_on:
        errors["deadline"] = "The deadline cannot be before the start."
    return errors


def add_enforcement(
    trust: Trust,
    *,
    kind: str,
    description: str,
    started_on: date,
    hospital: Hospital | None = None,
    department: Department | None = None,
    inspection: Inspection | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
    actor: Any = None,
) -> Enforcement:
    errors = _enforcement_errors(kind, regulation, started_on, deadline, ended_on)
    if errors:
        raise ValidationError(errors)
    enforcement = Enforcement(
        trust_id=trust.id,
        hospital=hospital,
        department=department,
        inspection_id=inspection.id if inspection else None,
        kind=kind,
        regulation=regulation,
        description=description,
        started_on=started_on,
        deadline=deadline,
        ended_on=ended_on,
    )
    db.session.add(enforcement)
    record("create", enforcement, None, actor=actor)
    return enforcement




# Enforcement that is served with a deadline for improvement (DOMAIN.md: section 29A notices
# "with deadlines"), and enforcement that answers a breach of a named regulation.
NEEDS_DEADLINE = {
    "warning_notice": "Enter the deadline of the warning notice.",
    "section_29a": "Enter the deadline of the section 29A warning notice.",
}
NEEDS_REGULATION = frozenset({"requirement_notice"})
ENFORCEMENT_SCOPES = ("trust", "hospital")


def enforcement_errors(
    inspection: Inspection,
    *,
    applies_to: str | None,
    kind: str | None,
    description: str | None,
    started_on: date | None,
    department: Department | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
) -> dict[str, str]:
    """Every problem with enforcement that followed `inspection`, by field. Adds nothing."""
    errors = _enforcement_errors(kind or "", regulation, started_on, deadline, ended_on)
    if applies_to not in ENFORCEMENT_SCOPES:
        errors["applies_to"] = "Choose whether it applies to the trust or the hospital."
    elif applies_to == "hospital" and inspection.hospital is None:
        errors["applies_to"] = "A trust-level review's enforcement applies to the trust."
    if department is not None:
        if inspection.hospital_id is None or department.hospital_id != inspection.hospital_id:
            errors["department"] = f"{department.name} is not a department of the inspected hospital."
        elif applies_to == "trust":
            errors["department"] = "A department belongs to the hospital: choose the hospital, or no department."
    if not (description or "").strip():
        errors["description"] = "Enter what the enforcement requires."
    if started_on is None:
        errors["started_on"] = "Enter the date it started."
    if kind in NEEDS_DEADLINE and deadline is None:
        errors.setdefault("deadline", NEEDS_DEADLINE[kind])
    if kind in NEEDS_REGULATION and not regulation:
        errors.setdefault("regulation", "A requirement notice needs the regulation that was breached.")
    return errors


def record_enforcement(
    inspection: Inspection,
    *,
    applies_to: str,
    kind: str,
    description: str,
    started_on: date | None,
    department: Department | None = None,
    regulation: str | None = None,
    deadline: date | None = None,
    ended_on: date | None = None,
    actor: Any = None,
) -> Enforcement:
    """Enforcement that followed an inspection, served on the trust or on the inspected hospital
    (optionally naming one of its departments): a warning notice or section 29A notice needs its
    deadline, a requirement notice the regulation breached; special measures run from their
    start to their end (blank while in force)."""
    errors = enforcement_errors(
        inspection, applies_to=applies_to, kind=kind, description=description, started_on=started_on,
        department=department, regulation=regulation, deadline=deadline, ended_on=ended_on,
    )
    if errors:
        raise ValidationError(errors)
    assert started_on is not None
    return add_enforcement(
        inspection.trust,
        kind=kind,
        description=description.strip(),
        started_on=started_on,
        hospital=inspection.hospital if applies_to == "hospital" else None,
        department=department,
        inspection=inspection,
        regulation=regulation,
        deadline=deadline,
        ended_on=ended_on,
        actor=actor,
    )
