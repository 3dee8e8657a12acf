"""The vocabulary of inspections, findings and enforcement (DOMAIN.md, "Inspections and reports").

Each mapping is stored value -> label; the stored values are what the database CHECKs allow.
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "official": "Official CQC inspection",
    "mock": "Mock inspection (internal)",
    "peer_review": "Peer review (internal)",
}

INSPECTION_TYPES: dict[str, str] = {
    "comprehensive": "Comprehensive",
    "focused": "Focused",
    "responsive": "Responsive (after concerns)",
    "well_led": "Trust-level well-led review",
}

NOTICE: dict[str, str] = {
    "announced": "Announced",
    "short_notice": "Short-notice announced",
    "unannounced": "Unannounced",
}

STATUSES: dict[str, str] = {"draft": "Draft", "published": "Published"}

SCOPES: tuple[str, ...] = ("trust", "hospital", "department")

FINDING_KINDS: dict[str, str] = {
    "must_do": "Must do",
    "should_do": "Should do",
    "outstanding_practice": "Outstanding practice",
    "other": "Other",
}

ENFORCEMENT_KINDS: dict[str, str] = {
    "requirement_notice": "Requirement notice",
    "warning_notice": "Warning notice (section 29)",
    "section_29a": "Section 29A warning notice",
    "conditions": "Conditions on registration",
    "special_measures": "Special measures",
}


def is_official(source: str) -> bool:
    """Official CQC ratings are never mixed with the trust's own mock or peer-review ones."""
    if source not in SOURCES:
        raise ValueError(f"{source!r} is not an inspection source")
    return source == "official"
