"""One configuration, read from the environment; tests pass a dict of overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated on first run and kept in instance/.

    The generated key only serves the embedded default; production sets SECRET_KEY.
    """
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with owner-only permissions so the key is never world-readable, even briefly.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance_path / 'quality-ledger.sqlite'}"
    # Accept the common postgres:// and postgresql:// forms; always drive them with psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def build_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The app's settings: environment first, then the overrides a caller (a test) passes."""
    overrides = dict(overrides or {})
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": overrides.pop("SQLALCHEMY_DATABASE_URI", None)
        or _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": None,  # filled in below, from the database's kind
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000")),
        "DEMO_TRUST_CODE": os.environ.get("DEMO_TRUST_CODE", "R1H"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        # Uploaded files, outside the web root (never under app/static), each named by a random key.
        "UPLOAD_FOLDER": os.path.abspath(os.environ.get("UPLOAD_FOLDER") or instance_path / "uploads"),
        # Cookies: Secure outside development (create_app relaxes it under --debug on plain
        # http://127.0.0.1), never readable by scripts, not sent on cross-site requests.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "ql_session",
        # Signed-in sessions end after this long without a request, and after SESSION_MAX_HOURS
        # whatever happens; there is no remember-me cookie.
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "12")),
        "WTF_CSRF_TIME_LIMIT": None,
        "SECRET_KEY_SOURCE": "environment" if os.environ.get("SECRET_KEY") else "generated",
        **_mail_settings(),
    }
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = _secret_key(instance_path)
    else:
        config["SECRET_KEY_SOURCE"] = "configuration"
    config.update(overrides)
    if config["SQLALCHEMY_ENGINE_OPTIONS"] is None:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            config["SQLALCHEMY_DATABASE_URI"], int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
        )
    return config


def engine_options(database_uri: str, connect_timeout: int) -> dict[str, Any]:
    """The engine's options. Every pooled connection is tested before use (pool_pre_ping), so
    after the database restarts the app drops the dead connections and recovers by itself.

    PostgreSQL runs READ COMMITTED, set explicitly (app/database.py says why), and gives up
    connecting after `connect_timeout` seconds so an unreachable server is a quick 503, not a
    hung worker. SQLite's transactions are begun by app/database.py itself.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if database_uri.startswith(("postgresql", "postgres")):
        options["isolation_level"] = "READ COMMITTED"
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return options


def _mail_settings() -> dict[str, Any]:
    """E-mail (the reminder digests), under the names Flask-Mail users know.

    MAIL_USE_TLS upgrades a plain connection with STARTTLS; MAIL_USE_SSL speaks TLS from the
    first byte (usually port 465). APP_BASE_URL is the address people open the app at, for the
    links in e-mails (no request tells a command-line job its own address).
    """
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or "localhost",
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or "25"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or None,
        "MAIL_TIMEOUT_SECONDS": int(os.environ.get("MAIL_TIMEOUT_SECONDS") or "30"),
        "APP_BASE_URL": os.environ.get("APP_BASE_URL") or None,
    }
