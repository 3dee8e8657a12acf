"""Issuing, revoking and checking API tokens. Issue and revoke write audit events; the
plaintext of a token exists only in the value `issue_token` returns, shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.api.models import ApiToken
from app.audit.services import record, snapshot
from app.auth.models import User
from app.errors import ValidationError
from app.extensions import db
from app.models_support import utcnow

PREFIX = "ql_"
NAME_MAX = 100
# last_used_at is written when it is older than this, never more often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """The SHA-256 hex of a token, the only form in which it is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """`ql_` and 32 random bytes, URL-safe: high entropy, so a plain SHA-256 is a safe hash."""
    return PREFIX + secrets.token_urlsafe(32)


def issue_token(
    *, user: User | None, name: str, expires_on: date | None, actor: Any, today: date
) -> tuple[ApiToken, str]:
    """A new token for `user`: the record (audited) and the token itself, to show once."""
    errors: dict[str, str] = {}
    if user is None:
        errors["user"] = "Choose the user the token acts as."
    elif not user.active:
        errors["user"] = f"{user.name}'s account is deactivated: reactivate it before issuing a token."
    name = (name or "").strip()
    if not name:
        errors["name"] = "Enter what the token is for, for example Power BI quality dashboard."
    elif len(name) > NAME_MAX:
        errors["name"] = f"What the token is for must be {NAME_MAX} characters or fewer."
    if expires_on is not None and expires_on <= today:
        errors["expires_on"] = "The expiry date must be after today."
    if errors:
        raise ValidationError(errors)
    plaintext = new_token()
    token = ApiToken(
        user_id=user.id,  # type: ignore[union-attr]
        name=name,
        token_hash=token_hash(plaintext),
        created_by_id=getattr(actor, "id", None),
        expires_on=expires_on,
    )
    db.session.add(token)
    record("create", token, None, actor=actor)
    return token, plaintext


def revoke_token(token: ApiToken, *, actor: Any) -> None:
    """Stop a token working from now on (audited); the record stays in the list."""
    if token.revoked_at is not None:
        raise ValidationError({"revoke": "This token is already revoked."})
    before = snapshot(token)
    token.revoked_at = utcnow()
    token.revoked_by_id = getattr(actor, "id", None)
    record("update", token, before, actor=actor)


def token_for(plaintext: str) -> ApiToken | None:
    """The stored token with this value, whatever its state (one indexed query)."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > 200:
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext)))


def _aware(moment: datetime) -> datetime:
    # SQLite hands moments back without their zone; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def note_use(token: ApiToken, now: datetime) -> bool:
    """Record that the token was used, at most once a minute: True when written.

    Committed at once, before the request reads anything else, so that the write is short;
    on SQLite a read transaction that another worker's write overtook cannot become a write
    (SQLITE_BUSY_SNAPSHOT): the write is then dropped (the next request a minute on makes it),
    since it is bookkeeping and never a reason to refuse a read.
    """
    if token.last_used_at is not None and now - _aware(token.last_used_at) < LAST_USED_RESOLUTION:
        return False
    try:
        token.last_used_at = now
        db.session.commit()
    except OperationalError as error:
        db.session.rollback()
        current_app.logger.info("API token %s: last use not recorded (%s)", token.id, error.orig)
        return False
    return True
