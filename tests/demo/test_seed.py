"""The demo trust (DOMAIN.md "The seed story"), loaded through the services."""

from __future__ import annotations

import stat
from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.actions.models import Action, Incident
from app.audit.models import AuditEvent
from app.auth import passwords
from app.demo import story
from app.demo.services import demo_users, parse_grid_row, seed_demo
from app.domain.access import ROLES
from app.domain.actions import STATUSES, is_overdue
from app.extensions import db
from app.inspections.grids import hospital_grid
from app.inspections.models import Enforcement
from app.organisations.services import hospital_by_code


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _story_grid(key: str) -> tuple[dict, set]:
    """The cells an inspection of the story gives, and which of them are illustrative."""
    (spec,) = [s for s in story.INSPECTIONS if s["key"] == key]
    cells, illustrative = {}, set()
    for row, text in spec["grid"].items():
        service = None if row == "hospital" else row
        for key_question, rating, known in parse_grid_row(text):
            cells[(service, key_question)] = (rating, spec["published"])
            if not known:
                illustrative.add((service, key_question))
    return cells, illustrative


def _grid(code: str, as_of: date) -> tuple[dict, set]:
    grid = hospital_grid(hospital_by_code(code), as_of)
    cells = {
        (row.service_code, c.key_question): (c.rating, c.published_on)
        for row in grid.rows
        for c in row.cells
        if c
    }
    illustrative = {
        (row.service_code, c.key_question)
        for row in grid.rows
        for c in row.cells
        if c and grid.is_illustrative(row, c)
    }
    return cells, illustrative


# -- Loading ---------------------------------------------------------------------------------------


@pytest.fixture
def credentials_file(app, tmp_path):  # type: ignore[no-untyped-def]
    """Where seed-demo writes the demo sign-in details: a temporary folder, not instance/."""
    path = tmp_path / "private" / "demo-credentials.txt"
    app.config["DEMO_CREDENTIALS_FILE"] = str(path)
    return path


def test_seed_demo_from_the_command_line_then_again_changes_nothing(runner, credentials_file):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Loaded Barts Health NHS Trust with 5 hospitals." in first.output
    counts = _row_counts()
    assert counts["trusts"] == 1 and counts["rating_cells"] > 0

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    db.session.rollback()
    assert _row_counts() == counts


def test_seeding_twice_through_the_service_changes_nothing(demo):
    counts = _row_counts()
    assert seed_demo() is None
    db.session.commit()
    assert _row_counts() == counts


def test_the_demo_has_five_hospitals(demo):
    assert sorted(h.ods_code for h in demo.hospitals) == ["R1H12", "R1H13", "R1HKH", "R1HM0", "R1HNH"]
    assert (demo.ods_code, demo.name, demo.formed_on) == ("R1H", "Barts Health NHS Trust", date(2012, 4, 1))


# -- Demo accounts ---------------------------------------------------------------------------------


def test_the_demo_has_a_user_in_every_role_and_leads_have_departments(demo):
    users = demo_users()
    assert {u.role for u in users} == set(ROLES)
    assert all(u.departments for u in users if u.role == "lead")
    assert all(not u.departments for u in users if u.role != "lead")


def _printed_passwords(output: str) -> dict[str, str]:
    """{email: password} from the table seed-demo prints."""
    emails = {email for email, *_ in story.USERS}
    rows = [line.split() for line in output.splitlines()]
    return {row[0]: row[-1] for row in rows if row and row[0] in emails}


def test_seed_demo_prints_passwords_that_sign_in_and_keeps_them_in_a_private_file(
    app, runner, credentials_file
):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "for the demo only" in result.output
    printed = _printed_passwords(result.output)
    assert set(printed) == {email for email, *_ in story.USERS}
    assert len(set(printed.values())) == len(printed)  # each its own
    for email, password in printed.items():
        assert len(password) >= 16 and passwords.problem(password, email=email) is None
        client = app.test_client()
        response = client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302 and response.headers["Location"] == "/", email

    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    content = credentials_file.read_text(encoding="utf-8")
    assert _printed_passwords(content) == printed
    assert "for the demo only" in content and "Department lead" in content
    assert list(credentials_file.parent.iterdir()) == [credentials_file]  # no temporary file left

    # Again, only when empty: nothing changes, and it says where the details are.
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "the demo was not loaded" in again.output
    assert str(credentials_file) in again.output
    assert _printed_passwords(again.output) == printed


def test_seed_demo_replaces_an_old_credentials_file_with_a_private_one(runner, credentials_file):
    credentials_file.parent.mkdir()
    credentials_file.write_text("old details")
    credentials_file.chmod(0o644)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    assert "old details" not in credentials_file.read_text(encoding="utf-8")
    assert _printed_passwords(credentials_file.read_text(encoding="utf-8")) == _printed_passwords(result.output)


def test_seed_demo_when_already_loaded_without_a_credentials_file_says_so(runner, demo, credentials_file):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert f"There is no demo sign-in details file at {credentials_file}" in result.output


# -- Whipps Cross's grids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "report"),
    [
        (date(2016, 6, 1), "wx-2015"),
        (date(2016, 12, 16), "wx-2016"),
        (date(2019, 2, 1), "wx-2019"),
    ],
)
def test_whipps_cross_as_of_a_date_equals_the_report_then_current(demo, as_of, report):
    # Each comprehensive report re-rated every service it had, so the grid is exactly that report.
    assert _grid("R1HKH", as_of) == _story_grid(report)


def test_whipps_cross_today_mixes_report_dates(demo):
    cells, _ = _grid("R1HKH", date.today())
    assert sorted({when for _, when in cells.values()}) == [date(2019, 2, 1), date(2022, 11, 4)]
    assert cells[("npimaternity", "Safe")] == ("Requires improvement", date(2022, 11, 4))
    assert cells[(None, "Overall")] == ("Requires improvement", date(2019, 2, 1))
    # Maternity and gynaecology left when its successor was first rated.
    assert not any(service == "maternity" for service, _ in cells)


def test_whipps_cross_2016_cells_from_the_public_record_are_not_illustrative(demo):
    _, illustrative = _grid("R1HKH", date(2017, 1, 1))
    assert (None, "Responsive") not in illustrative  # the record gives the hospital row
    assert ("surgery", "Overall") not in illustrative
    assert ("surgery", "Safe") in illustrative


# -- Actions, enforcement and the incident ---------------------------------------------------------


def test_actions_exist_in_every_status(demo):
    statuses = db.session.scalars(select(Action.status)).all()
    assert set(statuses) == set(STATUSES)


def test_some_actions_are_overdue_on_28_november_2026(demo):
    today = date(2026, 11, 28)
    actions = db.session.scalars(select(Action)).all()
    overdue = sorted(a.title for a in actions if is_overdue(a.status, a.due_on, today))
    assert overdue == [
        "All midwives and obstetricians complete annual fetal monitoring training",
        "Run a business-continuity drill for theatres when clinical systems fail",
        "Test the pathology and imaging downtime contingency plan every six months",
    ]
    # Finished work is never overdue, however old its due date.
    assert all(not is_overdue(a.status, a.due_on, today) for a in actions if a.status in {"completed", "verified", "cancelled"})


def test_a_slipped_action_keeps_its_original_due_date(demo):
    (training,) = db.session.scalars(
        select(Action).where(Action.title.like("%fetal monitoring training%"))
    ).all()
    assert (training.original_due_on, training.due_on) == (date(2023, 3, 31), date(2026, 9, 30))
    assert [u.new_due_on for u in training.updates if u.new_due_on] == [date(2023, 9, 30), date(2026, 9, 30)]


def test_special_measures_from_2015_to_2019(demo):
    (measures,) = db.session.scalars(
        select(Enforcement).where(Enforcement.kind == "special_measures")
    ).all()
    assert measures.trust_id == demo.id and measures.hospital_id is None
    assert (measures.started_on, measures.ended_on) == (date(2015, 3, 17), date(2019, 3, 28))
    assert measures.in_force(date(2017, 1, 1))
    assert not measures.in_force(date(2015, 3, 16))
    assert not measures.in_force(date(2019, 6, 1))


def test_surgery_got_a_section_29a_warning_notice(demo):
    (notice,) = db.session.scalars(select(Enforcement).where(Enforcement.kind == "section_29a")).all()
    assert (notice.hospital.ods_code, notice.department.service_code) == ("R1HKH", "surgery")
    assert notice.started_on == date(2016, 12, 16)


def test_the_it_failure_incident_and_its_actions(demo):
    (incident,) = db.session.scalars(select(Incident)).all()
    assert incident.occurred_on == date(2017, 4, 20)
    assert incident.hospital_id == hospital_by_code("R1H12").id
    assert "136 operations" in incident.description
    actions = db.session.scalars(
        select(Action).where(Action.incident_id == incident.id).order_by(Action.id)
    ).all()
    assert [(a.status, a.findings) for a in actions] == [
        ("verified", []),
        ("in_progress", []),
        ("open", []),
    ]
    assert "storage array" in actions[0].title


# -- Audit -----------------------------------------------------------------------------------------


def _audited_models():
    for mapper in db.Model.registry.mappers:
        table = mapper.class_.__tablename__
        if table != "audit_events":
            yield mapper.class_


def test_every_record_created_has_its_audit_event(demo):
    for model in _audited_models():
        (key,) = sa_inspect(model).primary_key
        ids = set(db.session.scalars(select(key)))
        audited = db.session.scalars(
            select(AuditEvent.record_id).where(
                AuditEvent.record_kind == model.__tablename__, AuditEvent.action == "create"
            )
        ).all()
        assert len(audited) == len(ids), model.__tablename__
        assert set(audited) == ids, model.__tablename__
    assert {m.__tablename__ for m in _audited_models()} >= {
        "trusts", "hospitals", "departments", "users", "inspections", "rating_cells",
        "findings", "enforcements", "incidents", "actions", "action_updates",
    }


def test_every_status_change_of_an_action_has_an_update_event(demo):
    actions = db.session.scalars(select(Action)).all()
    for action in actions:
        changes = [
            e.changes["status"]
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.record_kind == "actions", AuditEvent.record_id == action.id, AuditEvent.action == "update")
                .order_by(AuditEvent.id)
            )
            if "status" in e.changes
        ]
        moves = [[u.status_from, u.status_to] for u in action.updates if u.status_to]
        assert changes == moves, action.title
