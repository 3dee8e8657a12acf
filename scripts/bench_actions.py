"""Time the actions board with many actions: a throwaway SQLite database with the demo trust plus
5,000 actions (bulk-inserted), then GET /actions (first page, filtered pages, a deep page), My
actions and the CSV export through the Flask test client, signed in. Prints, per request, the
median time of 20 runs and the SQL queries it made (scripts/benchlib.py).

    .venv/bin/python scripts/bench_actions.py [--actions 5000] [--runs 20]

Nothing outside a temporary folder is touched; the database is deleted at the end.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from datetime import date, timedelta

from benchlib import bench_app, measure, signed_in
from flask_migrate import upgrade
from sqlalchemy import insert, select

from app.actions.models import Action, action_findings
from app.auth.models import User
from app.extensions import db
from app.inspections.models import Finding
from app.organisations.models import Department

STATUSES = ["open"] * 4 + ["in_progress"] * 3 + ["completed", "verified", "verified", "cancelled"]
PRIORITIES = ["high", "medium", "medium", "low"]


def add_actions(count: int, rng: random.Random) -> None:
    """`count` actions spread over every department of the demo trust, due from a year ago to a
    year ahead, a third answering a finding; owners are the department's lead where there is
    one (so a lead can update them), else the quality team."""
    today = date.today()
    quality = db.session.scalar(select(User).where(User.role == "quality").order_by(User.id))
    leads = {d.id: u for u in db.session.scalars(select(User).where(User.role == "lead")) for d in u.departments}
    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    findings = {f.department_id: f.id for f in db.session.scalars(select(Finding).order_by(Finding.id))}
    rows = []
    for n in range(count):
        department = departments[n % len(departments)]
        due = today + timedelta(days=rng.randint(-365, 365))
        status = rng.choice(STATUSES)
        rows.append({
            "hospital_id": department.hospital_id, "department_id": department.id,
            "owner_id": (leads.get(department.id) or quality).id,
            "title": f"Bench action {n:05}: improve {department.name.lower()}",
            "description": "", "priority": rng.choice(PRIORITIES), "status": status,
            "original_due_on": due - timedelta(days=rng.choice([0, 0, 0, 30, 90])), "due_on": due,
            "cancel_reason": "No longer needed" if status == "cancelled" else None,
            "completed_on": due if status in ("completed", "verified") else None,
            "verified_on": due if status == "verified" else None, "version": 1,
        })
    db.session.execute(insert(Action), rows)
    ids = db.session.execute(
        select(Action.id, Action.department_id).where(Action.title.like("Bench action %"))
    ).all()
    links = [{"action_id": action_id, "finding_id": findings[dept]}
             for n, (action_id, dept) in enumerate(ids) if n % 3 == 0 and dept in findings]
    if links:
        db.session.execute(insert(action_findings), links)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-actions-") as folder:
        app = bench_app(f"sqlite:///{folder}/bench.sqlite")
        with app.app_context():
            upgrade()
            from app.demo.services import seed_demo

            seed_demo()
            db.session.commit()
            add_actions(args.actions, random.Random(args.seed))
            total = db.session.scalar(select(db.func.count(Action.id)))
            quality = db.session.scalar(select(User).where(User.role == "quality").order_by(User.id))
            lead = db.session.scalar(select(User).where(User.email.like("midwifery-lead@%")))
            db.session.remove()

            requests = [
                ("Board, first page", quality, "/actions"),
                ("Board, filtered (Whipps Cross, not finished, must do, by priority)", quality,
                 "/actions?hospital=R1HKH&status=unfinished&must_do=1&sort=priority"),
                ("Board, overdue only, by owner", quality, "/actions?overdue=1&sort=owner"),
                ("Board, due within 30 days, page 3", quality, "/actions?due_within=30&page=3"),
                ("Board, page 150 of 201", quality, "/actions?page=150"),
                ("My actions (a lead of two departments)", lead, "/actions/mine"),
                ("CSV export of the whole board", quality, "/actions.csv"),
            ]
            print(f"SQLite, {total:,} actions ({args.actions:,} added to the demo's); "
                  f"median of {args.runs} requests each\n")
            print(f"{'Request':<70} {'median ms':>10} {'queries':>8} {'KB':>8}")
            print("-" * 99)
            for label, user, url in requests:
                median, queries, size = measure(signed_in(app, user), url, args.runs)
                db.session.remove()
                print(f"{label:<70} {median:>10.1f} {queries:>8} {size / 1024:>8.0f}")
            db.engine.dispose()


if __name__ == "__main__":
    main()
