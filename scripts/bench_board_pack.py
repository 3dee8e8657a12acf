"""Time the board pack: building the data and rendering the PDF, against WeasyPrint alone on
the same final HTML, for the demo trust and (when app.synthetic is present) a larger synthetic
trust of 5 hospitals x 9 departments, 10 years of inspections and 300 actions; then
re-downloading an issued pack through the Flask test client.

    .venv/bin/python scripts/bench_board_pack.py [--runs 5] [--downloads 20]

Prints medians. Target (issue 6): build + render within 1.10 x WeasyPrint alone, and a
re-download under 20 ms. A throwaway SQLite database in a temporary folder; nothing else is
touched.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from benchlib import bench_app, signed_in  # noqa: E402

from app.boardpacks.queries import subject_by_code  # noqa: E402
from app.boardpacks.rendering import pack_html, pdf_of  # noqa: E402
from app.boardpacks.services import build_pack, issue_pack  # noqa: E402
from app.extensions import db  # noqa: E402


def page_count(pdf: bytes) -> int:
    """The PDF's pages, from poppler's pdfinfo (0 when poppler-utils is missing)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        try:
            info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return 0
    return int(next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), 0))


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_subject(code: str, runs: int) -> dict[str, float]:
    build, html_times, total, weasy = [], [], [], []
    pages = size = 0
    for _ in range(runs):
        db.session.expire_all()
        started = time.perf_counter()
        pack = build_pack(subject_by_code(code), date.today(), generated_by="Benchmark",
                          generated_at=datetime.now(timezone.utc))
        built = time.perf_counter()
        html = pack_html(pack)
        rendered_html = time.perf_counter()
        pdf = pdf_of(html)
        finished = time.perf_counter()
        build.append(built - started)
        html_times.append(rendered_html - built)
        total.append(finished - started)
        db.session.rollback()
        # WeasyPrint alone on the very same HTML.
        started = time.perf_counter()
        pdf_of(html)
        weasy.append(time.perf_counter() - started)
        size = len(pdf)
        pages = page_count(pdf)
    return {
        "build": median_ms(build), "html": median_ms(html_times), "total": median_ms(total),
        "weasy": median_ms(weasy), "pages": pages, "kb": size / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="builds per trust (default 5)")
    parser.add_argument("--downloads", type=int, default=20, help="re-downloads of the issued pack (default 20)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        with app.app_context():
            upgrade()
            from app.demo.services import seed_demo

            seed_demo()
            db.session.commit()
            subjects = [("R1H", "Demo: Barts Health NHS Trust (5 hospitals)")]
            try:
                from app.synthetic.services import seed_synthetic
            except ImportError:
                print("app.synthetic is not present: the larger trust is left out.")
            else:
                started = time.perf_counter()
                seed_synthetic(hospitals=5, years=10, seed=1, departments_per_hospital=9, actions=300)
                db.session.commit()
                print(f"Synthetic trust seeded in {time.perf_counter() - started:.1f} s")
                code = db.session.execute(db.text(
                    "SELECT ods_code FROM trusts WHERE ods_code <> 'R1H' ORDER BY id LIMIT 1")).scalar()
                subjects.append((code, f"Synthetic {code}: 5 hospitals x 9 departments, 10 years, 300 actions"))

            print(f"\nBoard pack, median of {options.runs} runs (ms)")
            header = f"{'Trust':<66} {'pages':>5} {'KB':>6} {'build':>7} {'HTML':>7} {'total':>8} {'WeasyPrint':>10} {'ratio':>6}"
            print(header)
            print("-" * len(header))
            for code, label in subjects:
                result = bench_subject(code, options.runs)
                ratio = result["total"] / result["weasy"]
                print(f"{label:<66} {result['pages']:>5} {result['kb']:>6.0f} {result['build']:>7.1f} "
                      f"{result['html']:>7.1f} {result['total']:>8.1f} {result['weasy']:>10.1f} {ratio:>6.3f}")
            print("total = build + HTML + WeasyPrint; ratio = total / WeasyPrint alone on the same HTML "
                  "(target <= 1.10)")

            from app.auth.services import create_user

            quality = create_user(email="bench-quality@example.nhs.uk", name="Bench Quality", role="quality",
                                  departments=[], password_hash="x")
            db.session.commit()
            issued = issue_pack(subject_by_code(subjects[-1][0]), date.today(), issued_by=quality,
                                generated_at=datetime.now(timezone.utc))
            db.session.commit()
            pack_id, size = issued.id, issued.size
            client = signed_in(app, quality)
            url = f"/board-packs/issued-pack/{pack_id}"
            client.get(url).close()
            times = []
            for _ in range(options.downloads):
                started = time.perf_counter()
                response = client.get(url)
                _ = response.data
                times.append(time.perf_counter() - started)
                response.close()
            print(f"\nRe-download of an issued pack ({size / 1024:.0f} KB), median of {options.downloads}: "
                  f"{median_ms(times):.2f} ms (target < 20 ms)")


if __name__ == "__main__":
    main()
