"""Small helpers the tests share (import them: `from tests.support import page_text`)."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from app.actions.models import Action
from app.extensions import db
from app.organisations.models import Department, Hospital


def page_text(html: str) -> str:
    """A page's text as a reader meets it: tags dropped, entities decoded, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def department(hospital_code: str, service: str) -> Department:
    """The department of a hospital (by ODS code) for a CQC service."""
    return db.session.scalar(
        select(Department)
        .join(Hospital, Department.hospital_id == Hospital.id)
        .where(Hospital.ods_code == hospital_code, Department.service_code == service)
    )


def titled(title: str) -> Action:
    """The action with this title, read afresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(Action).where(Action.title == title))
