"""Security headers on every response, error pages, cookies, and the production start-up check."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app import create_app
from app.audit.models import AuditEvent
from app.auth.access import public
from app.extensions import db
from app.security import CONTENT_SECURITY_POLICY, InsecureConfiguration

STRONG_KEY = secrets.token_hex(32)


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.fixture
def broken_app(app: Flask) -> Flask:
    """The test app with routes that fail in each way a real request can."""

    def boom() -> str:
        raise RuntimeError("secret internals: /etc/passwd line 42")

    def stale() -> str:
        raise StaleDataError("UPDATE statement on table 'actions' expected to update 1 row(s)")

    def database_down() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    for rule, view in (("/_boom", boom), ("/_stale", stale), ("/_down", database_down)):
        app.add_url_rule(rule, view.__name__, public(view))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


@pytest.mark.parametrize(
    "path,status",
    [
        ("/sign-in", 200),
        ("/", 302),
        ("/no-such-page", 404),
        ("/static/css/app.css", 200),
        ("/static/no-such-file.css", 404),
    ],
)
def test_every_response_carries_the_security_headers(client, path, status):
    response = client.get(path)
    response.close()  # a static file is streamed from an open file
    assert response.status_code == status
    assert_security_headers(response)


def test_pages_are_not_cached_but_static_files_may_be(client):
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "path,status,title",
    [
        ("/_boom", 500, "Sorry, there is a problem with the service"),
        ("/_stale", 409, "Someone else changed this record"),
        ("/_down", 503, "Sorry, the service is unavailable"),
        ("/no-such-page", 404, "Page not found"),
    ],
)
def test_error_pages_are_in_the_house_style_without_internals(broken_app, path, status, title):
    response = broken_app.test_client().get(path)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in response.text
    assert "nhsuk-header" in response.text
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert "connection refused" not in response.text
    assert_security_headers(response)


def test_a_forbidden_page_is_a_403_in_the_house_style(viewer_client, caplog):
    # A board viewer has no business in the user administration (or any page needing more).
    from app.auth.access import requires

    app = viewer_client.application
    app.add_url_rule("/_admin_only", "admin_only", requires("manage_users")(lambda: "secret"))
    response = viewer_client.get("/_admin_only")
    assert response.status_code == 403
    assert "You do not have permission to do this" in response.text
    assert_security_headers(response)
    assert "Access refused: user" in caplog.text and "GET /_admin_only" in caplog.text


def test_a_wrong_method_is_a_405_page(viewer_client):
    response = viewer_client.get("/sign-out")
    assert response.status_code == 405
    assert_security_headers(response)


def test_a_too_large_request_is_a_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/sign-in", data={"email": "x" * (2 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    assert "larger than the limit of 1 MB" in response.text
    assert_security_headers(response)


def test_a_post_without_its_csrf_token_is_a_400_page(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/sign-in", data={"email": "a@example.nhs.uk", "password": "whatever it is"})
    assert response.status_code == 400
    assert "security token" in response.text
    assert_security_headers(response)


def test_the_session_cookie_is_secure_httponly_and_lax_outside_development(app, database_uri, make_user, test_password):
    production_like = create_app(
        {"TESTING": True, "SECRET_KEY": STRONG_KEY, "SQLALCHEMY_DATABASE_URI": database_uri,
         "WTF_CSRF_ENABLED": False}
    )
    user = make_user("viewer")
    email = user.email
    from app.extensions import db

    db.session.commit()
    response = production_like.test_client().post("/sign-in", data={"email": email, "password": test_password})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-ql_session="))
    assert "Domain" not in cookie and "Path=/;" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


# -- The production start-up check ------------------------------------------------------------


def production(monkeypatch, **settings):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    config = {"DEBUG": False, "TESTING": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    config.update(settings)
    return create_app(config)


def test_production_starts_with_safe_settings(monkeypatch):
    app = production(monkeypatch, SECRET_KEY=STRONG_KEY)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfiguration) as refused:
        production(monkeypatch)
    assert "SECRET_KEY is not set. Set SECRET_KEY in the environment" in str(refused.value)


@pytest.mark.parametrize(
    "key", ["dev", "changeme", "short-but-random-7f3a", "a" * 64, "test-secret-key-not-for-production"]
)
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    with pytest.raises(InsecureConfiguration) as refused:
        production(monkeypatch, SECRET_KEY=key)
    assert "SECRET_KEY is weak" in str(refused.value)


@pytest.mark.parametrize(
    "setting,value,named",
    [
        ("SESSION_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE is off"),
        ("SESSION_COOKIE_HTTPONLY", False, "SESSION_COOKIE_HTTPONLY is off"),
        ("SESSION_COOKIE_SAMESITE", None, "SESSION_COOKIE_SAMESITE must be"),
        ("WTF_CSRF_ENABLED", False, "WTF_CSRF_ENABLED is off"),
    ],
)
def test_production_refuses_insecure_cookie_and_csrf_settings(monkeypatch, setting, value, named):
    with pytest.raises(InsecureConfiguration) as refused:
        production(monkeypatch, SECRET_KEY=STRONG_KEY, **{setting: value})
    assert named in str(refused.value)


def test_an_insecure_cookie_from_the_environment_is_refused_too(monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(InsecureConfiguration, match="SESSION_COOKIE_SECURE is off"):
        create_app({"DEBUG": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_may_run_on_plain_http_with_a_generated_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    app = create_app({"DEBUG": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SECRET_KEY"]


def test_every_view_must_declare_an_access_rule():
    from app.auth.access import check_every_view_has_a_rule

    app = Flask("bare")
    app.add_url_rule("/forgotten", "forgotten", lambda: "open?")
    with pytest.raises(RuntimeError, match="forgotten"):
        check_every_view_has_a_rule(app)


@pytest.mark.parametrize("where", ["query", "form", "name"])
def test_a_nul_character_is_refused_before_any_view(quality_client, demo, where):
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    if where == "query":
        response = quality_client.get("/actions?title=a\x00b")
    else:
        data = {"summary\x00": "x"} if where == "name" else {"text": "Half\x00done", "percent_complete": "50"}
        response = quality_client.post("/actions/1/updates", data=data)
    assert response.status_code == 400
    assert "NUL character (U+0000)" in response.text
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before


def test_the_api_refuses_a_nul_in_json(app):
    response = app.test_client().get("/api/v1/trusts?page=1\x00")
    assert response.status_code == 400 and response.get_json()["status"] == 400
