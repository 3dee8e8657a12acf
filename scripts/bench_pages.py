"""Time the pages of the ratings with the demo data: a throwaway SQLite database seeded with
the Barts Health demo, then each page through the Flask test client, signed in as a viewer.
Prints, per page, the median time of N requests and the SQL queries it made.

    .venv/bin/python scripts/bench_pages.py [--runs 20]

Nothing outside a temporary folder is touched.
"""

from __future__ import annotations

import argparse
import tempfile

from benchlib import bench_app, measure, signed_in
from flask_migrate import upgrade
from sqlalchemy import select

from app.auth.services import create_user
from app.extensions import db
from app.inspections.models import Inspection
from app.organisations.models import Department, Hospital


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        app = bench_app(f"sqlite:///{folder}/bench.sqlite")
        with app.app_context():
            upgrade()
            from app.demo.services import seed_demo

            seed_demo()
            viewer = create_user(email="bench-viewer@example.nhs.uk", name="Bench viewer", role="viewer",
                                 departments=[], password="a long bench passphrase 1")
            db.session.commit()
            whipps = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
            urgent = db.session.scalar(select(Department).where(
                Department.hospital_id == whipps.id, Department.service_code == "urgent"))
            report = db.session.scalar(select(Inspection).where(Inspection.report_ref == "WX-2016"))
            pages = [
                ("Home", "/"),
                ("Trust page (Barts Health)", f"/trusts/{whipps.trust.ods_code}"),
                ("Hospital page (Whipps Cross), today", "/hospitals/R1HKH"),
                ("Hospital page, as of 2016-06-01", "/hospitals/R1HKH?as_of=2016-06-01"),
                ("Hospital page with the internal grid", "/hospitals/R1HKH?internal=1"),
                ("Department page (urgent and emergency)", f"/departments/{urgent.id}"),
                ("Inspections list", "/inspections"),
                ("Inspection page (2016 report)", f"/inspections/{report.id}"),
                ("Hospital grid as JSON", "/hospitals/R1HKH/grid.json"),
            ]
            client = signed_in(app, viewer)
            db.session.remove()
            print(f"SQLite, the demo data; median of {args.runs} requests each\n")
            print(f"{'Page':<45} {'median ms':>10} {'queries':>8} {'KB':>6}")
            print("-" * 72)
            for label, url in pages:
                median, queries, size = measure(client, url, args.runs)
                db.session.remove()
                print(f"{label:<45} {median:>10.1f} {queries:>8} {size / 1024:>6.0f}")
            db.engine.dispose()


if __name__ == "__main__":
    main()
