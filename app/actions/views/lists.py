"""My actions and the actions board (being built)."""

from __future__ import annotations
