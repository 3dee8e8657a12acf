"""Building the demo trust from app.demo.story through the same services real data uses."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.actions import services as actions
from app.actions.models import Action
from app.auth import passwords
from app.auth.models import User
from app.auth.services import create_user, set_password
from app.domain.ratings import GRID_COLUMNS
from app.extensions import db
from app.inspections import services as inspections
from app.inspections.models import Inspection
from app.demo import documents, story
from app.organisations import services as organisations
from app.organisations.models import Department, Hospital, Trust

RATING_CODES = {
    "O": "Outstanding",
    "G": "Good",
    "RI": "Requires improvement",
    "I": "Inadequate",
    "IBNR": "Inspected but not rated",
}


def parse_grid_row(text: str) -> list[tuple[str, str, bool]]:
    """'I RI G* -' -> [(key question, rating, known), ...] in GRID_COLUMNS order; '-' = no cell."""
    codes = text.split()
    if len(codes) != len(GRID_COLUMNS):
        raise ValueError(f"grid row {text!r} needs {len(GRID_COLUMNS)} entries")
    cells = []
    for key_question, code in zip(GRID_COLUMNS, codes):
        if code == "-":
            continue
        known = code.endswith("*")
        cells.append((key_question, RATING_CODES[code.rstrip("*")], known))
    return cells


def _at(day: Any) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=timezone.utc)


def _document(filename: str, text: str) -> FileStorage:
    return FileStorage(io.BytesIO(documents.make(filename, text)), filename=filename)


def _history_item(action: Action, author: User, text: str | None, extra: dict[str, Any], at: datetime) -> None:
    """One entry of a demo action's history (story.ACTIONS), through the services."""
    if "upload" in extra:
        filename, title, replaces = extra["upload"]
        earlier = next((d.current for d in actions.documents(action) if d.title == replaces), None)
        actions.add_evidence(action, _document(filename, title or replaces), actor=author, title=title,
                             replaces=earlier, at=at)
        return
    if "change" in extra:
        actions.change_status(action, extra["change"], actor=author, text=text or "", at=at)
        return
    new_due = extra.get("due")
    evidence = extra.get("evidence")
    actions.post_update(
        action,
        author=author,
        text=text or "",
        at=at,
        percent_complete=extra.get("percent"),
        new_status=extra.get("status"),
        reason=extra.get("reason"),
        new_due_on=new_due[0] if new_due else None,
        due_change_reason=new_due[1] if new_due else None,
        evidence=_document(*evidence) if evidence else None,
        evidence_title=evidence[1] if evidence else "",
    )


def seed_demo() -> Trust | None:
    """Create the demo trust; return None (and change nothing) when it is already there."""
    if organisations.trust_by_code(story.TRUST["ods_code"]) is not None:
        return None
    trust = organisations.create_trust(**story.TRUST)
    departments: dict[tuple[str, str], Department] = {}
    hospitals: dict[str, Hospital] = {}
    for code, name, town, services in story.HOSPITALS:
        hospital = organisations.create_hospital(trust, ods_code=code, name=name, town=town)
        hospitals[code] = hospital
        for service in services:
            departments[(code, service)] = organisations.create_department(
                hospital, service_code=service
            )

    users: dict[str, User] = {}
    for email, name, role, title, scope in story.USERS:
        users[email.split("@")[0]] = create_user(
            email=email, name=name, role=role, job_title=title,
            departments=[departments[key] for key in scope],
        )

    findings = {}
    recorded: dict[str, Inspection] = {}
    for spec in story.INSPECTIONS:
        hospital = hospitals[spec["hospital"]] if spec["hospital"] else None
        inspection = inspections.create_inspection(
            trust,
            hospital=hospital,
            inspection_type=spec["type"],
            source=spec.get("source", "official"),
            notice=spec["notice"],
            visit_start=spec["visit"][0],
            visit_end=spec["visit"][1],
            published_on=spec["published"],
            report_ref=spec["ref"],
            summary=spec["summary"],
            illustrative=spec["illustrative"],
        )
        cells = []
        for row, text in spec["grid"].items():
            for key_question, rating, known in parse_grid_row(text):
                cells.append(
                    inspections.CellInput(
                        key_question=key_question,
                        rating=rating,
                        department=None if row in ("hospital", "trust") else departments[(spec["hospital"], row)],
                        trust_row=row == "trust",
                        illustrative=not known,
                    )
                )
        inspections.record_ratings(inspection, cells)
        for key, kind, service, key_question, regulation, illustrative, text in spec["findings"]:
            findings[key] = inspections.add_finding(
                inspection,
                kind=kind,
                text=text,
                department=departments[(spec["hospital"], service)],
                key_question=key_question,
                regulation=regulation,
                illustrative=illustrative,
            )
        inspections.publish(inspection)
        recorded[spec["key"]] = inspection

    for kind, hospital_code, service, key, regulation, start, deadline, end, text in story.ENFORCEMENT:
        inspections.add_enforcement(
            trust,
            kind=kind,
            description=text,
            started_on=start,
            hospital=hospitals[hospital_code] if hospital_code else None,
            department=departments[(hospital_code, service)] if service else None,
            inspection=recorded[key],
            regulation=regulation,
            deadline=deadline,
            ended_on=end,
        )

    incident = actions.create_incident(
        trust,
        hospital=hospitals[story.INCIDENT["hospital"]],
        title=story.INCIDENT["title"],
        occurred_on=story.INCIDENT["occurred_on"],
        description=story.INCIDENT["description"],
    )
    for hospital_code, service, owner, title, priority, due, answers, history in story.ACTIONS:
        action = actions.create_action(
            hospital=hospitals[hospital_code],
            department=departments[(hospital_code, service)] if service else None,
            owner=users[owner.split("@")[0]],
            title=title,
            priority=priority,
            due_on=due,
            findings=[] if answers == "incident" else [findings[key] for key in answers],
            incident=incident if answers == "incident" else None,
        )
        for day, author, text, extra in history:
            _history_item(action, users[author], text, extra, _at(day))
    db.session.flush()
    return trust


def demo_users() -> list[User]:
    emails = [email for email, *_ in story.USERS]
    return list(db.session.scalars(
        select(User).where(User.email.in_(emails)).order_by(User.role, User.email)
    ))


def demo_password() -> str:
    """A random password that passes the policy: 24 URL-safe characters (144 bits)."""
    while True:
        candidate = secrets.token_urlsafe(18)
        if passwords.problem(candidate) is None:
            return candidate


def set_demo_passwords() -> dict[str, str]:
    """Give every demo user a new random password; {email: password}, in demo_users order.

    Separate from seed_demo so the test fixtures that load the demo skip the slow hashing.
    """
    chosen = {}
    for user in demo_users():
        chosen[user.email] = demo_password()
        set_password(user, chosen[user.email])
    return chosen
