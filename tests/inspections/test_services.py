"""Recording inspections: validation before anything is added, and the database's own CHECKs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEvent
from app.errors import ValidationError
from app.extensions import db
from app.inspections.models import Enforcement, Finding, Inspection, RatingCell
from app.inspections.services import (
    CellInput,
    add_enforcement,
    add_finding,
    create_inspection,
    publish,
    record_ratings,
)
from app.organisations.services import create_hospital, create_trust


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _new(model) -> list:
    return [o for o in db.session.new if isinstance(o, model)]


@pytest.fixture
def inspection(trust, hospital) -> Inspection:
    return create_inspection(
        trust,
        hospital=hospital,
        inspection_type="comprehensive",
        visit_start=date(2018, 10, 9),
        visit_end=date(2018, 10, 11),
    )


# -- create_inspection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "fields"),
    [
        ({"visit_start": date(2016, 7, 1), "visit_end": date(2016, 6, 28)}, {"visit_end"}),
        (
            {"visit_start": date(2016, 6, 28), "visit_end": date(2016, 7, 1), "published_on": date(2016, 6, 30)},
            {"published_on"},
        ),
        ({"visit_start": date(2016, 6, 28), "published_on": date(2016, 6, 27)}, {"published_on"}),
        (
            {"visit_start": date(2016, 7, 1), "visit_end": date(2016, 6, 28), "published_on": date(2016, 6, 1)},
            {"visit_end", "published_on"},
        ),
    ],
)
def test_create_inspection_rejects_dates_out_of_order(trust, hospital, dates, fields):
    db.session.commit()
    events = _count(AuditEvent)
    with pytest.raises(ValidationError) as raised:
        create_inspection(trust, hospital=hospital, inspection_type="comprehensive", **dates)
    assert set(raised.value.errors) == fields
    assert _new(Inspection) == []
    assert _count(Inspection) == 0
    assert _count(AuditEvent) == events


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"source": "rumour"}, "source"),
        ({"inspection_type": "thorough"}, "inspection_type"),
        ({"notice": "surprise"}, "notice"),
    ],
)
def test_create_inspection_rejects_unknown_choices(trust, hospital, choice, field):
    arguments = {"inspection_type": "comprehensive", **choice}
    with pytest.raises(ValidationError) as raised:
        create_inspection(trust, hospital=hospital, **arguments)
    assert set(raised.value.errors) == {field}
    assert _count(Inspection) == 0


def test_create_inspection_rejects_a_hospital_of_another_trust(trust):
    homerton = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    theirs = create_hospital(homerton, ods_code="RQXM1", name="Homerton University Hospital")
    with pytest.raises(ValidationError) as raised:
        create_inspection(trust, hospital=theirs, inspection_type="comprehensive")
    assert set(raised.value.errors) == {"hospital"}
    assert _count(Inspection) == 0


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://files.example.org/r.pdf", "www.cqc.org.uk"])
def test_create_inspection_keeps_only_a_web_address_as_the_report_link(trust, hospital, link):
    with pytest.raises(ValidationError) as raised:
        create_inspection(trust, hospital=hospital, inspection_type="focused", report_url=link)
    assert raised.value.errors == {
        "report_url": "Enter the link to the report as a web address starting with https:// or http://."
    }
    assert _count(Inspection) == 0 and not _new(Inspection)


def test_create_inspection_makes_a_draft_with_an_audit_event(inspection):
    assert (inspection.status, inspection.source, inspection.official) == ("draft", "official", True)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.record_kind == "inspections", AuditEvent.record_id == inspection.id
        )
    )
    assert event.action == "create"
    assert event.changes["visit_end"] == [None, "2018-10-11"]


# -- record_ratings -------------------------------------------------------------------------------


def test_record_ratings_stores_canonical_spellings(inspection, departments):
    urgent = departments("urgent")["urgent"]
    cells = record_ratings(
        inspection,
        [
            CellInput("safe", "requires_improvement", department=urgent),
            CellInput("WELL-LED", "good", department=urgent),
            CellInput("overall", "Inspected But Not Rated"),
        ],
    )
    db.session.commit()
    stored = db.session.execute(
        select(RatingCell.scope, RatingCell.department_id, RatingCell.key_question, RatingCell.rating)
        .order_by(RatingCell.id)
    ).all()
    assert stored == [
        ("department", urgent.id, "Safe", "Requires improvement"),
        ("department", urgent.id, "Well-led", "Good"),
        ("hospital", None, "Overall", "Inspected but not rated"),
    ]
    assert len(cells) == 3
    audited = db.session.scalars(
        select(AuditEvent.record_id).where(AuditEvent.record_kind == "rating_cells")
    ).all()
    assert sorted(audited) == sorted(c.id for c in cells)


@pytest.mark.parametrize(
    ("bad_cell", "message"),
    [
        (CellInput("Safe", "Great"), "Unknown rating"),
        (CellInput("Kindness", "Good"), "Unknown key question"),
        (CellInput("Caring", "Good"), "entered twice"),
    ],
)
def test_record_ratings_rejects_a_bad_cell_and_adds_nothing(inspection, bad_cell, message):
    cells = [CellInput("Safe", "Good"), CellInput("Caring", "Good"), bad_cell]
    with pytest.raises(ValidationError) as raised:
        record_ratings(inspection, cells)
    assert list(raised.value.errors) == ["cells-2"]
    assert message in raised.value.errors["cells-2"]
    assert inspection.cells == []
    assert _new(RatingCell) == []
    assert _count(RatingCell) == 0


def test_the_same_key_question_on_different_rows_is_not_a_duplicate(inspection, departments):
    made = departments("urgent", "surgery")
    cells = record_ratings(
        inspection,
        [
            CellInput("Safe", "Good"),
            CellInput("Safe", "Good", department=made["urgent"]),
            CellInput("Safe", "Good", department=made["surgery"]),
        ],
    )
    assert len(cells) == 3


def test_record_ratings_rejects_a_cell_already_recorded(inspection):
    record_ratings(inspection, [CellInput("Safe", "Good")])
    with pytest.raises(ValidationError) as raised:
        record_ratings(inspection, [CellInput("Effective", "Good"), CellInput("Safe", "Inadequate")])
    assert set(raised.value.errors) == {"cells"}
    assert [(c.key_question, c.rating) for c in inspection.cells] == [("Safe", "Good")]


def test_record_ratings_rejects_a_department_of_another_hospital(trust, inspection):
    from app.organisations.services import create_department

    royal_london = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    theirs = create_department(royal_london, service_code="urgent")
    with pytest.raises(ValidationError) as raised:
        record_ratings(inspection, [CellInput("Safe", "Good", department=theirs)])
    assert "not a department of this hospital" in raised.value.errors["cells-0"]
    assert _count(RatingCell) == 0


def test_a_trust_level_review_rates_the_trust_row_only(trust):
    review = create_inspection(trust, hospital=None, inspection_type="well_led")
    cells = record_ratings(review, [CellInput("Well-led", "Requires improvement", trust_row=True)])
    db.session.flush()
    assert [(c.scope, c.trust_id, c.hospital_id, c.department_id) for c in cells] == [
        ("trust", trust.id, None, None)
    ]
    with pytest.raises(ValidationError) as raised:
        record_ratings(review, [CellInput("Overall", "Good")])
    assert "trust's row" in raised.value.errors["cells-0"]


# -- add_finding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "must_do", "text": "Staff the wards."}, "regulation"),
        ({"kind": "must_do", "text": "Staff the wards.", "regulation": "99"}, "regulation"),
        ({"kind": "could_do", "text": "Paint the walls."}, "kind"),
        ({"kind": "should_do", "text": "   "}, "text"),
        ({"kind": "should_do", "text": "Audit.", "key_question": "Overall"}, "key_question"),
        ({"kind": "should_do", "text": "Audit.", "key_question": "Kindness"}, "key_question"),
    ],
)
def test_add_finding_rejects_bad_input(inspection, arguments, field):
    with pytest.raises(ValidationError) as raised:
        add_finding(inspection, **arguments)
    assert field in raised.value.errors
    assert inspection.findings == []
    assert _count(Finding) == 0


def test_add_finding_rejects_a_department_of_another_hospital(trust, inspection):
    from app.organisations.services import create_department

    royal_london = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    theirs = create_department(royal_london, service_code="urgent")
    with pytest.raises(ValidationError) as raised:
        add_finding(inspection, kind="should_do", text="Audit triage.", department=theirs)
    assert set(raised.value.errors) == {"department"}


def test_add_finding_normalises_regulation_and_key_question(inspection, departments):
    urgent = departments("urgent")["urgent"]
    finding = add_finding(
        inspection,
        kind="must_do",
        text="  Assess every patient within 15 minutes. ",
        department=urgent,
        key_question="safe",
        regulation="9a",
    )
    db.session.commit()
    assert (finding.regulation, finding.key_question, finding.text) == (
        "9A",
        "Safe",
        "Assess every patient within 15 minutes.",
    )
    assert inspection.findings == [finding]


# -- add_enforcement ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "fields"),
    [
        ({"kind": "telling_off"}, {"kind"}),
        ({"kind": "requirement_notice", "regulation": "99"}, {"regulation"}),
        ({"kind": "special_measures", "ended_on": date(2015, 3, 16)}, {"ended_on"}),
        ({"kind": "section_29a", "deadline": date(2015, 1, 1)}, {"deadline"}),
    ],
)
def test_add_enforcement_rejects_bad_input(trust, arguments, fields):
    with pytest.raises(ValidationError) as raised:
        add_enforcement(trust, description="Notice.", started_on=date(2015, 3, 17), **arguments)
    assert set(raised.value.errors) == fields
    assert _count(Enforcement) == 0


def test_add_enforcement_records_special_measures(trust, hospital, inspection):
    measures = add_enforcement(
        trust,
        kind="special_measures",
        description="Placed in special measures.",
        started_on=date(2015, 3, 17),
        ended_on=date(2019, 3, 28),
        inspection=inspection,
    )
    db.session.commit()
    assert measures.inspection_id == inspection.id
    assert [measures.in_force(d) for d in (date(2015, 3, 16), date(2015, 3, 17), date(2019, 3, 27), date(2019, 3, 28))] == [
        False,
        True,
        True,
        False,
    ]


# -- publish --------------------------------------------------------------------------------------


def test_publish_needs_a_date(inspection):
    with pytest.raises(ValidationError) as raised:
        publish(inspection)
    assert set(raised.value.errors) == {"published_on"}
    assert inspection.status == "draft"


def test_publish_refuses_a_date_before_the_visit(inspection):
    with pytest.raises(ValidationError) as raised:
        publish(inspection, date(2018, 10, 10))
    assert set(raised.value.errors) == {"published_on"}
    assert (inspection.status, inspection.published_on) == ("draft", None)


def test_publish_sets_date_and_status_with_an_audit_event(inspection):
    publish(inspection, date(2019, 2, 1))
    db.session.commit()
    assert (inspection.status, inspection.published_on) == ("published", date(2019, 2, 1))
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_kind == "inspections", AuditEvent.record_id == inspection.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.action == "update"
    assert event.changes == {
        "status": ["draft", "published"],
        "published_on": [None, "2019-02-01"],
        "version": [1, 2],
    }


# -- The database refuses what the services would -------------------------------------------------


def _cell(inspection, **values) -> dict:
    return {
        "inspection_id": inspection.id,
        "scope": "hospital",
        "trust_id": inspection.trust_id,
        "hospital_id": inspection.hospital_id,
        "department_id": None,
        "key_question": "Safe",
        "rating": "Good",
        "illustrative": False,
        **values,
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"rating": "Great"},
        {"rating": "good"},  # only the canonical spelling is stored
        {"key_question": "Kindness"},
        {"scope": "ward"},
        {"scope": "department"},  # a department row needs its department
        {"scope": "trust"},  # a trust row has no hospital
    ],
    ids=lambda bad: "-".join(f"{k}={v}" for k, v in bad.items()),
)
def test_the_database_refuses_a_bad_rating_cell(inspection, bad):
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(RatingCell).values(**_cell(inspection, **bad)))
        db.session.flush()
    db.session.rollback()
    assert _count(RatingCell) == 0


def test_the_database_accepts_a_good_rating_cell(inspection):
    db.session.execute(insert(RatingCell).values(**_cell(inspection)))
    db.session.commit()
    assert _count(RatingCell) == 1


def test_the_database_refuses_the_same_cell_twice_in_one_report(inspection):
    # The hand-written expression index: hospital rows have no department, and NULLs never collide.
    db.session.execute(insert(RatingCell).values(**_cell(inspection)))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(RatingCell).values(**_cell(inspection, rating="Inadequate")))
    db.session.rollback()
    assert _count(RatingCell) == 1


def _row(model, inspection) -> dict:
    """A valid row of the model, for the CHECK tests to spoil one value of."""
    return {
        Inspection: {
            "trust_id": inspection.trust_id,
            "hospital_id": inspection.hospital_id,
            "source": "official",
            "inspection_type": "focused",
            "notice": "announced",
            "status": "draft",
        },
        Finding: {"inspection_id": inspection.id, "kind": "should_do", "text": "Do better."},
        Enforcement: {
            "trust_id": inspection.trust_id,
            "kind": "requirement_notice",
            "description": "Notice.",
            "started_on": date(2016, 12, 16),
        },
    }[model]


@pytest.mark.parametrize("model", [Inspection, Finding, Enforcement], ids=lambda m: m.__name__)
def test_the_database_accepts_the_valid_row(inspection, model):
    before = _count(model)
    db.session.execute(insert(model).values(**_row(model, inspection)))
    db.session.commit()
    assert _count(model) == before + 1


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Inspection, {"visit_start": date(2016, 7, 1), "visit_end": date(2016, 6, 28)}),
        (Inspection, {"visit_end": date(2016, 7, 1), "published_on": date(2016, 6, 30)}),
        (Inspection, {"status": "published", "published_on": None}),
        (Inspection, {"source": "rumour"}),
        (Finding, {"kind": "must_do", "regulation": None}),
        (Finding, {"kind": "should_do", "regulation": "99"}),
        (Finding, {"kind": "should_do", "key_question": "Overall"}),
        (Enforcement, {"started_on": date(2015, 3, 17), "ended_on": date(2015, 3, 16)}),
        (Enforcement, {"kind": "telling_off"}),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_the_database_refuses_bad_values(inspection, model, values):
    db.session.commit()
    before = _count(model)
    with pytest.raises(IntegrityError):
        db.session.execute(insert(model).values(**{**_row(model, inspection), **values}))
    db.session.rollback()
    assert _count(model) == before
