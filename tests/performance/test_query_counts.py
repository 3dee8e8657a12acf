"""Guard rails for national scale (issue 8): each key page makes the same number of SQL queries
whatever the amount of data, and at most 15.

The synthetic dataset is loaded at two sizes (2 hospitals, then 5 times as many) into a new
database each, and each page is requested through the test client, signed in, counting the
statements the way scripts/benchlib.py does (transaction control left out). A page whose count
grows with the data has an N+1 somewhere; the numbers in `make bench` say how fast it is.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from app import create_app
from app.auth.models import User, user_departments
from app.extensions import db
from app.organisations.models import Department, Hospital, Trust
from app.synthetic import shape
from app.synthetic.services import seed_synthetic

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql"))
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")
MAX_QUERIES = 15
SMALL, LARGE = 2, 10  # hospitals
YEARS = 3
PAST = date(shape.DEFAULT_TODAY.year - 2, 6, 1)


def _config(uri: str) -> dict[str, object]:
    return {"TESTING": True, "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": uri, "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False}


def _signed_in(app: Flask, user_id: str):  # type: ignore[no-untyped-def]
    """A client with the session a sign-in writes (`user_id`: User.get_id())."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["started"] = session["seen"] = time.time()
    return client


class Counter:
    """Statements run on the engine while counting (transaction control left out)."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.statements.append(statement)

    def during(self, action) -> int:  # type: ignore[no-untyped-def]
        self.statements.clear()
        action()
        return len(self.statements)


def _subjects() -> dict[str, Any]:
    """The first trust, its first hospital and department, a quality user, and a lead of that
    hospital with the most departments."""
    trust = db.session.scalars(select(Trust).order_by(Trust.id)).first()
    hospital = db.session.scalars(select(Hospital).where(Hospital.trust_id == trust.id).order_by(Hospital.id)).first()
    department = db.session.scalars(
        select(Department).where(Department.hospital_id == hospital.id).order_by(Department.id)).first()
    quality = db.session.scalars(select(User.id).where(User.role == "quality").order_by(User.id)).first()
    lead = db.session.execute(
        select(user_departments.c.user_id).join(User, User.id == user_departments.c.user_id)
        .join(Department, Department.id == user_departments.c.department_id)
        .where(User.role == "lead", Department.hospital_id == hospital.id)
        .group_by(user_departments.c.user_id).order_by(func.count().desc(), user_departments.c.user_id)
    ).scalars().first()
    return {"trust": trust.ods_code, "hospital": hospital.ods_code, "department": department.id,
            "quality": db.session.get(User, quality).get_id(), "lead": db.session.get(User, lead).get_id()}


def _page_counts(app: Flask) -> dict[str, int]:
    """Queries per key page, each requested twice (the second, warm request counted)."""
    from app.boardpacks.queries import subject_by_code
    from app.boardpacks.services import build_pack

    with app.app_context():
        subjects = _subjects()
        engine = db.engine
        db.session.remove()
    quality = _signed_in(app, subjects["quality"])
    lead = _signed_in(app, subjects["lead"])
    pages = {
        "home": (quality, "/"),
        "trust page": (quality, f"/trusts/{subjects['trust']}"),
        "hospital grid now": (quality, f"/hospitals/{subjects['hospital']}"),
        "hospital grid as of a past date": (quality, f"/hospitals/{subjects['hospital']}?as_of={PAST}"),
        "department timeline": (quality, f"/departments/{subjects['department']}"),
        "inspections list": (quality, "/inspections"),
        "actions board filtered": (quality, f"/actions?hospital={subjects['hospital']}&status=unfinished&sort=priority"),
        "my actions": (lead, "/actions/mine"),
        # The preview: the PDF's very data and HTML, without WeasyPrint's seconds.
        "board pack preview": (quality, f"/board-packs?subject={subjects['trust']}&as_of={shape.DEFAULT_TODAY}"),
    }
    counter = Counter(engine)
    counts = {}
    try:
        for name, (client, url) in pages.items():
            def get(client=client, url=url) -> None:  # type: ignore[no-untyped-def]
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                response.close()

            get()
            counts[name] = counter.during(get)

        def build() -> None:
            with app.app_context():
                build_pack(subject_by_code(subjects["trust"]), shape.DEFAULT_TODAY, generated_by="Test",
                           generated_at=datetime.now(timezone.utc))

        build()
        counts["board pack data build"] = counter.during(build)
    finally:
        event.remove(engine, "before_cursor_execute", counter._count)
    return counts


@pytest.fixture
def counts_at(migrated_template: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """counts_at(hospitals) -> queries per key page with the synthetic dataset of that size
    loaded into a new, empty database."""

    def load_and_count(hospitals: int) -> dict[str, int]:
        if ON_POSTGRES:
            uri = migrated_template
        else:
            path = tmp_path / f"size-{hospitals}.sqlite"
            shutil.copyfile(migrated_template, path)
            uri = f"sqlite:///{path}"
        app = create_app(_config(uri))
        with app.app_context():
            if ON_POSTGRES:
                names = ", ".join(t.name for t in db.metadata.sorted_tables)
                with db.engine.begin() as connection:
                    connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            seed_synthetic(hospitals=hospitals, years=YEARS, seed=8)
            db.session.commit()
            db.session.remove()
        try:
            return _page_counts(app)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()

    return load_and_count


def test_each_key_page_makes_the_same_few_queries_at_1x_and_5x_the_data(counts_at):
    small = counts_at(SMALL)
    large = counts_at(LARGE)
    assert large == small, "queries per page grew with the data (an N+1?)"
    too_many = {page: n for page, n in large.items() if n > MAX_QUERIES}
    assert not too_many, f"pages over {MAX_QUERIES} queries: {too_many}"
