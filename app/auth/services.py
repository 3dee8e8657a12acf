"""Writes to user accounts, and signing in.

Every change to a user writes an audit event. Changing the password, the role or the
departments, deactivating, and signing out give the user a new session token, which ends
every session they have at once (see app.auth.login.load_user).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.audit.services import record, snapshot
from app.auth import passwords
from app.auth.models import ROLES, LoginAttempt, User, new_session_token
from app.errors import ValidationError
from app.extensions import db
from app.models_support import utcnow
from app.organisations.models import Department

# At most this many failed sign-ins per address in the window (ASVS 2.2.1).
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=5)


def _email(value: str) -> str:
    return value.strip().lower()


def _check_account(
    errors: dict[str, str], *, email: str | None, name: str, role: str,
    departments: Sequence[Department], user: User | None = None,
) -> None:
    if email is not None:
        if "@" not in email or len(email) > 254 or " " in email:
            errors["email"] = "Enter an email address in the correct format, like name@nhs.net."
        elif db.session.scalar(select(User.id).where(User.email == email, User.id != (user.id if user else 0))):
            errors["email"] = f"An account for {email} already exists."
    if not name.strip():
        errors["name"] = "Enter the person's name."
    elif len(name.strip()) > 200:
        errors["name"] = "The name must be 200 characters or fewer."
    if role not in ROLES:
        errors["role"] = f"{role!r} is not a role."
    elif role == "lead" and not departments:
        errors["departments"] = "Choose at least one department for a department lead."
    elif role != "lead" and departments:
        errors["departments"] = "Only a department lead has departments."


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    job_title: str | None = None,
    departments: Sequence[Department] | None = None,
    password: str | None = None,
    password_hash: str | None = None,
    actor: Any = None,
) -> User:
    """A new account. `password` is checked against the rules and hashed; `password_hash`
    (already hashed) serves the demo and tests only."""
    address = _email(email)
    departments = list(departments or [])
    errors: dict[str, str] = {}
    _check_account(errors, email=address, name=name, role=role, departments=departments)
    if password is not None:
        issue = passwords.problem(password, email=address)
        if issue:
            errors["password"] = issue
    if errors:
        raise ValidationError(errors)
    user = User(
        email=address, name=name.strip(), role=role, job_title=(job_title or "").strip() or None,
        departments=departments,
        password_hash=passwords.hash_password(password) if password is not None else password_hash,
    )
    db.session.add(user)
    db.session.flush()
    # A lead's departments are not a column; the event records them as update_user's do.
    scope = {"department_ids": sorted(d.id for d in departments)} if departments else None
    record("create", user, None, actor=actor, extra=scope)
    return user


def update_user(
    user: User, *, name: str, role: str, job_title: str | None,
    departments: Sequence[Department], actor: Any = None,
) -> User:
    """Change a user's details, role and department scope. A new role or scope ends the
    user's sessions, so the new permissions apply at once."""
    departments = list(departments)
    errors: dict[str, str] = {}
    _check_account(errors, email=None, name=name, role=role, departments=departments, user=user)
    if actor is not None and actor.id == user.id and role != user.role:
        errors["role"] = "You cannot change your own role; ask another administrator."
    if errors:
        raise ValidationError(errors)
    before = snapshot(user)
    before["department_ids"] = sorted(user.department_ids)
    scope_changed = role != user.role or {d.id for d in departments} != user.department_ids
    user.name = name.strip()
    user.role = role
    user.job_title = (job_title or "").strip() or None
    user.departments = departments
    if scope_changed:
        user.session_token = new_session_token()
    record("update", user, before, actor=actor, extra={"department_ids": sorted(user.department_ids)})
    return user


def set_password(user: User, password: str, *, actor: Any = None) -> None:
    """A new password (checked against the rules); ends every session of the user."""
    issue = passwords.problem(password, email=user.email)
    if issue:
        raise ValidationError({"password": issue})
    before = snapshot(user)
    user.password_hash = passwords.hash_password(password)
    user.session_token = new_session_token()
    record("update", user, before, actor=actor)


def change_own_password(user: User, current: str, new: str, confirm: str) -> None:
    errors: dict[str, str] = {}
    if not passwords.verify(user.password_hash, current):
        errors["current_password"] = "The current password is not right."
    if new != confirm:
        errors["confirm_password"] = "The two new passwords are not the same."
    elif new == current:
        errors["new_password"] = "The new password must be different from the current one."
    else:
        issue = passwords.problem(new, email=user.email)
        if issue:
            errors["new_password"] = issue
    if errors:
        raise ValidationError(errors)
    set_password(user, new, actor=user)


def set_active(user: User, active: bool, *, actor: Any = None) -> None:
    """Deactivate (which ends every session at once) or reactivate an account."""
    if not active and actor is not None and actor.id == user.id:
        raise ValidationError({"active": "You cannot deactivate your own account."})
    if user.active == active:
        return
    before = snapshot(user)
    user.active = active
    user.session_token = new_session_token()
    record("update", user, before, actor=actor)


def end_sessions(user: User) -> None:
    """Sign out: a new token ends this session and every other one of the user."""
    before = snapshot(user)
    user.session_token = new_session_token()
    record("update", user, before, actor=user)


class SignInRefused(Exception):
    """The one message for a refused sign-in, whatever the reason, so that it reveals
    nothing about which accounts exist."""


def sign_in(email: str, password: str, *, remote_addr: str | None = None) -> User:
    """The user, if the address and password match an active account and the address has
    not failed too often lately. Every attempt is recorded, success or not."""
    address = _email(email)[:254]
    since = utcnow() - FAILURE_WINDOW
    failures = db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.email == address,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at >= since,
        )
    )
    user = db.session.scalar(select(User).where(User.email == address))
    matched = passwords.verify(user.password_hash if user else None, password)
    throttled = (failures or 0) >= MAX_FAILURES
    succeeded = bool(matched and user and user.active and not throttled)
    db.session.add(LoginAttempt(email=address, succeeded=succeeded, remote_addr=remote_addr))
    if throttled:
        raise SignInRefused(
            "Too many failed attempts to sign in with this email address. "
            "Wait 5 minutes, then try again."
        )
    if not succeeded:
        raise SignInRefused("The email address or password is not right.")
    assert user is not None
    if passwords.needs_rehash(user.password_hash or ""):
        before = snapshot(user)
        user.password_hash = passwords.hash_password(password)
        record("update", user, before, actor=user)
    return user
