"""Writes to user accounts. Passwords and sign-in arrive with the access-control issue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.audit.services import record
from app.auth.models import ROLES, User
from app.errors import ValidationError
from app.extensions import db


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    job_title: str | None = None,
    departments: list[Any] | None = None,
    actor: Any = None,
) -> User:
    address = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in address:
        errors["email"] = f"{email!r} is not an email address."
    if role not in ROLES:
        errors["role"] = f"{role!r} is not a role."
    if not errors and db.session.scalar(select(User.id).where(User.email == address)):
        errors["email"] = f"An account for {address} already exists."
    if errors:
        raise ValidationError(errors)
    user = User(
        email=address, name=name.strip(), role=role, job_title=job_title,
        departments=list(departments or []),
    )
    db.session.add(user)
    record("create", user, None, actor=actor)
    return user
