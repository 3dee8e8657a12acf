"""The read side of the lists of actions (app.actions.queries): each filter, the counts, the sort
orders, pagination, and overdue worked out in SQL exactly as the domain rule says, at the
boundary (due today is not overdue). A fixed `today`, so the answers never depend on the clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.actions import queries
from app.actions.queries import ActionFilters
from app.actions.services import create_action, post_update
from app.audit.services import archive
from app.domain import actions as rules
from app.extensions import db
from app.inspections.services import add_finding, create_inspection, publish
from app.organisations.models import Trust
from app.organisations.services import create_department, create_hospital, create_trust
from tests.support import statements

TODAY = date(2026, 6, 15)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def world(demo, make_user):  # type: ignore[no-untyped-def]
    """A second trust (Homerton, RQX) beside the demo, with one action in each state."""
    trust = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    homerton = create_hospital(trust, ods_code="RQX01", name="Homerton University Hospital")
    urgent = create_department(homerton, service_code="urgent")
    surgery = create_department(homerton, service_code="surgery")
    db.session.commit()
    quality = make_user("quality", name="Quinn Quality", email="quinn@example.nhs.uk")
    lead = make_user("lead", name="Lee Lead", email="lee@example.nhs.uk", departments=[urgent])
    inspection = create_inspection(trust, hospital=homerton, inspection_type="focused",
                                   visit_start=date(2025, 11, 1), visit_end=date(2025, 11, 2),
                                   published_on=date(2026, 1, 10))
    must_do = add_finding(inspection, kind="must_do", text="Triage within 15 minutes", department=urgent,
                          key_question="Safe", regulation="12")
    should_do = add_finding(inspection, kind="should_do", text="Theatre lists start on time",
                            department=surgery, key_question="Responsive")
    archived_must_do = add_finding(inspection, kind="must_do", text="Entered twice", department=urgent,
                                   key_question="Safe", regulation="12")
    publish(inspection)
    archive(archived_must_do, "Entered twice by mistake", actor=quality)

    def action(key, department, owner, due_on, *, status="open", priority="medium", findings=()):  # type: ignore[no-untyped-def]
        made = create_action(hospital=homerton, department=department, owner=owner, title=f"Action {key}",
                             due_on=due_on, priority=priority, findings=list(findings))
        path = {"open": [], "in_progress": ["in_progress"], "completed": ["completed"],
                "verified": ["completed", "verified"], "cancelled": ["cancelled"]}[status]
        for new_status in path:
            post_update(made, author=quality, text=f"Now {new_status}", new_status=new_status,
                        reason="No longer needed" if new_status == "cancelled" else None)
        return made

    actions = {
        "overdue": action("overdue", urgent, lead, days(-1), priority="high", findings=[must_do]),
        "due_today": action("due_today", urgent, lead, TODAY, priority="low"),
        "due_soon": action("due_soon", surgery, quality, days(10), status="in_progress", findings=[should_do]),
        "later": action("later", surgery, quality, days(60), priority="high"),
        "completed_late": action("completed_late", urgent, lead, days(-30), status="completed"),
        "verified": action("verified", None, quality, days(-100), status="verified"),
        "cancelled": action("cancelled", surgery, quality, days(-5), status="cancelled"),
        "archived": action("archived", urgent, lead, days(-3), findings=[archived_must_do]),
    }
    archive(actions["archived"], "Raised by mistake", actor=quality)
    db.session.commit()
    return {
        "trust": trust, "homerton": homerton, "urgent": urgent, "surgery": surgery,
        "quality": quality, "lead": lead, "ids": {key: a.id for key, a in actions.items()},
        "must_do": must_do,
    }


def keys(world, rows) -> list[str]:  # type: ignore[no-untyped-def]
    names = {v: k for k, v in world["ids"].items()}
    return [names.get(row.id, f"demo {row.id}") for row in rows]


def found(world, sort: str = "due", **filters) -> list[str]:  # type: ignore[no-untyped-def]
    filters.setdefault("hospital_id", world["homerton"].id)
    page = queries.actions_page(ActionFilters(**filters), TODAY, sort=sort, per_page=100)
    return keys(world, page.rows)


def test_overdue_is_unfinished_and_due_before_today_and_due_today_is_not_overdue(world):
    assert found(world, overdue=True) == ["overdue"]
    every = queries.actions_page(ActionFilters(archived=True), TODAY, per_page=500).rows
    assert len(every) == 8 + 10  # this world's and the demo's
    for row in every:
        assert row.overdue == rules.is_overdue(row.status, row.due_on, TODAY), row
        assert row.days_late == rules.days_late(row.status, row.due_on, TODAY), row
    by_key = dict(zip(keys(world, every), every))
    assert (by_key["overdue"].overdue, by_key["overdue"].days_late) == (True, 1)
    assert (by_key["due_today"].overdue, by_key["due_today"].days_late) == (False, 0)
    # Finished work is never overdue, however late it was finished; archived work still is.
    assert not any(by_key[k].overdue for k in ("completed_late", "verified", "cancelled"))
    assert (by_key["archived"].overdue, by_key["archived"].days_late) == (True, 3)


def test_the_next_day_the_action_due_today_is_overdue(world):
    tomorrow = queries.actions_page(ActionFilters(hospital_id=world["homerton"].id, overdue=True),
                                    days(1), sort="due").rows
    assert keys(world, tomorrow) == ["overdue", "due_today"]
    assert [row.days_late for row in tomorrow] == [2, 1]


def test_counts_of_the_matching_actions(world):
    counts = queries.counts(ActionFilters(hospital_id=world["homerton"].id), TODAY)
    assert counts == queries.Counts(total=7, unfinished=4, overdue=1, due_soon=2, awaiting_verification=1)
    lead_scope = ActionFilters(scope_department_ids=frozenset({world["urgent"].id}), closed=False)
    assert queries.counts(lead_scope, TODAY) == queries.Counts(
        total=3, unfinished=2, overdue=1, due_soon=1, awaiting_verification=1)


def test_archived_actions_are_left_out_unless_asked_for(world):
    assert "archived" not in found(world)
    assert "archived" in found(world, archived=True)


def test_trust_hospital_and_department_filters(world):
    homerton_trust = found(world, hospital_id=None, trust_id=world["trust"].id)
    assert sorted(homerton_trust) == sorted(k for k in world["ids"] if k != "archived")
    demo_trust = db.session.scalar(select(Trust.id).where(Trust.ods_code == "R1H"))
    assert all(k.startswith("demo") for k in found(world, hospital_id=None, trust_id=demo_trust))
    assert len(found(world, hospital_id=None, trust_id=demo_trust)) == 10
    assert found(world, department_id=world["surgery"].id) == ["cancelled", "due_soon", "later"]
    assert found(world, department_id=world["urgent"].id) == ["completed_late", "overdue", "due_today"]


@pytest.mark.parametrize(("status", "expected"), [
    ("open", ["overdue", "due_today", "later"]),
    ("in_progress", ["due_soon"]),
    ("completed", ["completed_late"]),
    ("verified", ["verified"]),
    ("cancelled", ["cancelled"]),
    (queries.UNFINISHED, ["overdue", "due_today", "due_soon", "later"]),
])
def test_status_filter(world, status, expected):
    assert found(world, status=status) == expected


def test_due_within_keeps_unfinished_actions_due_from_today_to_n_days_ahead(world):
    assert found(world, due_within=10) == ["due_today", "due_soon"]
    assert found(world, due_within=9) == ["due_today"]
    assert found(world, due_within=60) == ["due_today", "due_soon", "later"]
    assert found(world, due_within=1, overdue=True) == []  # overdue is its own filter


def test_must_do_only_means_answering_a_must_do_finding_that_is_not_archived(world):
    assert found(world, must_do=True) == ["overdue"]
    assert found(world, must_do=True, archived=True) == ["overdue"]
    rows = queries.actions_page(ActionFilters(hospital_id=world["homerton"].id), TODAY).rows
    assert {row.id for row in rows if row.must_do} == {world["ids"]["overdue"]}


def test_owner_filter_and_filters_combine(world):
    assert found(world, owner_id=world["lead"].id) == ["completed_late", "overdue", "due_today"]
    assert found(world, owner_id=world["quality"].id, status="open") == ["later"]
    assert found(world, owner_id=world["lead"].id, overdue=True, must_do=True) == ["overdue"]


def test_my_actions_scope_is_departments_or_owner(world):
    scope = {"scope_department_ids": frozenset({world["surgery"].id}), "scope_owner_id": world["lead"].id}
    assert sorted(found(world, hospital_id=None, **scope)) == sorted(
        ["completed_late", "overdue", "due_today", "due_soon", "later", "cancelled"])
    assert "cancelled" not in found(world, hospital_id=None, closed=False, **scope)
    assert found(world, hospital_id=None, scope_department_ids=frozenset(), scope_owner_id=None) == []
    assert found(world, hospital_id=None, scope_department_ids=None, scope_owner_id=world["quality"].id) == [
        "verified", "cancelled", "due_soon", "later"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("overdue", ["overdue", "verified", "completed_late", "cancelled", "due_today", "due_soon", "later"]),
    ("due", ["verified", "completed_late", "cancelled", "overdue", "due_today", "due_soon", "later"]),
    ("due_desc", ["later", "due_soon", "due_today", "overdue", "cancelled", "completed_late", "verified"]),
    ("priority", ["overdue", "later", "verified", "completed_late", "cancelled", "due_soon", "due_today"]),
    ("status", ["overdue", "due_today", "later", "due_soon", "completed_late", "verified", "cancelled"]),
    ("hospital", ["cancelled", "due_soon", "later", "completed_late", "overdue", "due_today", "verified"]),
    ("owner", ["completed_late", "overdue", "due_today", "verified", "cancelled", "due_soon", "later"]),
    ("newest", ["cancelled", "verified", "completed_late", "later", "due_soon", "due_today", "overdue"]),
])
def test_sort_orders(world, sort, expected):
    assert found(world, sort=sort) == expected


def test_an_unknown_sort_order_is_refused():
    with pytest.raises(ValueError, match="not a sort order"):
        queries.actions_page(ActionFilters(), TODAY, sort="title; DROP TABLE actions")


@pytest.mark.parametrize("sort", sorted(queries.SORTS))
def test_pages_cover_every_action_once_in_order(world, sort):
    filters = ActionFilters(archived=True)
    everything = [row.id for row in queries.actions_page(filters, TODAY, sort=sort, per_page=100).rows]
    paged = []
    first = queries.actions_page(filters, TODAY, sort=sort, per_page=4)
    assert (first.total, first.pages, first.first, first.last) == (18, 5, 1, 4)
    for number in range(1, first.pages + 1):
        page = queries.actions_page(filters, TODAY, sort=sort, per_page=4, page=number)
        paged.extend(row.id for row in page.rows)
    assert paged == everything
    last = queries.actions_page(filters, TODAY, sort=sort, per_page=4, page=5)
    assert (last.first, last.last) == (17, 18)


def test_all_rows_gives_every_matching_row_in_order(world):
    filters = ActionFilters(hospital_id=world["homerton"].id)
    paged = queries.actions_page(filters, TODAY, sort="due", per_page=100).rows
    assert list(queries.all_rows(filters, TODAY, sort="due", batch=2)) == list(paged)




def test_a_page_costs_two_queries_whatever_the_number_of_actions(world):
    def cost() -> int:
        db.session.expire_all()
        with statements() as seen:
            page = queries.actions_page(ActionFilters(), TODAY, per_page=25)
            [(row.hospital_name, row.department_name, row.owner_name, row.must_do) for row in page.rows]
        return len(seen)

    small = cost()
    owners = [world["quality"], world["lead"]]
    for n in range(40):
        department = world["urgent"] if n % 2 else world["surgery"]
        create_action(hospital=world["homerton"], department=department,
                      owner=owners[n % 2] if department is world["urgent"] else world["quality"],
                      title=f"Bulk {n}", due_on=days(n - 20),
                      findings=[world["must_do"]] if n % 3 == 0 else [])
    db.session.commit()
    assert small == cost() == 2
