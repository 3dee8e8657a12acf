# Quality Ledger: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install assets db demo clean-assets

$(BIN)/activate: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(BIN)/activate

install: $(BIN)/activate

app/static/vendor/nhsuk/nhsuk-frontend.min.css: package.json package-lock.json scripts/build_assets.py
	npm ci --no-audit --no-fund --silent
	$(BIN)/python scripts/build_assets.py

assets: install app/static/vendor/nhsuk/nhsuk-frontend.min.css

# `make run` is the development server on plain HTTP: FLASK_DEBUG=1 marks it as development
# (cookies without Secure, a generated SECRET_KEY); the interactive debugger stays off.
# Anywhere else the app refuses to start without a strong SECRET_KEY and secure cookies.
DEV := FLASK_DEBUG=1

db: install
	$(DEV) $(BIN)/flask db upgrade

# Demo data only when the database has no trust yet (seed-demo itself never duplicates).
demo: db
	$(DEV) $(BIN)/flask seed-demo --if-empty

run: assets demo
	$(DEV) $(BIN)/flask run --no-debugger --host $(HOST) --port $(PORT)

# TEST_DATABASE_URL=postgresql://... runs the same suite on PostgreSQL.
test: assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The board pack benchmark (issue 6): build + render against WeasyPrint alone, and re-downloads.
.PHONY: bench-pack
bench-pack: install
	$(BIN)/python scripts/bench_board_pack.py

# The national-scale benchmark (issue 8): 1,000 hospitals into SQLite and a throwaway PostgreSQL,
# each key page timed, gunicorn throughput and memory; writes bench-results.json.
# BENCH_ARGS="--hospitals 100" for a quick run.
.PHONY: bench
bench: install
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

# `make serve`: gunicorn with the production settings (gunicorn.conf.py; WEB_CONCURRENCY workers,
# default 2). Never in development mode: SECRET_KEY must be set (see README, Serving in production).
.PHONY: serve
serve: assets db
	env -u FLASK_DEBUG HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn -c gunicorn.conf.py

# The CQC import benchmark (issue 7): 1,000 location records imported and re-imported, medians of 3 runs;
# PostgreSQL too when QL_PG_URL is set (a throwaway database: its schema is dropped each run).
.PHONY: bench-import
bench-import: install
	$(BIN)/python scripts/bench_import.py
