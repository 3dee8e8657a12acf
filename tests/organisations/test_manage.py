"""The quality team's pages to add and edit trusts, hospitals and departments and to retire a
department: who may use them, each validation message (400, nothing saved), and the audit
events with before and after values."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.errors import ValidationError
from app.extensions import db
from app.inspections.grids import hospital_grid
from app.organisations.models import Department, Hospital, Trust
from app.organisations.services import (
    create_department,
    create_hospital,
    create_trust,
    hospital_by_code,
    retire_department,
    trust_by_code,
    update_department,
    update_hospital,
    update_trust,
)
from tests.support import page_text

TODAY = date.today()




def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(record) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_kind == record.__tablename__, AuditEvent.record_id == record.id)
        .order_by(AuditEvent.id)
    ))


@pytest.fixture
def quality(make_user):  # type: ignore[no-untyped-def]
    return make_user("quality")


@pytest.fixture
def client(app, quality, login_as):  # type: ignore[no-untyped-def]
    return login_as(app.test_client(), quality)


@pytest.fixture
def trust(app) -> Trust:
    trust = create_trust(ods_code="R1H", name="Barts Health NHS Trust", formed_on=date(2012, 4, 1))
    db.session.commit()
    return trust


@pytest.fixture
def hospital(trust) -> Hospital:
    hospital = create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital", town="Leytonstone")
    db.session.commit()
    return hospital


@pytest.fixture
def department(hospital) -> Department:
    department = create_department(hospital, service_code="surgery")
    db.session.commit()
    return department


def _refused(response, *messages: str) -> str:
    """A refused form: 400, the error summary, each message, and the user's input kept."""
    assert response.status_code == 400, response.status_code
    text = page_text(response.text)
    assert "There is a problem" in text
    assert response.text.count("<title>Error: ") == 1
    for message in messages:
        assert message in text, message
    return text


# -- Who may use the pages ----------------------------------------------------------------------------


def _routes(demo) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    surgery = next(d for d in hospital_by_code("R1HKH").departments if d.service_code == "surgery")
    pages = ["/trusts/new", "/trusts/R1H/edit", "/trusts/R1H/hospitals/new", "/hospitals/R1HKH/edit",
             "/hospitals/R1HKH/departments/new", f"/departments/{surgery.id}/edit"]
    return [(m, url) for url in pages for m in ("GET", "POST")] + [("POST", f"/departments/{surgery.id}/retire")]


@pytest.mark.parametrize("role", ["admin", "lead", "viewer"])
def test_only_quality_may_use_the_pages(app, demo, make_user, login_as, role):
    surgery = next(d for d in hospital_by_code("R1HKH").departments if d.service_code == "surgery")
    user = make_user(role, departments=[surgery] if role == "lead" else ())
    client = login_as(app.test_client(), user)
    events = _count(AuditEvent)
    for method, url in _routes(demo):
        response = client.open(url, method=method, data={"name": "Changed", "service_code": "urgent",
                                                         "retired_on": "2024-01-01", "ods_code": "RQX"})
        assert response.status_code == 403, (role, method, url)
    assert _count(AuditEvent) == events
    assert trust_by_code("RQX") is None and trust_by_code("R1H").name == "Barts Health NHS Trust"


def test_anonymous_visitors_are_sent_to_sign_in(app, demo):
    client = app.test_client()
    for method, url in _routes(demo) + [("GET", "/trusts/R1H")]:
        response = client.open(url, method=method, data={})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/sign-in"), (method, url)


def test_quality_may_open_every_page(client, demo):
    for method, url in _routes(demo):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_unknown_records_are_not_found(client, trust):
    for url in ("/trusts/XXX/edit", "/trusts/XXX/hospitals/new", "/hospitals/XXXXX/edit",
                "/hospitals/XXXXX/departments/new", "/departments/999/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post("/departments/999/retire", data={"retired_on": "2024-01-01"}).status_code == 404


# -- Trusts ------------------------------------------------------------------------------------------


def test_add_a_trust(client, quality):
    response = client.post("/trusts/new", data={"ods_code": " rqx ", "name": " Homerton Healthcare NHS Foundation Trust ",
                                                "formed_on": "2001-04-01"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/trusts/RQX"
    trust = trust_by_code("RQX")
    assert (trust.name, trust.formed_on) == ("Homerton Healthcare NHS Foundation Trust", date(2001, 4, 1))
    (event,) = _events(trust)
    assert (event.action, event.user_id) == ("create", quality.id)
    assert event.changes | {"created_at": None} == {
        "id": [None, trust.id], "ods_code": [None, "RQX"], "name": [None, "Homerton Healthcare NHS Foundation Trust"],
        "formed_on": [None, "2001-04-01"], "created_at": None,
    }
    assert "has been added" in page_text(client.get("/trusts/RQX").text)


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"ods_code": "r1h", "name": "Another"}, ["A trust with ODS code R1H already exists."]),
        ({"ods_code": "R1", "name": "Another"}, ["A trust's ODS code is 3 letters or digits, like R1H."]),
        ({"ods_code": "R-H", "name": "Another"}, ["A trust's ODS code is 3 letters or digits, like R1H."]),
        ({"ods_code": "", "name": "Another"}, ["Enter the trust's ODS code."]),
        ({"ods_code": "RQX", "name": "   "}, ["Enter the trust's name."]),
        ({"ods_code": "RQX", "name": "x" * 201}, ["The name must be 200 characters or fewer."]),
        ({"ods_code": "RQX", "name": "Another", "formed_on": "2001-02-30"},
         ["Enter the date the trust was formed as a real date, for example 2012-04-01."]),
        ({"ods_code": "RQX", "name": "Another", "formed_on": (TODAY + timedelta(days=1)).isoformat()},
         ["The date the trust was formed must be today or in the past."]),
        # Every problem at once, the code's included.
        ({"ods_code": "R1", "name": ""}, ["A trust's ODS code is 3 letters or digits", "Enter the trust's name."]),
    ],
)
def test_a_refused_trust_is_not_saved(client, trust, data, messages):
    events = _count(AuditEvent)
    response = client.post("/trusts/new", data=data)
    _refused(response, *messages)
    assert _count(Trust) == 1 and _count(AuditEvent) == events
    if data["name"].strip() and len(data["name"]) < 200:
        assert f'value="{data["name"]}"' in response.text  # the input is kept


def test_edit_a_trust_writes_an_update_event_with_before_and_after(client, trust, quality):
    page = client.get("/trusts/R1H/edit")
    assert 'value="Barts Health NHS Trust"' in page.text and 'value="2012-04-01"' in page.text
    assert "The ODS code cannot be changed" in page_text(page.text)
    response = client.post("/trusts/R1H/edit", data={"name": "Barts Health", "formed_on": "2012-04-02", "ods_code": "RQX"})
    assert response.status_code == 302 and response.headers["Location"] == "/trusts/R1H"
    db.session.expire_all()
    assert (trust.ods_code, trust.name, trust.formed_on) == ("R1H", "Barts Health", date(2012, 4, 2))
    create, update = _events(trust)
    assert (update.action, update.user_id) == ("update", quality.id)
    assert update.changes == {"name": ["Barts Health NHS Trust", "Barts Health"], "formed_on": ["2012-04-01", "2012-04-02"]}


def test_saving_an_unchanged_trust_writes_no_event(client, trust):
    client.post("/trusts/R1H/edit", data={"name": "Barts Health NHS Trust", "formed_on": "2012-04-01"})
    assert [e.action for e in _events(trust)] == ["create"]


def test_a_refused_trust_edit_changes_nothing(client, trust):
    _refused(client.post("/trusts/R1H/edit", data={"name": " ", "formed_on": "2012-04-01"}), "Enter the trust's name.")
    db.session.expire_all()
    assert trust.name == "Barts Health NHS Trust" and len(_events(trust)) == 1


# -- Hospitals ---------------------------------------------------------------------------------------


def test_add_a_hospital(client, trust, quality):
    response = client.post("/trusts/R1H/hospitals/new", data={"ods_code": "r1h12", "name": "The Royal London Hospital",
                                                              "town": "Whitechapel", "kind": "hospital"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/trusts/R1H#hospital-R1H12"
    hospital = hospital_by_code("R1H12")
    assert (hospital.trust_id, hospital.name, hospital.town, hospital.kind) == (trust.id, "The Royal London Hospital", "Whitechapel", "hospital")
    (event,) = _events(hospital)
    assert event.action == "create" and event.user_id == quality.id
    assert event.changes["ods_code"] == [None, "R1H12"] and event.changes["trust_id"] == [None, trust.id]


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"ods_code": "r1hkh", "name": "Copy", "kind": "hospital"},
         ["A hospital with code R1HKH already exists: Whipps Cross University Hospital."]),
        ({"ods_code": "R1HK", "name": "Copy", "kind": "hospital"}, ["A site's ODS code is 5 letters or digits, like R1HKH."]),
        ({"ods_code": "R1H K", "name": "Copy", "kind": "hospital"}, ["A site's ODS code is 5 letters or digits, like R1HKH."]),
        ({"ods_code": "R1H99", "name": "", "kind": "hospital"}, ["Enter the hospital's name."]),
        ({"ods_code": "R1H99", "name": "Copy", "kind": "castle"}, ["Choose whether this is a hospital or another kind of location."]),
        ({"ods_code": "R1H99", "name": "Copy", "town": "x" * 101, "kind": "other"}, ["The town must be 100 characters or fewer."]),
    ],
)
def test_a_refused_hospital_is_not_saved(client, hospital, data, messages):
    events = _count(AuditEvent)
    _refused(client.post("/trusts/R1H/hospitals/new", data=data), *messages)
    assert _count(Hospital) == 1 and _count(AuditEvent) == events


def test_edit_a_hospital_writes_an_update_event(client, hospital, quality):
    page = client.get("/hospitals/R1HKH/edit")
    assert 'value="Whipps Cross University Hospital"' in page.text and "The ODS site code and the trust cannot be changed" in page_text(page.text)
    response = client.post("/hospitals/R1HKH/edit", data={"name": "Whipps Cross Hospital", "town": "", "kind": "other",
                                                           "ods_code": "R1H99"})
    assert response.status_code == 302 and response.headers["Location"] == "/trusts/R1H#hospital-R1HKH"
    db.session.expire_all()
    assert (hospital.ods_code, hospital.name, hospital.town, hospital.kind) == ("R1HKH", "Whipps Cross Hospital", None, "other")
    update = _events(hospital)[-1]
    assert (update.action, update.user_id) == ("update", quality.id)
    assert update.changes == {"name": ["Whipps Cross University Hospital", "Whipps Cross Hospital"],
                              "town": ["Leytonstone", None], "kind": ["hospital", "other"]}


def test_a_refused_hospital_edit_changes_nothing(client, hospital):
    _refused(client.post("/hospitals/R1HKH/edit", data={"name": "", "kind": "hospital"}), "Enter the hospital's name.")
    db.session.expire_all()
    assert hospital.name == "Whipps Cross University Hospital" and len(_events(hospital)) == 1


# -- Departments -------------------------------------------------------------------------------------


def test_the_department_form_lists_the_catalogue_in_groups(client, hospital):
    html = client.get("/hospitals/R1HKH/departments/new").text
    assert '<option value="">Choose a CQC service</option>' in html
    for group in ("Core services", "Other services", "Population groups (community services)",
                  "Services CQC has replaced (for departments with older ratings)"):
        assert f'<optgroup label="{group}">' in html
    assert ">Maternity and gynaecology, replaced by Maternity</option>" in html


def test_add_a_department_with_defaults(client, hospital, quality):
    response = client.post("/hospitals/R1HKH/departments/new", data={"service_code": "npimaternity", "name": "", "code": ""})
    assert response.status_code == 302 and response.headers["Location"] == "/trusts/R1H#hospital-R1HKH"
    (department,) = hospital.departments
    assert (department.name, department.code, department.service_code) == ("Maternity", "R1HKH-NPIMATERNITY", "npimaternity")
    (event,) = _events(department)
    assert event.action == "create" and event.user_id == quality.id
    assert event.changes["service_code"] == [None, "npimaternity"]


def test_add_a_department_with_its_own_name_and_code(client, hospital):
    client.post("/hospitals/R1HKH/departments/new", data={"service_code": "surgery", "name": "Theatres", "code": "wx-theatres"})
    (department,) = hospital.departments
    assert (department.name, department.code, department.service_code) == ("Theatres", "WX-THEATRES", "surgery")


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"service_code": "castle"}, ["'castle' is not a CQC service. Choose one from the list."]),
        ({"service_code": ""}, ["Choose the CQC service this department maps to."]),
        ({"service_code": "urgent", "code": "r1hkh-surgery"}, ["A department with code R1HKH-SURGERY already exists."]),
        ({"service_code": "urgent", "code": "A&E"}, ["A department code can have only letters, digits"]),
        ({"service_code": "urgent", "name": "Surgery"}, ["Whipps Cross University Hospital already has a department called Surgery."]),
        ({"service_code": "surgery"}, ["already has a department called Surgery."]),  # the default name is taken
    ],
)
def test_a_refused_department_is_not_saved(client, department, data, messages):
    events = _count(AuditEvent)
    _refused(client.post("/hospitals/R1HKH/departments/new", data=data), *messages)
    assert _count(Department) == 1 and _count(AuditEvent) == events


def test_the_edit_page_shows_the_departments_service(client, department):
    html = client.get(f"/departments/{department.id}/edit").text
    assert '<option value="surgery" selected>Surgery</option>' in html
    assert 'value="R1HKH-SURGERY"' in html
    assert f'value="{TODAY.isoformat()}"' in html  # the retirement date defaults to today


def test_edit_a_department_writes_an_update_event(client, department, quality):
    response = client.post(f"/departments/{department.id}/edit",
                           data={"name": "General surgery", "code": "wx-gs", "service_code": "surgery"})
    assert response.status_code == 302 and response.headers["Location"] == "/trusts/R1H#hospital-R1HKH"
    db.session.expire_all()
    assert (department.name, department.code) == ("General surgery", "WX-GS")
    update = _events(department)[-1]
    assert (update.action, update.user_id) == ("update", quality.id)
    assert update.changes == {"name": ["Surgery", "General surgery"], "code": ["R1HKH-SURGERY", "WX-GS"]}


def test_a_blank_department_code_takes_the_default_for_the_new_service(client, department):
    client.post(f"/departments/{department.id}/edit", data={"name": "Urgent care", "code": "", "service_code": "urgent"})
    db.session.expire_all()
    assert (department.code, department.service_code) == ("R1HKH-URGENT", "urgent")


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        ({"name": "", "code": "R1HKH-SURGERY", "service_code": "surgery"}, ["Enter the department's name."]),
        ({"name": "Surgery", "code": "R1HKH-SURGERY", "service_code": "castle"}, ["'castle' is not a CQC service."]),
        ({"name": "Surgery", "code": "R1HKH-URGENT", "service_code": "surgery"}, ["A department with code R1HKH-URGENT already exists."]),
        ({"name": "Surgery", "code": "R1HKH SURGERY", "service_code": "surgery"}, ["A department code can have only letters"]),
        ({"name": "Urgent and emergency services", "code": "", "service_code": "surgery"},
         ["already has a department called Urgent and emergency services."]),
    ],
)
def test_a_refused_department_edit_changes_nothing(client, department, data, messages):
    create_department(department.hospital, service_code="urgent")
    db.session.commit()
    events = _count(AuditEvent)
    _refused(client.post(f"/departments/{department.id}/edit", data=data), *messages)
    db.session.expire_all()
    assert (department.name, department.code, department.service_code) == ("Surgery", "R1HKH-SURGERY", "surgery")
    assert _count(AuditEvent) == events


def test_a_new_service_relinks_the_successors_the_catalogue_gives(client, hospital):
    new_outpatients = create_department(hospital, service_code="npioutpatients")
    mistaken = create_department(hospital, service_code="surgery", name="Outpatients and imaging (old)")
    db.session.commit()
    client.post(f"/departments/{mistaken.id}/edit",
                data={"name": "Outpatients and imaging (old)", "code": "", "service_code": "outpatients"})
    db.session.expire_all()
    assert mistaken.successors == [new_outpatients]
    update = _events(mistaken)[-1]
    assert update.changes["service_code"] == ["surgery", "outpatients"]
    assert update.changes["successor_ids"] == [[], [new_outpatients.id]]
    # And back: the link the catalogue made goes.
    client.post(f"/departments/{mistaken.id}/edit",
                data={"name": "Outpatients and imaging (old)", "code": "", "service_code": "surgery"})
    db.session.expire_all()
    assert mistaken.successors == []


# -- Retiring a department ------------------------------------------------------------------------------


def test_retire_a_department_with_a_successor(client, department, quality):
    theatres = create_department(department.hospital, service_code="critical", name="Theatres and critical care")
    db.session.commit()
    page = client.get(f"/departments/{department.id}/edit").text
    assert re.search(rf'<option value="{theatres.id}"\s*>Theatres and critical care</option>', page)
    response = client.post(f"/departments/{department.id}/retire",
                           data={"retired_on": "2024-01-31", "successor": str(theatres.id)})
    assert response.status_code == 302 and response.headers["Location"] == "/trusts/R1H#hospital-R1HKH"
    db.session.expire_all()
    assert department.retired_on == date(2024, 1, 31) and department.successors == [theatres]
    update = _events(department)[-1]
    assert (update.action, update.user_id) == ("update", quality.id)
    assert update.changes == {"retired_on": [None, "2024-01-31"], "successor_ids": [[], [theatres.id]]}
    assert "Retired on 31 January 2024" in page_text(client.get(f"/departments/{department.id}/edit").text)


def test_retire_without_a_successor(client, department):
    response = client.post(f"/departments/{department.id}/retire", data={"retired_on": TODAY.isoformat(), "successor": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert department.retired_on == TODAY and department.successors == []
    assert _events(department)[-1].changes == {"retired_on": [None, TODAY.isoformat()]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"retired_on": ""}, "Enter the date the department was retired."),
        ({"retired_on": "31/01/2024"}, "Enter the retirement date as a real date, for example 2026-03-31."),
        ({"retired_on": (TODAY + timedelta(days=1)).isoformat()}, "The retirement date must be today or in the past."),
        ({"retired_on": "2024-01-31", "successor": "999"}, "Choose another current department of the same hospital, or none."),
    ],
)
def test_a_refused_retirement_changes_nothing(client, department, data, message):
    events = _count(AuditEvent)
    _refused(client.post(f"/departments/{department.id}/retire", data=data), message)
    db.session.expire_all()
    assert department.retired_on is None and _count(AuditEvent) == events


def test_a_department_cannot_retire_before_its_latest_rating(client, demo):
    surgery = next(d for d in hospital_by_code("R1HKH").departments if d.service_code == "surgery")
    _refused(client.post(f"/departments/{surgery.id}/retire", data={"retired_on": "2023-06-19"}),
             "Surgery has ratings published on 20 June 2023; the retirement date cannot be before that.")
    db.session.expire_all()
    assert surgery.retired_on is None


def test_a_successor_from_another_hospital_is_refused_by_the_service(department):
    other = create_hospital(department.hospital.trust, ods_code="R1H12", name="The Royal London Hospital")
    theirs = create_department(other, service_code="surgery")
    with pytest.raises(ValidationError) as raised:
        retire_department(department, date(2024, 1, 31), successor=theirs)
    assert set(raised.value.errors) == {"successor"}
    assert department.retired_on is None


def test_a_retired_department_leaves_the_grid_and_keeps_its_history(client, demo):
    whipps = hospital_by_code("R1HKH")
    surgery = next(d for d in whipps.departments if d.service_code == "surgery")
    assert client.post(f"/departments/{surgery.id}/retire", data={"retired_on": "2024-01-31"}).status_code == 302
    db.session.expire_all()
    rows = lambda on: [r.service_code for r in hospital_grid(whipps, on).rows]  # noqa: E731
    assert "surgery" not in rows(TODAY) and "surgery" not in rows(date(2024, 1, 31))
    assert "surgery" in rows(date(2024, 1, 30)) and "surgery" in rows(date(2019, 6, 1))


# -- The services directly -----------------------------------------------------------------------------


def test_update_services_validate_like_create(hospital, department):
    trust = hospital.trust
    with pytest.raises(ValidationError) as raised:
        update_trust(trust, name="")
    assert raised.value.errors == {"name": "Enter the trust's name."}
    with pytest.raises(ValidationError) as raised:
        update_hospital(hospital, name=" ", kind="castle")
    assert set(raised.value.errors) == {"name", "kind"}
    with pytest.raises(ValidationError) as raised:
        update_department(department, name="", service_code="nope", code="bad code")
    assert set(raised.value.errors) == {"name", "service_code", "code"}
    db.session.expire_all()
    assert [e.action for e in _events(department)] == ["create"]


def test_create_refuses_blank_names(trust):
    with pytest.raises(ValidationError) as raised:
        create_trust(ods_code="RQX", name="  ")
    assert raised.value.errors == {"name": "Enter the trust's name."}
    with pytest.raises(ValidationError) as raised:
        create_hospital(trust, ods_code="R1HKH", name="")
    assert raised.value.errors == {"name": "Enter the hospital's name."}


def test_an_imported_service_the_catalogue_does_not_know_may_stay(department):
    department.service_code = "newservice"  # as an import may store it
    db.session.commit()
    update_department(department, name="Renamed", service_code="newservice", code=department.code)
    assert department.service_code == "newservice"
    with pytest.raises(ValidationError):
        update_department(department, name="Renamed", service_code="othernew", code=department.code)


def test_the_error_summary_lists_problems_in_the_order_of_the_page(client, trust):
    text = page_text(client.post("/trusts/new", data={"ods_code": "R1", "name": "", "formed_on": "x"}).text)
    summary = text[text.index("There is a problem"):text.index("Add a trust", text.index("There is a problem"))]
    assert summary.index("ODS code") < summary.index("Enter the trust's name.") < summary.index("formed as a real date")
