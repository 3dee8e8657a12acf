"""The CSV import of actions: the file's rules as tables (app.domain.action_import), then the
import through HTTP on the demo trust: every row checked before any is saved, problems listed
by line and column, all rows saved (one audit event per action) or none, and the template."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.audit.services import archive
from app.auth.models import User
from app.domain import action_import as rules
from app.extensions import db
from app.inspections.models import Finding
from app.organisations.models import Department

HEADER = ",".join(rules.COLUMN_NAMES)
QUALITY = "quality@demo.quality-ledger.test"
AE_LEAD = "ae-lead@demo.quality-ledger.test"


def problems(text: str, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in rules.parse(text, **kwargs).problems]


# ---------------------------------------------------------------------------------------------
# The file's rules, without a database


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"  \r\n \n", "The file is empty."),
    (b"hospital,title\x00\x01", "The file is not a CSV file (it contains binary data)."),
    (HEADER.encode() + b"\nR1HKH,,Caf\xe9 audit,,a@b.nhs.uk,2027-01-01,,\n",
     "The file is not in the UTF-8 encoding (the first problem is on line 2)."),
    (b"x" * (rules.MAX_BYTES + 1), "The file is larger than 2 MB."),
])
def test_files_that_are_not_utf8_csv_text_are_refused_with_a_reason(data, message):
    text, problem = rules.decode(data)
    assert text is None and str(problem).startswith(message)


def test_excel_byte_order_mark_is_dropped():
    text, problem = rules.decode("\ufeffhospital,title\n".encode())
    assert problem is None and text == "hospital,title\n"


@pytest.mark.parametrize(("header", "message"), [
    ("", "Line 1: The first line must be the template's header row"),
    ("hospital,title,due_on", "Line 1: The header row has no owner_email column."),
    ("title,owner_email,due_on", "Line 1: The header row has no hospital column."),
    (HEADER + ",colour", "Line 1: \"colour\" is not a column of the template."),
    (HEADER + ",title", "Line 1: The column title appears more than once."),
    (HEADER + ",", "Line 1: Column 9 has no name in the header row."),
])
def test_a_wrong_header_is_refused_naming_the_column(header, message):
    found = problems(header + "\nR1HKH,,T,,a@b.nhs.uk,2027-01-01,,\n")
    assert any(p.startswith(message) for p in found), found


def test_header_only_means_no_actions():
    assert problems(HEADER + "\r\n\r\n") == ["The file has a header row but no actions below it."]


def test_columns_in_any_order_any_case_and_optional_ones_left_out():
    parsed = rules.parse("Due_On, OWNER_EMAIL ,Title,hospital\n2027-03-31,Ann@Example.NHS.uk,  Audit   triage ,r1hkh\n")
    assert parsed.problems == []
    assert parsed.rows == [rules.RowInput(
        line=2, hospital="R1HKH", department=None, title="Audit triage", description="",
        owner_email="ann@example.nhs.uk", due_on=date(2027, 3, 31), priority="medium", finding_ids=())]


def row(**values: str) -> str:
    base = {"hospital": "R1HKH", "department": "R1HKH-URGENT", "title": "Audit triage", "description": "",
            "owner_email": "a@b.nhs.uk", "due_on": "2027-03-31", "priority": "High", "finding_ids": ""}
    base.update(values)
    buffer = io.StringIO()
    csv.writer(buffer).writerow([base[name] for name in rules.COLUMN_NAMES])
    return buffer.getvalue()


@pytest.mark.parametrize(("values", "message"), [
    ({"hospital": " "}, "Line 2, column hospital: Enter the hospital's ODS site code, like R1HKH."),
    ({"title": ""}, "Line 2, column title: Enter a title for the action."),
    ({"title": "x" * 201}, "Line 2, column title: The title must be 200 characters or fewer; it has 201."),
    ({"description": "x" * 5001}, "Line 2, column description: The description must be 5,000 characters or fewer; it has 5,001."),
    ({"owner_email": ""}, "Line 2, column owner_email: Enter the owner's email address."),
    ({"owner_email": "ann"}, "Line 2, column owner_email: \"ann\" is not an email address."),
    ({"due_on": ""}, "Line 2, column due_on: Enter the due date as YYYY-MM-DD, for example 2027-03-31."),
    ({"due_on": "31/03/2027"}, "Line 2, column due_on: \"31/03/2027\" is not a real date in the format YYYY-MM-DD"),
    ({"due_on": "2027-02-30"}, "Line 2, column due_on: \"2027-02-30\" is not a real date"),
    ({"priority": "urgent"}, "Line 2, column priority: \"urgent\" is not a priority: use high, medium or low."),
    ({"finding_ids": "12; F7"}, "Line 2, column finding_ids: \"F7\" is not a finding number."),
    ({"finding_ids": "0"}, "Line 2, column finding_ids: \"0\" is not a finding number."),
])
def test_each_value_is_checked_and_named_by_line_and_column(values, message):
    found = problems(HEADER + "\n" + row(**values))
    assert len(found) == 1 and found[0].startswith(message), found


def test_every_problem_of_every_row_is_listed_with_lines_counted_as_in_the_file():
    text = (HEADER + "\n" + row() + "\n"  # line 3 is blank
            + row(title="Two\nlines", due_on="soon")  # lines 4-5
            + row(priority="x", owner_email=""))  # line 6
    found = problems(text)
    assert found == [
        "Line 4, column due_on: \"soon\" is not a real date in the format YYYY-MM-DD, for example 2027-03-31.",
        "Line 6, column owner_email: Enter the owner's email address.",
        "Line 6, column priority: \"x\" is not a priority: use high, medium or low.",
    ]


def test_finding_numbers_separated_by_spaces_commas_or_semicolons():
    parsed = rules.parse(HEADER + "\n" + row(finding_ids="12; 15,12 7"))
    assert parsed.rows[0].finding_ids == (12, 15, 7)


def test_a_row_with_more_cells_than_the_header_is_named():
    found = problems(HEADER + "\n" + row().rstrip("\r\n") + ",extra,cells\n")
    assert found == ["Line 2: The row has 10 cells but the header has 8 columns. "
                     "Check for a comma inside a value that is not in double quotes."]


def test_too_many_rows():
    text = HEADER + "\n" + row() * 4
    assert problems(text, max_rows=3) == [
        "The file has more than 3 actions. Split it into files of 3 rows or fewer."]
    assert problems(text, max_rows=4) == []


def test_the_template_is_the_header_row():
    assert rules.template_text() == HEADER + "\r\n"
    assert rules.REQUIRED == {"hospital", "title", "owner_email", "due_on"}


# ---------------------------------------------------------------------------------------------
# Importing through HTTP


@pytest.fixture
def quality(demo):  # type: ignore[no-untyped-def]
    return db.session.scalar(select(User).where(User.email == QUALITY))


@pytest.fixture
def client(client_of, quality):  # type: ignore[no-untyped-def]
    return client_of(quality)


def finding_id(text_start: str) -> int:
    return db.session.scalar(select(Finding.id).where(Finding.text.startswith(text_start)))


def must_do_id() -> int:
    return db.session.scalar(select(Finding.id).where(Finding.kind == "must_do").order_by(Finding.id))


def upload(client, content: str | bytes, filename: str = "actions.csv"):  # type: ignore[no-untyped-def]
    data = content.encode() if isinstance(content, str) else content
    return client.post("/actions/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Action.id))), db.session.scalar(select(func.count(AuditEvent.id))))


def test_the_import_page_and_the_template_are_for_the_quality_team(client, client_as, demo):
    page = client.get("/actions/import")
    assert page.status_code == 200
    assert all(f"<code>{name}</code>" in page.text for name in rules.COLUMN_NAMES)
    template = client.get("/actions/import/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv"
    assert template.headers["Content-Disposition"] == 'attachment; filename="actions-import-template.csv"'
    assert template.get_data(as_text=True) == "\ufeff" + HEADER + "\r\n"
    lead = client_as("lead", departments=[db.session.scalar(select(Department).order_by(Department.id))])
    for other in (client_as("admin"), lead, client_as("viewer")):
        assert other.get("/actions/import").status_code == 403
        assert other.get("/actions/import/template.csv").status_code == 403
        assert upload(other, HEADER + "\n" + row()).status_code == 403


def test_the_template_filled_in_imports_every_row_with_an_audit_event_each(client, quality):
    finding = must_do_id()
    template = client.get("/actions/import/template.csv").get_data(as_text=True)
    text = (template
            + row(title="Weekly triage audit", owner_email=AE_LEAD, finding_ids=str(finding))
            + row(title="Resilience review", hospital="R1H12", department="", owner_email=QUALITY.upper(),
                  priority="", description="Review with IT")
            + row(title="Theatre checklist", department="r1hkh-surgery", owner_email=QUALITY, priority="low"))
    actions_before, events_before = counts()
    last_event = db.session.scalar(select(func.max(AuditEvent.id)))
    response = upload(client, text.encode("utf-8"))
    assert response.status_code == 200, response.text
    assert "3 actions imported" in response.text
    db.session.expire_all()
    created = db.session.scalars(select(Action).where(Action.id > 10).order_by(Action.id)).all()
    assert [a.title for a in created] == ["Weekly triage audit", "Resilience review", "Theatre checklist"]
    first, second, third = created
    assert (first.hospital.ods_code, first.department.code, first.owner.email) == ("R1HKH", "R1HKH-URGENT", AE_LEAD)
    assert (first.priority, first.status, first.due_on, first.original_due_on) == ("high", "open", date(2027, 3, 31), date(2027, 3, 31))
    assert [f.id for f in first.findings] == [finding]
    assert (second.department, second.owner.email, second.priority, second.description) == (None, QUALITY, "medium", "Review with IT")
    assert (third.department.code, third.priority) == ("R1HKH-SURGERY", "low")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last_event).order_by(AuditEvent.id)).all()
    assert [(e.action, e.record_kind, e.record_id, e.user_id) for e in events] == [
        ("create", "actions", a.id, quality.id) for a in created]
    assert counts() == (actions_before + 3, events_before + 3)
    for action in created:
        assert f'href="/actions/{action.id}"' in response.text


def test_a_bad_row_in_the_middle_saves_nothing_and_is_named_by_line_and_column(client):
    text = (HEADER + "\n"
            + row(title="First good row", owner_email=QUALITY)
            + row(title="Second good row", owner_email=QUALITY, department="R1HKH-SURGERY")
            + row(title="The bad row", owner_email=QUALITY, department="R1HKH-NOWHERE", due_on="2027-13-01")
            + row(title="Fourth good row", owner_email=QUALITY, department="")
            + row(title="Fifth good row", owner_email=QUALITY, priority="low"))
    before = counts()
    response = upload(client, text)
    assert response.status_code == 400
    page = response.text
    assert "Nothing was imported: the file has problems" in page
    listed = page.split('id="problems"', 1)[1].split("</ul>", 1)[0].replace("&#34;", '"')
    assert [line.strip() for line in re.findall(r"<li>(.*?)</li>", listed, re.S)] == [
        "Line 4, column department: There is no department with the code R1HKH-NOWHERE.",
        'Line 4, column due_on: "2027-13-01" is not a real date in the format YYYY-MM-DD, for example 2027-03-31.',
    ]
    assert "Line 2" not in page and "Line 3," not in page and "Line 5" not in page
    db.session.expire_all()
    assert counts() == before
    assert db.session.scalar(select(Action).where(Action.title.like("%good row"))) is None


@pytest.mark.parametrize(("values", "message"), [
    ({"hospital": "ZZZ99"}, "Line 2, column hospital: There is no hospital with the ODS site code ZZZ99."),
    ({"department": "R1H12-SURGERY"}, "Line 2, column department: R1H12-SURGERY is a department of The Royal London Hospital, not of Whipps Cross University Hospital (R1HKH)."),
    ({"owner_email": "nobody@example.nhs.uk"}, "Line 2, column owner_email: No one has an account with the email address nobody@example.nhs.uk."),
    ({"owner_email": "board@demo.quality-ledger.test"}, "Line 2, column owner_email: Helen Carter is board viewer, who cannot update actions"),
    ({"owner_email": AE_LEAD, "department": "R1HKH-SURGERY"}, "Line 2, column owner_email: Dr Tom Okafor leads Urgent and emergency services, not Surgery, so they could not update this action."),
    ({"owner_email": AE_LEAD, "department": ""}, "Line 2, column owner_email: Dr Tom Okafor is a department lead and could not update a hospital-wide action"),
    ({"finding_ids": "999999"}, "Line 2, column finding_ids: There is no finding number 999999."),
    ({"title": "Recruit to the full midwifery establishment", "department": "R1HKH-NPIMATERNITY"},
     "Line 2, column title: Whipps Cross University Hospital already has this action"),
])
def test_what_the_database_does_not_know_is_named(client, values, message):
    values.setdefault("owner_email", QUALITY)
    before = counts()
    response = upload(client, HEADER + "\n" + row(**values))
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'"), response.text
    assert counts() == before


def test_a_finding_of_another_hospital_or_archived_is_refused(client, quality):
    finding = must_do_id()
    response = upload(client, HEADER + "\n" + row(hospital="R1H12", department="", owner_email=QUALITY,
                                                   finding_ids=str(finding)))
    assert f"Line 2, column finding_ids: Finding {finding} is from an inspection of another hospital" in response.text
    archive(db.session.get(Finding, finding), "Entered twice", actor=quality)
    db.session.commit()
    response = upload(client, HEADER + "\n" + row(owner_email=QUALITY, finding_ids=str(finding)))
    assert f"Line 2, column finding_ids: Finding {finding} is archived." in response.text


def test_a_deactivated_owner_and_a_retired_department_are_refused(client, make_user):
    from app.auth.services import set_active

    former = make_user("quality", email="former@example.nhs.uk", name="Fay Former")
    set_active(former, False)
    surgery = db.session.scalar(select(Department).where(Department.code == "R1HKH-SURGERY"))
    surgery.retired_on = date(2026, 1, 1)
    db.session.commit()
    response = upload(client, HEADER + "\n" + row(owner_email="former@example.nhs.uk")
                      + row(owner_email=QUALITY, department="R1HKH-SURGERY"))
    assert "Line 2, column owner_email: Fay Former&#39;s account (former@example.nhs.uk) is deactivated." in response.text
    assert "Line 3, column department: Surgery (R1HKH-SURGERY) was retired on 2026-01-01" in response.text


def test_the_same_action_twice_in_a_file_and_a_second_upload_are_refused(client):
    twice = HEADER + "\n" + row(owner_email=QUALITY) + row(owner_email=QUALITY, priority="low")
    response = upload(client, twice)
    assert "Line 3, column title: The same action (hospital, department and title) is on line 2." in response.text
    once = HEADER + "\n" + row(owner_email=QUALITY)
    assert upload(client, once).status_code == 200
    before = counts()
    again = upload(client, once)
    assert again.status_code == 400 and "already has this action" in again.text
    assert counts() == before


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    ("hospital,title\nR1HKH,Caf\u00e9\n".encode("latin-1"), "The file is not in the UTF-8 encoding"),
    ("name,when\nAudit,2027-01-01\n", "is not a column of the template"),
    (HEADER + "\n", "The file has a header row but no actions below it."),
    (HEADER + "\n" + row() * (rules.MAX_ROWS + 1), "The file has more than 1,000 actions."),
])
def test_files_the_import_cannot_read_are_refused_with_a_clear_message(client, content, message):
    before = counts()
    response = upload(client, content)
    assert response.status_code == 400 and message in response.text
    assert "<title>Error: Import actions" in response.text
    assert counts() == before


def test_no_file_chosen(client):
    response = client.post("/actions/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a CSV file of actions to upload." in response.text


def test_a_long_list_of_problems_is_cut_short_and_says_how_many_more(client):
    text = HEADER + "\n" + "".join(row(owner_email=QUALITY, due_on="never", title=f"Row {n}") for n in range(150))
    response = upload(client, text)
    assert response.status_code == 400
    listed = response.text.split('id="problems"', 1)[1]
    assert listed.count("column due_on: &#34;never&#34;") == 100
    assert "Line 101, column due_on" in listed and "Line 102, column due_on" not in listed
    assert "And 50 more." in response.text
