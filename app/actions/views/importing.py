"""CSV import of actions (being built)."""

from __future__ import annotations
