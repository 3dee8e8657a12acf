"""Pages of the actions area."""

from app.actions import bp  # noqa: F401
