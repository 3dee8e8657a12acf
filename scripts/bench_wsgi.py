"""The app as gunicorn serves it in `make bench` (scripts/bench.py): wsgi.py's app, plus, when
QL_BENCH_HELLO=1, a public hello-world route to compare the hospital page's throughput with.

    QL_BENCH_HELLO=1 DATABASE_URL=... gunicorn --chdir scripts bench_wsgi:app

The route lives here, not in app/, so no production process can ever serve it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.auth.access import public  # noqa: E402

HELLO_PATH = "/bench-hello"

app = create_app()

if os.environ.get("QL_BENCH_HELLO") == "1":

    def bench_hello() -> tuple[str, int, dict[str, str]]:
        return "Hello, world", 200, {"Content-Type": "text/plain; charset=utf-8"}

    app.add_url_rule(HELLO_PATH, "bench_hello", public(bench_hello))
