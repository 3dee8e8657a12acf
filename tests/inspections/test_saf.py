"""Single Assessment Framework scores of a row: the form, the stored scores and results (which
match app.domain.saf), "Calculate" without saving, validation, audit events, access, and the
live result script compared with the Python in Chromium."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.domain.saf import load_quality_statements, score_key_question
from app.extensions import db
from app.inspections import services
from app.inspections.models import Inspection, KeyQuestionScore, QualityStatementScore
from app.inspections.services import create_inspection

STATEMENTS = load_quality_statements()
CODES = {kq: [s.code for s in items] for kq, items in STATEMENTS.items()}


@pytest.fixture
def urgent(departments):  # type: ignore[no-untyped-def]
    made = departments("urgent", "surgery")
    db.session.commit()
    return made["urgent"]


@pytest.fixture
def inspection(trust, hospital, urgent) -> Inspection:  # type: ignore[no-untyped-def]
    report = create_inspection(
        trust, hospital=hospital, inspection_type="comprehensive",
        visit_start=date(2024, 3, 1), visit_end=date(2024, 3, 3),
    )
    db.session.commit()
    return report


@pytest.fixture
def client_as(app, make_user, login_as, urgent):  # type: ignore[no-untyped-def]
    def make(role: str):  # type: ignore[no-untyped-def]
        return login_as(app.test_client(), make_user(role, departments=[urgent] if role == "lead" else []))

    return make


def url(inspection: Inspection, row: str | None = None) -> str:
    return f"/inspections/{inspection.id}/saf" + (f"?row={row}" if row else "")


def blank_form() -> dict[str, str]:
    return {services.score_field(code): "" for codes in CODES.values() for code in codes}


def scores_of(inspection: Inspection, department_id: int | None = None) -> dict[str, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(QualityStatementScore).where(
        QualityStatementScore.inspection_id == inspection.id,
        QualityStatementScore.department_id.is_(None) if department_id is None
        else QualityStatementScore.department_id == department_id,
    ))
    return {s.statement_code: s.score for s in rows}


def results_of(inspection: Inspection, department_id: int | None = None) -> dict[str, KeyQuestionScore]:
    db.session.expire_all()
    rows = db.session.scalars(select(KeyQuestionScore).where(
        KeyQuestionScore.inspection_id == inspection.id,
        KeyQuestionScore.department_id.is_(None) if department_id is None
        else KeyQuestionScore.department_id == department_id,
    ))
    return {r.key_question: r for r in rows}


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def events_after(last_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)))


# (key question, scores of its first statements in file order)
CASES = [
    ("Safe", [1, 1, 1, 1, 1, 1, 1, 1]),  # 25 % Inadequate
    ("Safe", [2, 2, 1, 1, 2, 1, 1, 2]),  # 12/32 = 37.5 → 38 % Inadequate
    ("Safe", [2, 2, 2, 1, 2, 1, 1, 2]),  # 13/32 = 40.6 → 41 % Requires improvement
    ("Effective", [3, 3, 3, 3, 3, 3]),  # 75 % Good
    ("Effective", [2, 3, 2, 3, 2, 3]),  # 62.5 → 63 % Good
    ("Caring", [4, 4, 4, 3, 4]),  # 95 % Outstanding
    ("Caring", [3, 4]),  # two of five scored: 7/8 = 87.5 → 88 % Outstanding
    ("Responsive", [3, 3, 3, 3, 2, 3, 3]),  # 20/28 = 71 % Good
    ("Well-led", [2, 2, 2, 2, 2, 2, 2, 2]),  # 50 % Requires improvement
    ("Well-led", [4]),  # 100 % Outstanding
]


@pytest.mark.parametrize(("key_question", "scores"), CASES)
def test_saved_results_match_the_domain_rules(quality_client, inspection, key_question, scores):
    codes = CODES[key_question][: len(scores)]
    data = blank_form() | {services.score_field(c): str(s) for c, s in zip(codes, scores)}
    response = quality_client.post(url(inspection), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(inspection, "hospital"))
    expected = score_key_question(scores)
    assert scores_of(inspection) == dict(zip(codes, scores))
    results = results_of(inspection)
    assert set(results) == {key_question}
    stored = results[key_question]
    assert (stored.total, stored.maximum, stored.percent, stored.rating) == (
        expected.total, expected.maximum, expected.percent, expected.rating)
    assert stored.scored == len(scores)
    assert stored.scope == "hospital" and stored.hospital_id == inspection.hospital_id
    # The page shows the stored result.
    page = quality_client.get(url(inspection)).get_data(as_text=True)
    assert f"{expected.percent}%" in page and expected.rating in page


def test_the_form_has_a_fieldset_per_key_question_and_radios_per_statement(quality_client, inspection):
    html = quality_client.get(url(inspection)).get_data(as_text=True)
    for key_question, items in STATEMENTS.items():
        assert f'data-saf-key-question="{key_question}"' in html
        for statement in items:
            assert f'name="{services.score_field(statement.code)}"' in html
            assert statement.title.replace("'", "&#39;") in html
    assert html.count('type="radio"') == 5 * sum(len(items) for items in STATEMENTS.values())
    assert "1 Significant shortfalls" in html and "4 Exceptional" in html


def test_calculate_shows_the_results_without_saving(quality_client, inspection):
    codes = CODES["Safe"][:4]
    data = blank_form() | {services.score_field(c): "3" for c in codes} | {"action": "calculate"}
    response = quality_client.post(url(inspection), data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "12 of 16 points from 4 of 8 statements: 75%" in html
    assert 'value="3" checked' in html  # the choices are kept
    assert scores_of(inspection) == {}
    assert results_of(inspection) == {}


def test_a_score_outside_1_to_4_is_refused_naming_the_statement(quality_client, inspection):
    first = STATEMENTS["Safe"][0]
    data = blank_form() | {services.score_field(first.code): "5", services.score_field(CODES["Safe"][1]): "3"}
    response = quality_client.post(url(inspection), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"{first.title}: &#39;5&#39; is not a score" in html
    assert f'href="#{services.score_field(first.code)}"' in html
    assert scores_of(inspection) == {}


def test_a_departments_row_is_scored_apart_from_the_hospitals(quality_client, inspection, urgent):
    row = f"department-{urgent.id}"
    page = quality_client.get(url(inspection, row)).get_data(as_text=True)
    assert "Score quality statements: Urgent and emergency services" in page
    data = blank_form() | {services.score_field(CODES["Caring"][0]): "4"}
    assert quality_client.post(url(inspection, row), data=data).status_code == 302
    assert scores_of(inspection, urgent.id) == {CODES["Caring"][0]: 4}
    assert scores_of(inspection) == {}
    assert results_of(inspection, urgent.id)["Caring"].rating == "Outstanding"


def test_an_unknown_row_or_another_hospitals_department_is_404(quality_client, inspection, trust):
    from app.organisations.services import create_department, create_hospital

    other = create_department(create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital"), service_code="urgent")
    db.session.commit()
    assert quality_client.get(url(inspection, "ward-9")).status_code == 404
    assert quality_client.get(url(inspection, f"department-{other.id}")).status_code == 404
    assert quality_client.get(url(inspection, "trust")).status_code == 404


def test_a_trust_level_review_scores_the_trust_row(quality_client, trust):
    review = create_inspection(trust, hospital=None, inspection_type="well_led")
    db.session.commit()
    data = blank_form() | {services.score_field(c): "3" for c in CODES["Well-led"]}
    assert quality_client.post(url(review), data=data).status_code == 302
    result = results_of(review)["Well-led"]
    assert (result.scope, result.hospital_id, result.percent, result.rating) == ("trust", None, 75, "Good")


def test_changing_and_clearing_scores_leaves_audit_events(quality_client, inspection):
    s1, s2, s3 = CODES["Safe"][:3]
    first = blank_form() | {services.score_field(s1): "2", services.score_field(s2): "3"}
    quality_client.post(url(inspection), data=first)
    stored = {code: s for code, s in ((s.statement_code, s) for s in db.session.scalars(select(QualityStatementScore)))}
    result = results_of(inspection)["Safe"]
    assert (result.total, result.percent, result.rating) == (5, 63, "Good")

    last = last_event_id()
    second = blank_form() | {services.score_field(s1): "4", services.score_field(s3): "2"}  # s2 cleared
    assert quality_client.post(url(inspection), data=second).status_code == 302
    events = events_after(last)
    new_s3 = db.session.scalar(select(QualityStatementScore).where(QualityStatementScore.statement_code == s3))
    assert [(e.action, e.record_kind, e.record_id) for e in events] == [
        ("update", "quality_statement_scores", stored[s1].id),
        ("create", "quality_statement_scores", new_s3.id),
        ("update", "key_question_scores", result.id),
        ("update", "inspections", inspection.id),
    ]
    assert events[0].changes == {"score": [2, 4]}
    assert events[1].changes["score"] == [None, 2]
    assert events[2].changes == {"total": [5, 6], "percent": [63, 75]}
    removed = STATEMENTS["Safe"][1]
    assert events[3].changes == {"quality_statement_scores": [
        f"Whipps Cross University Hospital · {s2} {removed.title}: 3", None]}


def test_clearing_every_score_of_a_key_question_removes_its_result(quality_client, inspection):
    code = CODES["Responsive"][0]
    quality_client.post(url(inspection), data=blank_form() | {services.score_field(code): "2"})
    result_id = results_of(inspection)["Responsive"].id
    last = last_event_id()
    quality_client.post(url(inspection), data=blank_form())
    assert scores_of(inspection) == {} and results_of(inspection) == {}
    events = events_after(last)
    assert [(e.action, e.record_kind) for e in events] == [("update", "inspections")]
    assert events[0].changes["key_question_scores"][0] == "Whipps Cross University Hospital · Responsive: 50 % Requires improvement"
    assert db.session.get(KeyQuestionScore, result_id) is None


def test_the_database_refuses_a_score_outside_1_to_4(inspection):
    db.session.add(QualityStatementScore(
        inspection_id=inspection.id, scope="hospital", trust_id=inspection.trust_id,
        hospital_id=inspection.hospital_id, key_question="Safe", statement_code="S1", score=5,
    ))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_the_same_statement_twice_for_a_row(inspection):
    for _ in range(2):
        db.session.add(QualityStatementScore(
            inspection_id=inspection.id, scope="hospital", trust_id=inspection.trust_id,
            hospital_id=inspection.hospital_id, key_question="Safe", statement_code="S1", score=3,
        ))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "viewer"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_the_quality_team_may_score(client_as, inspection, role, method):
    response = client_as(role).open(url(inspection), method=method, data=blank_form() | {"score-S1": "3"})
    assert response.status_code == 403
    assert scores_of(inspection) == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_anonymous_visitors_are_sent_to_sign_in(client, inspection, method):
    response = client.open(url(inspection), method=method, data={})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# --- The live result script in Chromium ---------------------------------------------------------


SCORE_CASES = [[1], [4], [2, 3], [1, 1, 1, 1, 1, 1, 1, 2], [2, 2, 1, 1, 2, 1, 1, 2], [2, 3, 2, 3, 2, 3],
               [3, 4], [4, 4, 4, 3, 4], [3, 3, 3, 3, 2, 3, 3], [2] * 8, [3] * 34, [1, 2, 3, 4] * 5]


def test_the_script_scores_exactly_as_the_python_does(static_page):
    context, page, errors = static_page({"/": "<!DOCTYPE html><title>t</title>"})
    try:
        page.goto("http://ql.test/")
        got = page.evaluate(
            """async (cases) => {
                const m = await import('/static/js/ratings.js')
                return cases.map((c) => m.scoreKeyQuestion(c))
            }""",
            SCORE_CASES,
        )
    finally:
        context.close()
    assert errors == []
    expected = [vars(score_key_question(case)) for case in SCORE_CASES]
    assert got == expected


def test_the_form_shows_the_percentage_and_rating_as_the_user_scores(static_page, quality_client, inspection):
    html = quality_client.get(url(inspection)).get_data(as_text=True)
    context, page, errors = static_page({"/saf": html})
    try:
        page.goto("http://ql.test/saf")
        result = page.locator('[data-saf-result="Effective"]')
        assert "no statement scored yet" in result.inner_text()
        for code, score in zip(CODES["Effective"], [3, 2, 3]):
            page.check(f'input[name="{services.score_field(code)}"][value="{score}"]')
        expected = score_key_question([3, 2, 3])
        assert f"{expected.total} of {expected.maximum} points from 3 of 6 statements: {expected.percent}%" in result.inner_text()
        assert result.locator("[data-saf-rating]").inner_text().strip() == expected.rating
        page.check(f'input[name="{services.score_field(CODES["Effective"][1])}"][value=""]')
        assert "6 of 8 points from 2 of 6 statements: 75%" in result.inner_text()
    finally:
        context.close()
    assert errors == []


def test_the_ratings_grid_shows_the_saf_result_beside_its_key_question(quality_client, inspection):
    data = blank_form() | {services.score_field(c): "3" for c in CODES["Caring"]}
    quality_client.post(url(inspection), data=data)
    html = quality_client.get(f"/inspections/{inspection.id}/ratings").get_data(as_text=True)
    assert 'id="rating-hospital-caring-saf">SAF score: 75% (Good)</span>' in html
    select_tag = html.split('id="rating-hospital-caring"', 1)[1].split(">", 1)[0]
    assert "rating-hospital-caring-saf" in select_tag  # it describes the select
