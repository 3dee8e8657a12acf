"""`flask create-admin EMAIL [--name NAME]`: the password is typed twice, never shown, and
must pass the same rules as on the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth import passwords
from app.auth.models import User
from app.extensions import db

PASSWORD = "a quiet harbour at dawn 9"


def typed_twice(password: str) -> str:
    return f"{password}\n{password}\n"


def users() -> list[User]:
    db.session.rollback()  # see what the command committed
    return list(db.session.scalars(select(User).order_by(User.id)))


def test_creates_an_administrator(runner):
    result = runner.invoke(args=["create-admin", "Sys.Admin@Example.NHS.uk"], input=typed_twice(PASSWORD))
    assert result.exit_code == 0, result.output
    assert "Created administrator sys.admin@example.nhs.uk." in result.output
    assert PASSWORD not in result.output
    (user,) = users()
    assert (user.email, user.name, user.role, user.active) == ("sys.admin@example.nhs.uk", "Sys.Admin", "admin", True)
    assert passwords.verify(user.password_hash, PASSWORD)
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.record_kind == "users")).all()
    assert (event.action, event.record_id, event.user_id) == ("create", user.id, None)
    assert PASSWORD not in str(event.changes)


def test_the_name_option(runner):
    result = runner.invoke(args=["create-admin", "it@example.nhs.uk", "--name", "Sam Patel"], input=typed_twice(PASSWORD))
    assert result.exit_code == 0, result.output
    assert users()[0].name == "Sam Patel"


def test_the_created_administrator_can_sign_in_and_manage_users(runner, app):
    runner.invoke(args=["create-admin", "it@example.nhs.uk"], input=typed_twice(PASSWORD))
    client = app.test_client()
    response = client.post("/sign-in", data={"email": "it@example.nhs.uk", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/admin/users").status_code == 200


def test_a_mismatched_confirmation_asks_again(runner):
    result = runner.invoke(
        args=["create-admin", "it@example.nhs.uk"],
        input=f"{PASSWORD}\n{PASSWORD}x\n" + typed_twice(PASSWORD),
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output
    assert len(users()) == 1


def test_a_mismatched_confirmation_with_no_second_try_creates_nothing(runner):
    result = runner.invoke(args=["create-admin", "it@example.nhs.uk"], input=f"{PASSWORD}\n{PASSWORD}x\n")
    assert result.exit_code != 0
    assert PASSWORD not in result.output
    assert users() == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short one", "Password: The password must be at least 12 characters long."),
        ("password12345!", "Password: This password is too common or too easy to guess."),
        ("it@example.nhs.uk", "Password: The password must not be your email address."),
    ],
)
def test_a_weak_password_is_refused(runner, password, message):
    result = runner.invoke(args=["create-admin", "it@example.nhs.uk"], input=typed_twice(password))
    assert result.exit_code == 1
    assert message in result.output
    assert "Created" not in result.output
    assert users() == []


def test_an_existing_email_is_refused(runner, make_user):
    make_user("quality", email="it@example.nhs.uk")
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    result = runner.invoke(args=["create-admin", "IT@example.nhs.uk"], input=typed_twice(PASSWORD))
    assert result.exit_code == 1
    assert "Email address: An account for it@example.nhs.uk already exists." in result.output
    assert PASSWORD not in result.output
    (user,) = users()
    assert user.role == "quality"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_a_malformed_email_is_refused(runner):
    result = runner.invoke(args=["create-admin", "not-an-address"], input=typed_twice(PASSWORD))
    assert result.exit_code == 1
    assert "Email address: Enter an email address in the correct format" in result.output
    assert users() == []
