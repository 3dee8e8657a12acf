"""Pages of the inspections area."""

from app.inspections import bp  # noqa: F401
