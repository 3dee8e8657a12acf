"""Pages of inspections: an inspection and its archive controls (records.py)."""

from app.inspections.views import records  # noqa: F401
