"""With CSRF protection on, as in production: every unsafe route refuses a post without its
token, whoever sends it, and changes nothing."""

from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import LoginAttempt, User
from app.extensions import db

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def csrf_app(app, demo):  # type: ignore[no-untyped-def]
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def unsafe_routes(app):  # type: ignore[no-untyped-def]
    return sorted(
        (r.endpoint, method, r)
        for r in app.url_map.iter_rules()
        for method in (r.methods or set()) & UNSAFE
    )


def test_there_are_unsafe_routes_to_check(csrf_app):
    assert len(unsafe_routes(csrf_app)) >= 10


def test_every_unsafe_route_refuses_a_post_without_a_token(csrf_app, make_user, login_as):
    users = {role: make_user(role) for role in ("admin", "quality", "viewer")}
    values = {"code": "R1HKH", "trust_code": "R1H", "department_id": 1, "action_id": 1,
              "finding_id": 1, "inspection_id": 1, "file_id": 1, "user_id": users["viewer"].id,
              "token_id": 1}
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    accepted = []
    for endpoint, method, url_rule in unsafe_routes(csrf_app):
        with csrf_app.test_request_context():
            url = url_for(endpoint, **{a: values[a] for a in url_rule.arguments})
        for role in ("anonymous", *users):
            client = csrf_app.test_client()
            if role != "anonymous":
                login_as(client, db.session.get(User, users[role].id))
            # A plausible body, even a token-shaped field with a wrong value; only the token is missing.
            response = client.open(url, method=method, data={"reason": "x", "text": "x", "csrf_token": "forged"})
            if response.status_code != 400 or "security token" not in response.text:
                accepted.append(f"{method} {url} as {role}: {response.status_code}")
            db.session.rollback()
    assert accepted == []
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == 0


def test_a_post_with_its_token_is_accepted(csrf_app, make_user, test_password):
    user = make_user("viewer")
    client = csrf_app.test_client()
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/sign-in", data={"email": user.email, "password": test_password, "csrf_token": token})
    assert response.status_code == 302
