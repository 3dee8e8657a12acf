"""Ending sessions at once: a cookie saved before sign-out, a password change, a role change or
deactivation no longer opens anything. Also changing one's own password."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from app.auth.models import User
from app.auth.services import set_active, update_user
from app.extensions import db

NEW_PASSWORD = "a brand new passphrase 8"


def signed_in(app, user, password) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    return client


def saved_cookie(client: FlaskClient) -> str:
    return client.get_cookie("ql_session").value


def replay(app, cookie: str) -> int:  # type: ignore[no-untyped-def]
    """A fresh browser presenting a stolen or saved session cookie."""
    other = app.test_client()
    other.set_cookie("ql_session", cookie)
    response = other.get("/")
    return response.status_code


@pytest.fixture
def lead(make_user, app):  # type: ignore[no-untyped-def]
    from app.organisations.services import create_department, create_hospital, create_trust

    trust = create_trust(ods_code="RXX", name="Test Trust")
    hospital = create_hospital(trust, ods_code="RXX01", name="Test Hospital")
    department = create_department(hospital, service_code="urgent", name="Emergency department")
    db.session.commit()
    return make_user("lead", departments=[department])


def test_a_cookie_saved_before_sign_out_no_longer_works(app, lead, test_password):
    client = signed_in(app, lead, test_password)
    cookie = saved_cookie(client)
    assert replay(app, cookie) == 200
    response = client.post("/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/signed-out"
    assert "You have signed out" in client.get("/signed-out").text
    assert replay(app, cookie) == 302
    assert client.get("/").status_code == 302


def test_signing_out_ends_the_users_other_sessions_too(app, lead, test_password):
    laptop = signed_in(app, lead, test_password)
    phone = signed_in(app, lead, test_password)
    laptop.post("/sign-out")
    assert phone.get("/").status_code == 302


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, lead, test_password):
    laptop = signed_in(app, lead, test_password)
    phone = signed_in(app, lead, test_password)
    old_cookie = saved_cookie(laptop)
    response = laptop.post(
        "/account/password",
        data={"current_password": test_password, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert replay(app, old_cookie) == 302
    # The new password works; the old one does not.
    assert signed_in(app, lead, NEW_PASSWORD)
    refused = app.test_client().post("/sign-in", data={"email": lead.email, "password": test_password})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    "form,field_message",
    [
        ({"current_password": "not my password", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
         "The current password is not right."),
        ({"current_password": "{current}", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD + "x"},
         "The two new passwords are not the same."),
        ({"current_password": "{current}", "new_password": "password1234", "confirm_password": "password1234"},
         "too common"),
        ({"current_password": "{current}", "new_password": "short", "confirm_password": "short"},
         "at least 12 characters"),
        ({"current_password": "{current}", "new_password": "{current}", "confirm_password": "{current}"},
         "must be different"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(app, lead, test_password, form, field_message):
    client = signed_in(app, lead, test_password)
    before = lead.password_hash, lead.session_token
    data = {key: value.replace("{current}", test_password) for key, value in form.items()}
    response = client.post("/account/password", data=data)
    assert response.status_code == 400
    assert field_message in response.text
    assert "There is a problem" in response.text
    db.session.expire_all()
    user = db.session.get(User, lead.id)
    assert (user.password_hash, user.session_token) == before
    assert client.get("/").status_code == 200


def test_deactivation_ends_every_session_at_once(app, lead, make_user, test_password):
    client = signed_in(app, lead, test_password)
    cookie = saved_cookie(client)
    admin = make_user("admin")
    set_active(db.session.get(User, lead.id), False, actor=admin)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert replay(app, cookie) == 302


def test_a_role_change_ends_every_session_at_once(app, lead, make_user, test_password):
    client = signed_in(app, lead, test_password)
    admin = make_user("admin")
    user = db.session.get(User, lead.id)
    update_user(user, name=user.name, role="viewer", job_title=None, departments=[], actor=admin)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_the_account_page_shows_who_is_signed_in(app, lead, test_password):
    client = signed_in(app, lead, test_password)
    page = client.get("/account").text
    assert lead.email in page and "Department lead" in page and "Emergency department" in page
