"""Suggested aggregate rating from underlying ratings, following CQC's stated principles.

DOMAIN.md "How CQC aggregates": all ratings weigh the same; only the four ratings count; the
thresholds scale with the number counted (1–3 → 1, 4–8 → 2, 9+ → 3). Inspectors depart from
these "normally" rules with reasons, so the result is a suggestion, never a stored rating.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from app.domain.ratings import RATINGS, is_rating, parse_rating

OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = RATINGS


@dataclass(frozen=True)
class Suggestion:
    """A suggested rating (None when nothing can be counted), the rule id and a sentence why."""

    rating: str | None
    rule: str
    explanation: str


def threshold(n: int) -> int:
    """How many ratings of a kind are "enough" among n counted: 1–3 → 1, 4–8 → 2, 9+ → 3.

    DOMAIN.md: 4–8 → 2 is confirmed for Requires improvement; the other bands are unconfirmed.
    """
    if n < 1:
        raise ValueError(f"threshold needs at least one rating, got n={n}")
    if n <= 3:
        return 1
    if n <= 8:
        return 2
    return 3


def _band(n: int) -> str:
    return "1–3 ratings" if n <= 3 else "4–8 ratings" if n <= 8 else "9 or more ratings"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def suggest(ratings: Iterable[str]) -> Suggestion:
    """Suggest an aggregate from underlying ratings (DOMAIN.md "How CQC aggregates").

    Non-ratings are left out and n is the number of ratings counted. In order: enough
    Inadequate → Inadequate; any Inadequate → Requires improvement; enough Requires improvement
    → Requires improvement; enough Outstanding with all the rest Good → Outstanding; else Good.
    Unknown values raise UnknownRating rather than being silently dropped.
    """
    counted = [value for value in map(parse_rating, ratings) if is_rating(value)]
    n = len(counted)
    if n == 0:
        return Suggestion(None, "no-ratings", "There are no ratings to aggregate.")
    counts = Counter(counted)
    t = threshold(n)
    rule_text = f"(threshold {t} for {_band(n)})"
    inadequate, ri = counts[INADEQUATE], counts[REQUIRES_IMPROVEMENT]
    outstanding, good = counts[OUTSTANDING], counts[GOOD]

    if inadequate >= t:
        return Suggestion(
            INADEQUATE,
            "enough-inadequate",
            f"{inadequate} of {n} ratings {_are(inadequate)} Inadequate {rule_text}.",
        )
    if inadequate:
        return Suggestion(
            REQUIRES_IMPROVEMENT,
            "any-inadequate",
            f"{inadequate} of {n} ratings {_are(inadequate)} Inadequate {rule_text}, "
            "which limits the result to Requires improvement at best.",
        )
    if ri >= t:
        return Suggestion(
            REQUIRES_IMPROVEMENT,
            "enough-requires-improvement",
            f"{ri} of {n} ratings {_are(ri)} Requires improvement {rule_text}.",
        )
    if outstanding >= t and outstanding + good == n:
        return Suggestion(
            OUTSTANDING,
            "enough-outstanding",
            f"{outstanding} of {n} ratings {_are(outstanding)} Outstanding and the rest "
            f"Good {rule_text}.",
        )
    return Suggestion(
        GOOD,
        "good",
        f"{outstanding} Outstanding, {good} Good and {ri} Requires improvement of {n} "
        f"ratings, with none Inadequate {rule_text}.",
    )


def _add(explanation: str, reason: str) -> str:
    # Keep the explanation one sentence: the counts, then the enforcement that overrode them.
    return f"{explanation.rstrip('.')}; {reason}."


def apply_enforcement(
    s: Suggestion, *, requirement_notice: bool = False, warning_notice: bool = False
) -> Suggestion:
    """Adjust a suggestion for enforcement linked to the rating (DOMAIN.md "How CQC aggregates").

    A warning notice (or other enforcement) normally makes it Inadequate; a requirement notice
    caps it at Requires improvement. A suggestion already at or below the cap is kept.
    """
    if warning_notice and s.rating != INADEQUATE:
        return replace(
            s,
            rating=INADEQUATE,
            rule="warning-notice",
            explanation=_add(s.explanation, "a warning notice normally makes it Inadequate"),
        )
    if requirement_notice and s.rating in (OUTSTANDING, GOOD):
        return replace(
            s,
            rating=REQUIRES_IMPROVEMENT,
            rule="requirement-notice-cap",
            explanation=_add(
                s.explanation, "a requirement notice caps it at Requires improvement"
            ),
        )
    return s


def differs(suggestion: Suggestion, published: str | None) -> bool:
    """True when both the suggestion and the published value are ratings and they disagree.

    A missing suggestion, a missing published rating or a published non-rating is not a
    disagreement of judgement, so it gives False.
    """
    if suggestion.rating is None or published is None:
        return False
    published = parse_rating(published)
    return is_rating(published) and published != suggestion.rating
