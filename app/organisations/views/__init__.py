"""Pages of the organisation tree: hospitals and their grids (hospitals.py)."""

from app.organisations.views import hospitals  # noqa: F401
