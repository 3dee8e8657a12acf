"""Signing in through the form: the failure limit, the one refusal message, safe `next`, a
rotated session, no remember-me, and idle and absolute session expiry."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import LoginAttempt, User
from app.auth.services import MAX_FAILURES, set_active
from app.extensions import db
from app.models_support import utcnow

REFUSED = "The email address or password is not right."
THROTTLED = "Too many failed attempts"


def sign_in(client, email, password, next_=None):  # type: ignore[no-untyped-def]
    url = "/sign-in" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": email, "password": password})


@pytest.fixture
def quality(make_user):  # type: ignore[no-untyped-def]
    return make_user("quality", email="Pat.Quality@example.nhs.uk")


def test_the_sign_in_page_is_open_to_anyone(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert 'autocomplete="current-password"' in response.text


def test_every_other_page_sends_an_anonymous_visitor_to_sign_in(client, demo):
    response = client.get("/hospitals/R1HKH?as_of=2016-06-01")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/hospitals/R1HKH?as_of%3D2016-06-01"


def test_signing_in_opens_the_pages(client, quality, test_password):
    response = sign_in(client, "pat.quality@EXAMPLE.nhs.uk ", test_password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    attempt = db.session.scalars(select(LoginAttempt)).one()
    assert attempt.succeeded and attempt.email == "pat.quality@example.nhs.uk"


@pytest.mark.parametrize("case", ["wrong password", "unknown address", "deactivated"])
def test_every_refusal_says_the_same_thing(client, quality, test_password, case):
    if case == "deactivated":
        set_active(quality, False)
        db.session.commit()
    email = "nobody@example.nhs.uk" if case == "unknown address" else quality.email
    password = "not the password at all" if case == "wrong password" else test_password
    response = sign_in(client, email, password)
    assert response.status_code == 400
    assert REFUSED in response.text
    assert "not found" not in response.text.lower() and "deactivated" not in response.text.lower()
    assert client.get("/").status_code == 302  # still signed out
    assert db.session.scalar(select(func.count(LoginAttempt.id)).where(LoginAttempt.succeeded.is_(False))) == 1


def test_a_blank_form_names_each_field(client):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


@pytest.mark.parametrize("known", [True, False])
def test_ten_failures_in_five_minutes_lock_the_address_even_for_the_right_password(
    client, quality, test_password, known
):
    email = quality.email if known else "ghost@example.nhs.uk"
    for _ in range(MAX_FAILURES):
        assert REFUSED in sign_in(client, email, "a wrong password here").text
    # The same answer whether or not the account exists.
    response = sign_in(client, email, test_password)
    assert response.status_code == 400
    assert THROTTLED in response.text
    assert client.get("/").status_code == 302
    # Another address is not affected.
    assert REFUSED in sign_in(client, "other@example.nhs.uk", "whatever it is").text


def test_the_limit_lifts_when_the_failures_are_older_than_five_minutes(client, quality, test_password):
    for _ in range(MAX_FAILURES):
        sign_in(client, quality.email, "a wrong password here")
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    assert sign_in(client, quality.email, test_password).status_code == 302


def test_the_limit_holds_across_workers(client, second_worker, quality, test_password):
    """Two app instances on one database, as two gunicorn workers: failures at either count."""
    email = quality.email
    other = second_worker.test_client()
    for attempt in range(MAX_FAILURES):
        db.session.commit()  # end this worker's transaction, so the other can write on SQLite
        worker = client if attempt % 2 else other
        assert REFUSED in sign_in(worker, email, "a wrong password here").text
    for worker in (client, other):
        db.session.commit()
        assert THROTTLED in sign_in(worker, email, test_password).text


def test_next_leads_back_to_the_page_asked_for(client, quality, test_password):
    response = sign_in(client, quality.email, test_password, next_="/hospitals/R1HKH%3Fas_of%3D2016-06-01")
    assert response.headers["Location"] == "/hospitals/R1HKH?as_of=2016-06-01"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\r\nSet-Cookie:x=y",
    ],
)
def test_next_never_leads_off_the_site(client, quality, test_password, target):
    from urllib.parse import quote

    response = sign_in(client, quality.email, test_password, next_=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_signing_in_starts_a_new_session_and_sets_no_remember_me_cookie(client, quality, test_password):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    response = sign_in(client, quality.email, test_password)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == quality.get_id()
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(cookie.startswith("remember_token") for cookie in cookies)
    session_cookie = next(cookie for cookie in cookies if cookie.startswith("ql_session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Expires" not in session_cookie  # ends with the browser session


def test_a_signed_in_user_visiting_sign_in_goes_on(client, quality, test_password):
    sign_in(client, quality.email, test_password)
    assert client.get("/sign-in").headers["Location"] == "/"


def _age_session(client, seen_minutes_ago: float, started_hours_ago: float = 0) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen"] = time.time() - seen_minutes_ago * 60
        session["started"] = time.time() - started_hours_ago * 3600 - seen_minutes_ago * 60


def test_an_idle_session_ends_after_the_configured_time(app, client, quality, test_password):
    sign_in(client, quality.email, test_password)
    _age_session(client, seen_minutes_ago=29)
    assert client.get("/").status_code == 200  # and that request counts as activity
    _age_session(client, seen_minutes_ago=31)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert "inactivity" in client.get("/sign-in").text
    assert client.get("/").status_code == 302  # signed out for good


def test_the_idle_timeout_is_configurable(app, client, quality, test_password):
    app.config["IDLE_TIMEOUT_MINUTES"] = 5
    sign_in(client, quality.email, test_password)
    _age_session(client, seen_minutes_ago=6)
    assert client.get("/").status_code == 302


def test_a_session_ends_after_twelve_hours_however_active(client, quality, test_password):
    sign_in(client, quality.email, test_password)
    _age_session(client, seen_minutes_ago=1, started_hours_ago=12)
    assert client.get("/").status_code == 302


def test_a_weaker_stored_hash_is_upgraded_at_sign_in(client, quality, test_password):
    from werkzeug.security import generate_password_hash

    quality.password_hash = generate_password_hash(test_password, method="pbkdf2:sha256:1000")
    db.session.commit()
    assert sign_in(client, quality.email, test_password).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, quality.id).password_hash.startswith("pbkdf2:sha256:600000$")
