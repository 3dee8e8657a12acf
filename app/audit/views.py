"""Pages of the audit area."""

from app.audit import bp  # noqa: F401
