"""Views of the auth area: signing in and out and one's own account (account.py)."""

from app.auth.views import account  # noqa: F401
