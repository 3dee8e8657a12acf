"""Shared fixtures: app, client, runner, the demo data, and the test database.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set
(`TEST_DATABASE_URL=postgresql://user@host:port/db make test`). Either way the schema comes
from the migrations, never from create_all, so tests see what production sees.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))


def postgres_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def base_config(database_uri: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        # The test client and the browser tests' live server speak plain HTTP.
        "SESSION_COOKIE_SECURE": False,
    }


def _migrate(database_uri: str) -> None:
    app = create_app(base_config(database_uri))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file, made once per session and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def migrated_template(request: pytest.FixtureRequest) -> str:
    """Migrate once per session: the SQLite template to copy, or the PostgreSQL database."""
    if ON_POSTGRES:
        uri = postgres_url(TEST_DATABASE_URL)
        _migrate(uri)
        return uri
    return request.getfixturevalue("sqlite_template")


def _empty_postgres() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_uri(migrated_template: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if ON_POSTGRES:
        return migrated_template
    path = tmp_path / "test.sqlite"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_uri: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(base_config(database_uri))
    # Uploads go to this test's own folder, never into the project's instance/.
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with app.app_context():
        if ON_POSTGRES:
            _empty_postgres()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def second_worker(app: Flask, database_uri: str) -> Iterator[Flask]:
    """Another app instance on the same database, as a second gunicorn worker would be."""
    other = create_app(base_config(database_uri))
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_template: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite whatever TEST_DATABASE_URL says: for SQLite's own connection set-up,
    so those tests run (on SQLite) in the PostgreSQL run too instead of being skipped."""
    path = tmp_path / "sqlite-only.sqlite"
    shutil.copyfile(sqlite_template, path)
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def demo(app: Flask):
    """The Barts Health demo trust, loaded through the services and committed."""
    from app.demo.services import seed_demo

    trust = seed_demo()
    db.session.commit()
    return trust


# ---------------------------------------------------------------------------------------------
# Accounts. Users are created through the services; their password hash is made once per
# session (hashing is deliberately slow) and shared.

TEST_PASSWORD = "a long test passphrase 7"


@pytest.fixture(scope="session")
def test_password() -> str:
    return TEST_PASSWORD


@pytest.fixture(scope="session")
def password_hash() -> str:
    from app.auth.passwords import hash_password

    return hash_password(TEST_PASSWORD)


@pytest.fixture
def make_user(app: Flask, password_hash: str):
    """make_user("lead", departments=[...]) -> a committed user who can sign in with TEST_PASSWORD."""
    from app.auth.services import create_user

    def make(role: str, *, email: str | None = None, name: str | None = None, departments=()):  # type: ignore[no-untyped-def]
        user = create_user(
            email=email or f"{role}-{os.urandom(3).hex()}@example.nhs.uk",
            name=name or f"Test {role}",
            role=role,
            departments=list(departments),
            password_hash=password_hash,
        )
        db.session.commit()
        return user

    return make


def _login_as(client: FlaskClient, user) -> FlaskClient:  # type: ignore[no-untyped-def]
    import time

    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["started"] = session["seen"] = time.time()
    return client


@pytest.fixture
def login_as():  # type: ignore[no-untyped-def]
    """login_as(client, user) -> client: signs `user` in by writing the session Flask-Login
    reads (what a sign-in writes), without paying for a password check. Sign-in itself is
    tested through the form in tests/auth."""
    return _login_as


@pytest.fixture
def client_of(app: Flask):  # type: ignore[no-untyped-def]
    """client_of(user) -> a new test client signed in as `user`."""
    return lambda user: _login_as(app.test_client(), user)


@pytest.fixture
def client_as(make_user, client_of):  # type: ignore[no-untyped-def]
    """client_as(role, departments=()) -> a new test client signed in as a new user of that
    role (a lead of `departments`)."""
    return lambda role, departments=(): client_of(make_user(role, departments=departments))


@pytest.fixture
def quality_client(client_as) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A test client signed in as a quality-team user."""
    return client_as("quality")


@pytest.fixture
def viewer_client(client_as) -> FlaskClient:  # type: ignore[no-untyped-def]
    return client_as("viewer")


# ---------------------------------------------------------------------------------------------
# One Chromium for the whole session, shared by tests/browser and the tests that run the app's
# scripts (two sync Playwright instances cannot live in one thread).

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session. Fails (never skips) when it cannot start."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - requirements-dev.txt installs it
        pytest.fail(f"Playwright for Python is not installed ({error}); run `make install`.")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM to its path. Browser tests never skip.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
        yield chromium
        chromium.close()


