"""Loading the signed-in user for Flask-Login.

The session holds "id:session_token"; changing a user's token ends every session at once.
"""

from __future__ import annotations

from app.auth.models import User
from app.extensions import db


def load_user(value: str) -> User | None:
    user_id, _, token = value.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user
