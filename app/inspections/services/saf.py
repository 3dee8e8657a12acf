"""Single Assessment Framework scores: quality statement scores 1-4 per key question, their
percentages and resulting ratings, stored with the inspection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.audit.services import record, snapshot
from app.domain.ratings import KEY_QUESTIONS
from app.domain.saf import (
    HIGHEST_SCORE,
    LOWEST_SCORE,
    QualityStatement,
    SafResult,
    load_quality_statements,
    score_key_question,
)
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Inspection, KeyQuestionScore, QualityStatementScore
from app.inspections.services.ratings import row_label, row_of
from app.organisations.models import Department


def score_field(statement_code: str) -> str:
    return f"score-{statement_code}"


@dataclass(frozen=True)
class SafSaved:
    scores: int  # statements scored after the save
    results: dict[str, SafResult]  # per key question with at least one statement scored
    changed: bool


def parse_score(value: object) -> int | None:
    """A posted score: blank is "not scored"; otherwise a whole number 1–4, or ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    number = int(value.strip()) if isinstance(value, str) else value
    if not isinstance(number, int) or not LOWEST_SCORE <= number <= HIGHEST_SCORE:
        raise ValueError(value)
    return number


def saf_results(
    statements: dict[str, tuple[QualityStatement, ...]], scores: dict[str, int | None]
) -> dict[str, SafResult]:
    """Each key question's result over its scored statements (app.domain.saf); a key question
    with no statement scored has none."""
    results = {}
    for key_question, items in statements.items():
        given = [scores[s.code] for s in items if scores.get(s.code) is not None]
        if given:
            results[key_question] = score_key_question(given)  # type: ignore[arg-type]
    return results


def replace_saf_scores(
    inspection: Inspection,
    scores: dict[str, object],
    *,
    department: Department | None = None,
    trust_row: bool = False,
    actor: Any = None,
) -> SafSaved:
    """Make one row's quality statement scores exactly `scores` (statement code -> 1–4, blank
    for not scored), and store each key question's percentage and rating with them.

    Statements are those of app/domain/data/quality_statements.json; a code not in it, or a
    score that is not a whole number 1–4, is refused with a message on "score-<code>".
    Audit: "create"/"update" per statement score and per key question result; scores and
    results that are removed are deleted and listed on one "update" of the inspection (fields
    "quality_statement_scores" and "key_question_scores").
    """
    if inspection.is_archived:
        raise ValidationError({"scores": "This inspection is archived. Restore it before scoring it."})
    try:
        scope, hospital_id, department_id = row_of(inspection, department, trust_row)
    except ValueError as error:
        raise ValidationError({"scores": str(error)}) from None
    label = row_label(inspection, scope, department)
    statements = load_quality_statements()
    by_code = {s.code: s for items in statements.values() for s in items}
    errors: dict[str, str] = {}
    wanted: dict[str, int | None] = {}
    for code, value in scores.items():
        statement = by_code.get(code)
        if statement is None:
            errors.setdefault("scores", f"{code!r} is not a quality statement.")
            continue
        try:
            wanted[code] = parse_score(value)
        except (TypeError, ValueError):
            errors[score_field(code)] = (
                f"{statement.title}: {value!r} is not a score. Choose 1, 2, 3 or 4, or not scored."
            )
    if errors:
        raise ValidationError(errors)

    def mine(model: Any) -> Any:
        return select(model).where(
            model.inspection_id == inspection.id,
            model.scope == scope,
            model.hospital_id.is_(None) if hospital_id is None else model.hospital_id == hospital_id,
            model.department_id.is_(None) if department_id is None else model.department_id == department_id,
        )

    stored_scores = {s.statement_code: s for s in db.session.scalars(mine(QualityStatementScore))}
    stored_results = {r.key_question: r for r in db.session.scalars(mine(KeyQuestionScore))}
    # Statements not posted keep their stored score.
    current = {code: s.score for code, s in stored_scores.items() if code in by_code}
    current.update(wanted)
    results = saf_results(statements, current)
    keys = {
        "inspection_id": inspection.id,
        "scope": scope,
        "trust_id": inspection.trust_id,
        "hospital_id": hospital_id,
        "department_id": department_id,
    }
    changed = False
    removed_scores: list[str] = []
    for statement in (s for items in statements.values() for s in items):
        score = current.get(statement.code)
        stored = stored_scores.get(statement.code)
        if score is None and stored is not None:
            removed_scores.append(f"{label} · {statement.code} {statement.title}: {stored.score}")
            db.session.delete(stored)
        elif score is not None and stored is None:
            new = QualityStatementScore(
                **keys, key_question=statement.key_question, statement_code=statement.code, score=score
            )
            db.session.add(new)
            record("create", new, None, actor=actor)
        elif score is not None and stored is not None and stored.score != score:
            before = snapshot(stored)
            stored.score = score
            record("update", stored, before, actor=actor)
        else:
            continue
        changed = True
    removed_results: list[str] = []
    for key_question in KEY_QUESTIONS:
        result = results.get(key_question)
        stored_result = stored_results.get(key_question)
        values = (
            {
                "scored": result.maximum // HIGHEST_SCORE,
                "total": result.total,
                "maximum": result.maximum,
                "percent": result.percent,
                "rating": result.rating,
            }
            if result
            else None
        )
        if values is None and stored_result is not None:
            removed_results.append(
                f"{label} · {key_question}: {stored_result.percent} % {stored_result.rating}"
            )
            db.session.delete(stored_result)
        elif values is not None and stored_result is None:
            new_result = KeyQuestionScore(**keys, key_question=key_question, **values)
            db.session.add(new_result)
            record("create", new_result, None, actor=actor)
        elif values is not None and stored_result is not None and any(
            getattr(stored_result, k) != v for k, v in values.items()
        ):
            before = snapshot(stored_result)
            for k, v in values.items():
                setattr(stored_result, k, v)
            record("update", stored_result, before, actor=actor)
        else:
            continue
        changed = True
    if removed_scores or removed_results:
        before_inspection = snapshot(inspection)
        record(
            "update",
            inspection,
            before_inspection
            | {
                "quality_statement_scores": "; ".join(removed_scores) or None,
                "key_question_scores": "; ".join(removed_results) or None,
            },
            actor=actor,
            extra={"quality_statement_scores": None, "key_question_scores": None},
        )
    return SafSaved(
        scores=sum(1 for v in current.values() if v is not None), results=results, changed=changed
    )
