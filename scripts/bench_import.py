"""Time the CQC import (issue 7): 1,000 location records, made from the five real records in
tests/imports/fixtures/locations.json by giving each copy its own location, provider and report
ids and moving its dates, imported into a fresh database, then imported again (which must change
nothing).

    .venv/bin/python scripts/bench_import.py [--locations 1000] [--runs 3]
    QL_PG_URL=postgresql://... .venv/bin/python scripts/bench_import.py   # SQLite, then PostgreSQL

Each run imports into a fresh database and re-imports the same file once; the medians of the
runs are printed. Targets: import under 30 s, re-import under 10 s. SQLite runs in a temporary
folder; on PostgreSQL the given database's schema is dropped and migrated afresh each run, so
give it a throwaway database (scripts/throwaway-postgres.sh). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from benchlib import bench_app  # noqa: E402

from app.extensions import db  # noqa: E402
from app.imports.services import import_records  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "imports" / "fixtures" / "locations.json"
IMPORT_TARGET_S = 30.0
REIMPORT_TARGET_S = 10.0
DATE_KEYS = {"reportDate", "firstVisitDate", "endDate", "registrationDate"}
LINK_KEYS = {"reportLinkId", "linkId"}


def _vary(value: Any, suffix: str, shift: timedelta) -> Any:
    """The value with every report id made unique and every date moved by `shift`."""
    if isinstance(value, list):
        return [_vary(item, suffix, shift) for item in value]
    if not isinstance(value, dict):
        return value
    varied = {}
    for key, item in value.items():
        if key in DATE_KEYS and isinstance(item, str):
            item = (date.fromisoformat(item) + shift).isoformat()
        elif key in LINK_KEYS and isinstance(item, str):
            item = f"{item}-{suffix}"
        elif key == "reportUri" and isinstance(item, str):
            item = item.split("?", 1)[0] + f"-{suffix}"
        else:
            item = _vary(item, suffix, shift)
        varied[key] = item
    return varied


def make_records(count: int) -> bytes:
    """`count` location records as JSON lines: copies of the five samples, each with its own
    location id (BM0001 ...), a provider per five locations, unique report ids and dates moved
    by up to 120 days."""
    samples = json.loads(FIXTURE.read_text())
    lines = []
    for n in range(count):
        record = _vary(copy.deepcopy(samples[n % len(samples)]), f"b{n}", timedelta(days=(n * 7) % 121))
        record["locationId"] = f"BM{n:05d}"
        record["providerId"] = f"BP{n // 5:04d}"
        record["name"] = f"{record['name']} (copy {n})"
        lines.append(json.dumps(record))
    return "\n".join(lines).encode()


def _fresh_postgres(url: str) -> None:
    app = bench_app(url)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


def _timed_import(app: Any, data: bytes) -> tuple[float, Any]:
    with app.app_context():
        started = time.perf_counter()
        result = import_records("bench.jsonl", data, dry_run=False)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds, result


def bench(name: str, fresh_uri: Any, data: bytes, runs: int) -> tuple[float, float]:
    imports, reimports = [], []
    for run in range(runs):
        uri = fresh_uri(run)
        app = bench_app(uri)
        seconds, result = _timed_import(app, data)
        imports.append(seconds)
        again, second = _timed_import(app, data)
        reimports.append(again)
        if not second.nothing_changed:
            raise SystemExit(f"{name}: the re-import changed something: {second.counts}")
        with app.app_context():
            db.engine.dispose()
        cells = result.counts["rating_cells"]["created"]
        print(f"  {name} run {run + 1}: import {seconds:6.2f} s ({result.counts['hospitals']['created']:,} hospitals, "
              f"{result.counts['inspections']['created']:,} inspections, {cells:,} cells); re-import {again:5.2f} s")
    return statistics.median(imports), statistics.median(reimports)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = make_records(args.locations)
    print(f"{args.locations:,} location records, {len(data) / 1e6:.1f} MB of JSON lines; {args.runs} runs each.")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.sqlite"
        app = bench_app(f"sqlite:///{template}")
        with app.app_context():
            upgrade()
            db.engine.dispose()

        def fresh_sqlite(run: int) -> str:
            path = Path(folder) / f"run{run}.sqlite"
            shutil.copyfile(template, path)
            return f"sqlite:///{path}"

        results.append(("SQLite", *bench("SQLite", fresh_sqlite, data, args.runs)))
    pg_url = os.environ.get("QL_PG_URL") or os.environ.get("DATABASE_URL", "")
    if pg_url.startswith(("postgres://", "postgresql")):
        url = "postgresql+psycopg://" + pg_url.split("://", 1)[1]

        def fresh_pg(run: int) -> str:
            _fresh_postgres(url)
            return url

        results.append(("PostgreSQL", *bench("PostgreSQL", fresh_pg, data, args.runs)))
    ok = True
    print(f"Medians (targets: import < {IMPORT_TARGET_S:.0f} s, re-import < {REIMPORT_TARGET_S:.0f} s):")
    for name, imported, reimported in results:
        good = imported < IMPORT_TARGET_S and reimported < REIMPORT_TARGET_S
        ok &= good
        print(f"  {name:<10} import {imported:6.2f} s   re-import {reimported:5.2f} s   {'ok' if good else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
