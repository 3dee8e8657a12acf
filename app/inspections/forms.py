"""Forms of the inspections area. The inspection page only archives and restores (inspections
and findings), with the forms every archivable record shares."""

from __future__ import annotations

from app.forms_support import ArchiveForm, ConfirmForm

__all__ = ["ArchiveForm", "ConfirmForm"]
