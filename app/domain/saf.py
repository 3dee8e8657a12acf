"""CQC's Single Assessment Framework (from late 2023): quality statements and scoring.

DOMAIN.md "The Single Assessment Framework": 34 quality statements under the five key questions,
each scored 1–4; a key question's score is the sum as a percentage of the maximum, banded
25–38 % Inadequate, 39–62 % Requires improvement, 63–87 % Good, 88 %+ Outstanding (confirmed
for local authorities, assumed for providers). The statements are data, not code, because CQC
is consulting on changing them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.domain.ratings import KEY_QUESTIONS, RATINGS, parse_key_question

STATEMENTS_FILE = Path(__file__).parent / "data" / "quality_statements.json"
LOWEST_SCORE, HIGHEST_SCORE = 1, 4

OUTSTANDING, GOOD, REQUIRES_IMPROVEMENT, INADEQUATE = RATINGS
# Lowest whole percentage of each band, best first (DOMAIN.md).
_BANDS: tuple[tuple[int, str], ...] = (
    (88, OUTSTANDING),
    (63, GOOD),
    (39, REQUIRES_IMPROVEMENT),
    (25, INADEQUATE),
)


@dataclass(frozen=True)
class QualityStatement:
    """One SAF quality statement ("we statement") under a key question."""

    code: str
    key_question: str
    title: str


@dataclass(frozen=True)
class SafResult:
    """A key question's SAF score: points scored, points possible, percentage and rating."""

    total: int
    maximum: int
    percent: int
    rating: str


@lru_cache(maxsize=4)
def _read(path: Path) -> tuple[QualityStatement, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    statements = tuple(
        QualityStatement(
            code=str(item["code"]),
            key_question=parse_key_question(item["key_question"]),
            title=str(item["title"]).strip(),
        )
        for item in raw["statements"]
    )
    codes = [s.code for s in statements]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate quality statement codes {duplicates}")
    stray = sorted({s.key_question for s in statements} - set(KEY_QUESTIONS))
    if stray:
        raise ValueError(f"{path}: statements must sit under a key question, not {stray}")
    return statements


def load_quality_statements(path: Path | None = None) -> dict[str, tuple[QualityStatement, ...]]:
    """The quality statements per key question, in key-question order and file order.

    Reads app/domain/data/quality_statements.json unless another file is given; every key
    question is present, possibly with an empty tuple.
    """
    statements = _read(path or STATEMENTS_FILE)
    return {
        key_question: tuple(s for s in statements if s.key_question == key_question)
        for key_question in KEY_QUESTIONS
    }


def _percent(total: int, maximum: int) -> int:
    # Round half up in integers: floor(100 * total / maximum + 1/2), no float surprises.
    return (200 * total + maximum) // (2 * maximum)


def score_key_question(scores: Sequence[int]) -> SafResult:
    """Score a key question from its quality statement scores (each an int 1–4).

    percent = 100 × sum / (4 × n), rounded half up, then banded (DOMAIN.md "The Single
    Assessment Framework"). An empty list, or any score that is not an int from 1 to 4,
    raises ValueError naming it.
    """
    if not scores:
        raise ValueError("a key question needs at least one quality statement score")
    for position, score in enumerate(scores):
        # bool is an int subclass, but True is not a score.
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValueError(f"score {score!r} at position {position} is not a whole number 1–4")
        if not LOWEST_SCORE <= score <= HIGHEST_SCORE:
            raise ValueError(f"score {score!r} at position {position} is outside 1–4")
    total = sum(scores)
    maximum = HIGHEST_SCORE * len(scores)
    percent = _percent(total, maximum)
    rating = next(rating for floor, rating in _BANDS if percent >= floor)
    return SafResult(total=total, maximum=maximum, percent=percent, rating=rating)
