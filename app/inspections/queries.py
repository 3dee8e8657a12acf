"""Reading what surrounds the grids: findings with the actions that answer them and where they
stand, a hospital's inspections newest first, and the enforcement in force on a date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app.actions.models import Action, action_findings
from app.extensions import db
from app.inspections.models import Enforcement, Finding, Inspection
from app.organisations.models import Hospital


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
    # One ORDER BY that PostgreSQL reads straight off ix_inspections_published backwards (its
    # DESC puts NULLs first), instead of sorting every inspection on each page of the list.
    return (Inspection.published_on.desc().nulls_first(), Inspection.id.desc())


def hospital_inspections(hospital: Hospital) -> list[Inspection]:
    return list(
        db.session.scalars(
            select(Inspection)
            .where(Inspection.hospital_id == hospital.id, Inspection.archived_at.is_(None))
            .order_by(*newest_first())
        )
    )


def enforcement_in_force(hospital: Hospital, on: date) -> list[Enforcement]:
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
