"""Views of the auth area: signing in and out and one's own account (account.py), and the
administrator's user management (users.py)."""

from app.auth.views import account, users  # noqa: F401
