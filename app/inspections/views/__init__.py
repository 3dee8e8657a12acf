"""Pages of inspections: an inspection and its archive controls (records.py), the ratings grid
form (ratings.py), the Single Assessment Framework scores (saf.py), and recording an
inspection's details, publication, findings and enforcement (recording.py)."""

from app.inspections.views import listing, ratings, recording, records, saf  # noqa: F401
