"""`make bench`: the national-scale benchmark (issue 8). Loads the synthetic national dataset
(1,000 hospitals, 10 years) into a fresh SQLite file and a fresh PostgreSQL database, then, for
each database:

- every key page through the Flask test client (N requests after warm-ups): median and p95
  server time and the SQL queries per request;
- the board pack's data build (app.boardpacks.services.build_pack) and its PDF;
- gunicorn, 2 workers on a free localhost port: requests a second for the hospital page
  (signed in through the sign-in form) against a hello-world route of the same app, each for a
  bounded time with a few concurrent connections; then the memory (VmRSS) of each worker.

It prints a table and writes the results as JSON (bench-results.json unless --output).

    .venv/bin/python scripts/bench.py [--hospitals 1000] [--databases sqlite,postgresql]

PostgreSQL: a throwaway cluster (scripts/throwaway-postgres.sh, stopped at the end) unless
QL_PG_URL or DATABASE_URL names a server, in which case a fresh database is created there and
dropped at the end. Nothing else outside a temporary folder is touched.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import bench_app, count_queries, percentile, samples, signed_in  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app.auth.models import User, user_departments  # noqa: E402
from app.auth.services import create_user  # noqa: E402
from app.extensions import db  # noqa: E402
from app.organisations.models import Department, Hospital, Trust  # noqa: E402
from app.synthetic import shape  # noqa: E402
from app.synthetic.services import seed_synthetic  # noqa: E402

TARGETS = {"median_ms": 50.0, "p95_ms": 150.0, "queries": 15, "throughput_ratio": 0.20, "rss_mb": 300.0}
PASSWORD = "a long benchmark passphrase 8"
HELLO_PATH = "/bench-hello"  # scripts/bench_wsgi.py serves it when QL_BENCH_HELLO=1
AS_OF_PAST = date(shape.DEFAULT_TODAY.year - 5, 6, 1)


@dataclass
class PageResult:
    page: str
    url: str
    runs: int
    median_ms: float
    p95_ms: float
    queries: int
    kb: float


@dataclass
class DatabaseResult:
    database: str
    load_seconds: float
    counts: dict[str, int]
    pages: list[PageResult] = field(default_factory=list)
    throughput: dict[str, Any] = field(default_factory=dict)
    worker_rss_mb: list[float] = field(default_factory=list)


# --- databases --------------------------------------------------------------------------------

@contextmanager
def postgresql_server() -> Iterator[str]:
    """A PostgreSQL URL for a fresh database: on the server QL_PG_URL/DATABASE_URL names, or on
    a throwaway cluster started (and stopped) here."""
    given = os.environ.get("QL_PG_URL") or os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        yield from _fresh_database(given)
        return
    started = subprocess.run([str(ROOT / "scripts/throwaway-postgres.sh"), "start"],
                             check=True, capture_output=True, text=True).stdout
    values = dict(re.findall(r"export (\w+)=(\S+)", started))
    try:
        yield from _fresh_database(values["QL_PG_URL"])
    finally:
        subprocess.run([str(ROOT / "scripts/throwaway-postgres.sh"), "stop", values["QL_PGDATA"]], check=False)


def _fresh_database(server_url: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(server_url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://"))
    name = f"ql_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(scheme="postgresql+psycopg", path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- loading and choosing what to measure -----------------------------------------------------

@dataclass(frozen=True)
class Subjects:
    trust: str
    hospital: str
    department_id: int
    quality_id: int
    lead_id: int
    gunicorn_email: str


def load(app: Any, options: argparse.Namespace) -> tuple[float, dict[str, int], Subjects]:
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        summary = seed_synthetic(hospitals=options.hospitals, years=options.years, seed=options.seed)
        db.session.commit()
        # What autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would do on a live server.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        seconds = time.perf_counter() - started
        subjects = choose_subjects()
        db.session.commit()
    return seconds, summary.counts(), subjects


def choose_subjects() -> Subjects:
    """A trust of median size (by hospitals), its first hospital and that hospital's first
    department; one of the trust's quality team; the lead of the most departments."""
    sizes = db.session.execute(
        select(Trust.id, Trust.ods_code, func.count(Hospital.id))
        .join(Hospital, Hospital.trust_id == Trust.id).group_by(Trust.id, Trust.ods_code)
        .order_by(func.count(Hospital.id), Trust.id)
    ).all()
    trust_id, trust_code, _count = sizes[len(sizes) // 2]
    hospital = db.session.scalars(select(Hospital).where(Hospital.trust_id == trust_id).order_by(Hospital.id)).first()
    department = db.session.scalars(
        select(Department).where(Department.hospital_id == hospital.id).order_by(Department.id)).first()
    quality = db.session.scalars(select(User).where(User.role == "quality").order_by(User.id)).first()
    lead_id = db.session.execute(
        select(user_departments.c.user_id).join(User, User.id == user_departments.c.user_id)
        .join(Department, Department.id == user_departments.c.department_id)
        .where(User.role == "lead", Department.hospital_id == hospital.id)
        .group_by(user_departments.c.user_id)
        .order_by(func.count().desc(), user_departments.c.user_id)
    ).scalars().first()
    email = f"bench.viewer.{secrets.token_hex(3)}@example.nhs.uk"
    create_user(email=email, name="Bench viewer", role="viewer", departments=[], password=PASSWORD)
    return Subjects(trust_code, hospital.ods_code, department.id, quality.id, lead_id, email)


# --- pages through the test client ------------------------------------------------------------

def measure_pages(app: Any, subjects: Subjects, options: argparse.Namespace) -> list[PageResult]:
    with app.app_context():
        engine = db.engine
        quality = db.session.get(User, subjects.quality_id)
        lead = db.session.get(User, subjects.lead_id)
        quality_client, lead_client = signed_in(app, quality), signed_in(app, lead)
        db.session.remove()
    pack = {"subject": subjects.trust, "as_of": shape.DEFAULT_TODAY.isoformat()}
    pages = [
        ("Home", quality_client, "/"),
        ("Trust page", quality_client, f"/trusts/{subjects.trust}"),
        ("Hospital grid, now", quality_client, f"/hospitals/{subjects.hospital}"),
        ("Hospital grid, as of a past date", quality_client, f"/hospitals/{subjects.hospital}?as_of={AS_OF_PAST}"),
        ("Department timeline", quality_client, f"/departments/{subjects.department_id}"),
        ("Inspections list", quality_client, "/inspections"),
        ("Actions board, filtered", quality_client,
         "/actions?" + urlencode({"hospital": subjects.hospital, "status": "unfinished", "sort": "priority"})),
        ("My actions (a lead)", lead_client, "/actions/mine"),
    ]
    results = []
    for label, client, url in pages:
        times, queries, size = samples(client, url, options.runs, options.warmups, engine=engine,
                                       budget_s=options.page_seconds)
        results.append(_result(label, url, times, queries, size))
        _progress(results[-1])
    results.append(measure_pack_build(app, subjects, options))
    _progress(results[-1])
    url = "/board-packs/pack.pdf?" + urlencode(pack)
    times, queries, size = samples(quality_client, url, options.pdf_runs, 1, engine=engine)
    results.append(_result("Board pack PDF (trust)", url, times, queries, size))
    _progress(results[-1])
    return results


def measure_pack_build(app: Any, subjects: Subjects, options: argparse.Namespace) -> PageResult:
    from app.boardpacks.queries import subject_by_code
    from app.boardpacks.services import build_pack

    def build() -> None:
        with app.app_context():
            build_pack(subject_by_code(subjects.trust), shape.DEFAULT_TODAY, generated_by="Benchmark",
                       generated_at=datetime.now(timezone.utc))

    for _ in range(options.warmups):
        build()
    times = []
    with app.app_context():
        engine = db.engine
    began = time.perf_counter()
    with count_queries(engine) as statements:
        for _ in range(options.runs):
            if len(times) >= 5 and time.perf_counter() - began > options.page_seconds:
                break
            started = time.perf_counter()
            build()
            times.append((time.perf_counter() - started) * 1000)
    return _result("Board pack data build (trust)", f"build_pack({subjects.trust})", times,
                   len(statements) // len(times), 0)


def _result(label: str, url: str, times: list[float], queries: int, size: int) -> PageResult:
    return PageResult(label, url, len(times), round(statistics.median(times), 1),
                      round(percentile(times, 0.95), 1), queries, round(size / 1024, 1))


def _progress(result: PageResult) -> None:
    print(f"    {result.page:<36} median {result.median_ms:>7.1f} ms  p95 {result.p95_ms:>7.1f} ms  "
          f"{result.queries:>3} queries", flush=True)


# --- gunicorn --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, *, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def session_cookie(port: int, email: str) -> str:
    """Sign in through the sign-in form (its CSRF token included) and return the Cookie header."""
    status, headers, body = request(port, "GET", "/sign-in")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert status == 200 and token, "the sign-in page did not give a CSRF token"
    cookie = headers["set-cookie"].split(";", 1)[0]
    form = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD})
    status, headers, _ = request(port, "POST", "/sign-in", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, f"signing in answered {status}"
    return headers["set-cookie"].split(";", 1)[0]


def load_test(port: int, path: str, cookie: str, seconds: float, connections: int) -> dict[str, Any]:
    """Requests a second over `seconds`, `connections` clients each sending one request after the
    other (a new connection each: gunicorn's sync workers close after every response)."""
    done = [0] * connections
    failed = [0] * connections
    deadline = time.perf_counter() + seconds

    def client(n: int) -> None:
        while time.perf_counter() < deadline:
            status, _headers, _body = request(port, "GET", path, headers={"Cookie": cookie} if cookie else {})
            if status == 200:
                done[n] += 1
            else:
                failed[n] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"path": path, "requests": sum(done), "failed": sum(failed), "seconds": round(elapsed, 2),
            "per_second": round(sum(done) / elapsed, 1)}


def worker_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kilobytes = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        sizes.append(round(kilobytes / 1024, 1))
    return sizes


def gunicorn_run(database_uri: str, subjects: Subjects, options: argparse.Namespace, folder: Path) -> tuple[dict[str, Any], list[float]]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_uri, "SECRET_KEY": secrets.token_hex(32), "QL_BENCH_HELLO": "1",
        "PYTHONPATH": str(ROOT),
    }
    log = open(folder / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--chdir", str(ROOT / "scripts"), "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--no-control-socket", "bench_wsgi:app"],
        # cwd: the temporary folder, so gunicorn reads no gunicorn.conf.py (its max_requests would
        # restart workers during the load and hide their memory); the app is imported via --chdir.
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(port, "GET", HELLO_PATH)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {folder / 'gunicorn.log'}")
            time.sleep(0.2)
        cookie = session_cookie(port, subjects.gunicorn_email)
        hospital = f"/hospitals/{subjects.hospital}"
        for path in (HELLO_PATH, hospital):  # each worker warm (templates compiled, pool open)
            for _ in range(6):
                status = request(port, "GET", path, headers={"Cookie": cookie})[0]
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}:\n" + (folder / "gunicorn.log").read_text()[-3000:])
        hello = load_test(port, HELLO_PATH, "", options.load_seconds, options.connections)
        page = load_test(port, hospital, cookie, options.load_seconds, options.connections)
        rss = worker_rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    ratio = page["per_second"] / hello["per_second"] if hello["per_second"] else 0.0
    return {"hello": hello, "hospital": page, "ratio": round(ratio, 3),
            "connections": options.connections}, rss


# --- one database ---------------------------------------------------------------------------

def bench_database(name: str, uri: str, options: argparse.Namespace, folder: Path) -> DatabaseResult:
    print(f"\n{name}: loading {options.hospitals:,} hospitals, {options.years} years ...", flush=True)
    app = bench_app(uri)
    seconds, counts, subjects = load(app, options)
    print(f"    loaded in {seconds:.0f} s: {counts['rating_cells']:,} rating cells, "
          f"{counts['actions']:,} actions", flush=True)
    result = DatabaseResult(name, round(seconds, 1), counts)
    result.pages = measure_pages(app, subjects, options)
    with app.app_context():
        db.engine.dispose()
    if options.load_seconds > 0:
        result.throughput, result.worker_rss_mb = gunicorn_run(uri, subjects, options, folder)
        t = result.throughput
        print(f"    gunicorn: hello {t['hello']['per_second']}/s, hospital page "
              f"{t['hospital']['per_second']}/s (ratio {t['ratio']:.2f}); worker RSS "
              f"{', '.join(f'{mb:.0f} MB' for mb in result.worker_rss_mb)}", flush=True)
    return result


def misses(result: DatabaseResult) -> list[str]:
    found = []
    for page in result.pages:
        if page.median_ms > TARGETS["median_ms"]:
            found.append(f"{page.page}: median {page.median_ms} ms > {TARGETS['median_ms']:.0f} ms")
        if page.p95_ms > TARGETS["p95_ms"]:
            found.append(f"{page.page}: p95 {page.p95_ms} ms > {TARGETS['p95_ms']:.0f} ms")
        if page.queries > TARGETS["queries"]:
            found.append(f"{page.page}: {page.queries} queries > {TARGETS['queries']}")
    if result.throughput and result.throughput["ratio"] < TARGETS["throughput_ratio"]:
        found.append(f"hospital page throughput {result.throughput['ratio']:.0%} of hello-world < 20 %")
    if result.worker_rss_mb and max(result.worker_rss_mb) > TARGETS["rss_mb"]:
        found.append(f"worker RSS {max(result.worker_rss_mb):.0f} MB > 300 MB")
    return found


def print_table(results: list[DatabaseResult]) -> None:
    names = [r.database for r in results]
    header = f"{'Page':<36}" + "".join(f" | {n + ' median':>16} {'p95':>7} {'SQL':>4}" for n in names)
    print("\n" + header)
    print("-" * len(header))
    for row in range(len(results[0].pages)):
        line = f"{results[0].pages[row].page:<36}"
        for result in results:
            page = result.pages[row]
            line += f" | {page.median_ms:>16.1f} {page.p95_ms:>7.1f} {page.queries:>4}"
        print(line)
    for result in results:
        if result.throughput:
            t = result.throughput
            print(f"{result.database}: gunicorn 2 workers, {t['connections']} connections: hello-world "
                  f"{t['hello']['per_second']}/s, hospital page {t['hospital']['per_second']}/s = "
                  f"{t['ratio']:.0%}; worker RSS {max(result.worker_rss_mb):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hospitals", type=int, default=1000, help="hospitals (default 1,000: national size)")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=3, help="timed PDF downloads (default 3)")
    parser.add_argument("--page-seconds", type=float, default=30,
                        help="time budget per page: fewer runs (at least 5) for a page slower than that")
    parser.add_argument("--load-seconds", type=float, default=10,
                        help="gunicorn load per route, seconds (0 leaves gunicorn out)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent clients of the load")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--output", default=str(ROOT / "bench-results.json"))
    options = parser.parse_args()
    wanted = [name.strip() for name in options.databases.split(",") if name.strip()]

    started = time.perf_counter()
    results: list[DatabaseResult] = []
    with tempfile.TemporaryDirectory(prefix="ql-bench-") as folder:
        if "sqlite" in wanted:
            uri = f"sqlite:///{folder}/bench.sqlite"
            results.append(bench_database("SQLite", uri, options, Path(folder)))
        if "postgresql" in wanted:
            with postgresql_server() as uri:
                results.append(bench_database("PostgreSQL", uri, options, Path(folder)))
    wall = time.perf_counter() - started

    print_table(results)
    all_misses = {r.database: misses(r) for r in results}
    print(f"\nTargets: median <= 50 ms, p95 <= 150 ms, <= 15 queries a page; hospital page >= 20 % of "
          f"hello-world; worker RSS <= 300 MB. Wall time {wall / 60:.1f} min.")
    for name, found in all_misses.items():
        print(f"{name}: " + ("every target met" if not found else "missed: " + "; ".join(found)))
    Path(options.output).write_text(json.dumps({
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "hospitals": options.hospitals, "years": options.years, "seed": options.seed,
        "runs": options.runs, "warmups": options.warmups, "wall_seconds": round(wall, 1),
        "targets": TARGETS, "databases": [asdict(r) for r in results], "misses": all_misses,
    }, indent=2) + "\n")
    print(f"Results written to {options.output}")


if __name__ == "__main__":
    main()
