"""Writes to inspections, one module per part of the quality team's work:

- recording: an inspection's details (and report document), its cells, publication;
- findings: findings and enforcement;
- ratings: the ratings grid form (rows, carried-forward cells, suggested aggregates);
- saf: Single Assessment Framework scores.

Every function validates its whole input before it adds anything, so a rejected call leaves
the session as it found it; the caller commits once. The names below are the public API.
"""

from __future__ import annotations

from app.inspections.services.recording import (
    day_in_words,
    is_web_address,
    create_inspection,
    inspection_errors,
    update_inspection,
    CellInput,
    record_ratings,
    publish,
)
from app.inspections.services.findings import (
    finding_errors,
    inspected_on,
    inspected_departments,
    add_finding,
    add_enforcement,
    NEEDS_DEADLINE,
    NEEDS_REGULATION,
    ENFORCEMENT_SCOPES,
    enforcement_errors,
    record_enforcement,
)
from app.inspections.services.ratings import (
    MAX_REASON,
    CORRECTION_FIELD,
    row_key,
    cell_field,
    reason_field,
    report_date,
    row_of,
    row_label,
    carried_forward,
    ended_rows,
    RowSuggestion,
    suggest_over,
    RatingsSaved,
    replace_ratings,
)
from app.inspections.services.saf import (
    score_field,
    SafSaved,
    parse_score,
    saf_results,
    replace_saf_scores,
)

__all__ = [
    "day_in_words",
    "is_web_address",
    "create_inspection",
    "inspection_errors",
    "update_inspection",
    "CellInput",
    "record_ratings",
    "publish",
    "finding_errors",
    "inspected_on",
    "inspected_departments",
    "add_finding",
    "add_enforcement",
    "NEEDS_DEADLINE",
    "NEEDS_REGULATION",
    "ENFORCEMENT_SCOPES",
    "enforcement_errors",
    "record_enforcement",
    "MAX_REASON",
    "CORRECTION_FIELD",
    "row_key",
    "cell_field",
    "reason_field",
    "report_date",
    "row_of",
    "row_label",
    "carried_forward",
    "ended_rows",
    "RowSuggestion",
    "suggest_over",
    "RatingsSaved",
    "replace_ratings",
    "score_field",
    "SafSaved",
    "parse_score",
    "saf_results",
    "replace_saf_scores",
]
