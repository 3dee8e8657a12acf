"""gunicorn's production settings for Quality Ledger: `make serve`, or
`.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app`. Every value can be set from the environment.

The app itself refuses to start outside development without a strong SECRET_KEY and Secure
cookies (app/security.py); nothing here relaxes that, and FLASK_DEBUG must not be set.
"""

import os

wsgi_app = "wsgi:app"

# Sync workers, each one request at a time: WEB_CONCURRENCY (the name Heroku and others use),
# two by default. On SQLite two workers share the file safely (WAL, busy timeout, BEGIN
# IMMEDIATE for writes: app/database.py); more mostly queue for SQLite's single writer.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]

# A worker silent for longer than this is killed and replaced (a board pack PDF is the slowest
# page: a few seconds for a large trust).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# On SIGTERM (a deploy, a restart) workers finish their current request within this time.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Behind a load balancer that reuses connections, keep them open a little longer than it polls.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Replace each worker after this many requests (with jitter, so not all at once): bounds the
# effect of any slow leak, e.g. in the PDF renderer.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# preload_app off, deliberately: each worker builds the app after the fork, so no database
# connection (or SQLite file handle) opened while building it is ever shared between processes,
# and a worker killed and restarted starts clean. The cost is building the app once per worker.
preload_app = False

# Access log and error log to stdout/stderr, for the service manager's journal or the container.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'

# Behind an HTTPS proxy on the same machine: trust its X-Forwarded-* headers (gunicorn's default
# is the same); FORWARDED_ALLOW_IPS names the proxy when it runs elsewhere.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
