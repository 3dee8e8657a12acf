"""Writes to the organisation tree: validation, successor links from the catalogue, audit events."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.errors import ValidationError
from app.extensions import db
from app.organisations.models import Department, Hospital, Trust
from app.organisations.services import (
    create_department,
    create_hospital,
    create_trust,
    hospital_by_code,
    retire_department,
    trust_by_code,
)


@pytest.fixture
def trust(app) -> Trust:
    return create_trust(ods_code="R1H", name="Barts Health NHS Trust", formed_on=date(2012, 4, 1))


@pytest.fixture
def hospital(trust) -> Hospital:
    return create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(record) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.record_kind == record.__tablename__,
                AuditEvent.record_id == record.id,
            )
            .order_by(AuditEvent.id)
        )
    )


# -- Trusts and hospitals -----------------------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [("R1H", "R1H"), (" r1h ", "R1H"), ("RQX", "RQX")])
def test_create_trust_normalises_the_ods_code(app, given, stored):
    trust = create_trust(ods_code=given, name="  Barts Health NHS Trust ")
    assert (trust.ods_code, trust.name) == (stored, "Barts Health NHS Trust")
    assert trust_by_code(stored.lower()) is trust


@pytest.mark.parametrize("bad", ["", "R1", "R1HK", "R-H", "R1 H", "R1HKH"])
def test_create_trust_rejects_a_bad_ods_code(app, bad):
    with pytest.raises(ValidationError) as raised:
        create_trust(ods_code=bad, name="A trust")
    assert set(raised.value.errors) == {"ods_code"}
    assert _count(Trust) == 0


def test_create_trust_rejects_a_duplicate_code(trust):
    with pytest.raises(ValidationError) as raised:
        create_trust(ods_code="r1h", name="Another trust")
    assert set(raised.value.errors) == {"ods_code"}
    assert "R1H" in raised.value.errors["ods_code"]
    assert _count(Trust) == 1


@pytest.mark.parametrize("bad", ["", "R1HK", "R1HKH1", "R1H-K", "R1H K"])
def test_create_hospital_rejects_a_bad_site_code(trust, bad):
    with pytest.raises(ValidationError) as raised:
        create_hospital(trust, ods_code=bad, name="A hospital")
    assert set(raised.value.errors) == {"ods_code"}
    assert _count(Hospital) == 0


def test_create_hospital_rejects_a_duplicate_code_even_in_another_trust(hospital):
    other = create_trust(ods_code="RQX", name="Homerton Healthcare NHS Foundation Trust")
    with pytest.raises(ValidationError) as raised:
        create_hospital(other, ods_code="r1hkh", name="Copy")
    assert set(raised.value.errors) == {"ods_code"}
    assert _count(Hospital) == 1


def test_create_hospital_rejects_an_unknown_kind(trust):
    with pytest.raises(ValidationError) as raised:
        create_hospital(trust, ods_code="R1HKH", name="Whipps Cross", kind="castle")
    assert set(raised.value.errors) == {"kind"}
    assert _count(Hospital) == 0


def test_create_hospital_normalises_and_finds_by_code(hospital):
    assert hospital.ods_code == "R1HKH"
    assert hospital_by_code(" r1hkh ") is hospital
    assert hospital.kind == "hospital"
    assert hospital_by_code("R1HXX") is None


# -- Departments --------------------------------------------------------------------------------


def test_create_department_takes_name_and_code_from_the_catalogue(hospital):
    department = create_department(hospital, service_code="urgent")
    assert (department.name, department.code, department.service_code) == (
        "Urgent and emergency services",
        "R1HKH-URGENT",
        "urgent",
    )
    assert hospital.departments == [department]


def test_create_department_rejects_an_unknown_service(hospital):
    with pytest.raises(ValidationError) as raised:
        create_department(hospital, service_code="Urgent")
    assert set(raised.value.errors) == {"service_code"}
    assert _count(Department) == 0


@pytest.mark.parametrize(
    ("second", "field"),
    [
        ({"service_code": "urgent"}, "name"),  # same default name, same default code
        ({"service_code": "surgery", "name": "Urgent and emergency services"}, "name"),
        ({"service_code": "surgery", "code": "r1hkh-urgent"}, "code"),
    ],
)
def test_create_department_rejects_a_duplicate(hospital, second, field):
    create_department(hospital, service_code="urgent")
    with pytest.raises(ValidationError) as raised:
        create_department(hospital, **second)
    assert field in raised.value.errors
    assert _count(Department) == 1


def test_the_same_service_in_two_hospitals_is_not_a_duplicate(trust, hospital):
    royal_london = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    codes = {create_department(h, service_code="urgent").code for h in (hospital, royal_london)}
    assert codes == {"R1HKH-URGENT", "R1H12-URGENT"}


def _successor_services(hospital: Hospital) -> dict[str, set[str]]:
    return {
        d.service_code: {s.service_code for s in d.successors} for d in hospital.departments
    }


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        # CQC's 2018 split: the old combined service links to both new ones...
        (
            ["outpatients", "npioutpatients", "diagnostic"],
            {"outpatients": {"npioutpatients", "diagnostic"}, "npioutpatients": set(), "diagnostic": set()},
        ),
        # ...whatever order an import creates them in.
        (
            ["diagnostic", "npioutpatients", "outpatients"],
            {"outpatients": {"npioutpatients", "diagnostic"}, "npioutpatients": set(), "diagnostic": set()},
        ),
        (["maternity", "npimaternity"], {"maternity": {"npimaternity"}, "npimaternity": set()}),
        (["care", "medical"], {"care": set(), "medical": {"care"}}),
        # Unrelated services link to nothing.
        (["urgent", "surgery"], {"urgent": set(), "surgery": set()}),
    ],
)
def test_department_successor_links_come_from_the_catalogue(hospital, services, expected):
    names = {"medical": "Medical care (before 2018)"}  # medical and care share a display name
    for service in services:
        create_department(hospital, service_code=service, name=names.get(service))
    db.session.commit()
    db.session.expire_all()
    assert _successor_services(hospital) == expected


def test_successor_links_stay_within_the_hospital(trust, hospital):
    royal_london = create_hospital(trust, ods_code="R1H12", name="The Royal London Hospital")
    create_department(hospital, service_code="outpatients")
    create_department(royal_london, service_code="npioutpatients")
    db.session.commit()
    db.session.expire_all()
    assert _successor_services(hospital) == {"outpatients": set()}


def test_retire_department(hospital):
    department = create_department(hospital, service_code="outpatients")
    retire_department(department, date(2018, 6, 30))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Department, department.id).retired_on == date(2018, 6, 30)


# -- Audit events -------------------------------------------------------------------------------


def test_each_create_writes_an_audit_event_with_the_new_values(hospital):
    department = create_department(hospital, service_code="urgent")
    trust = hospital.trust
    for record, expected in [
        (trust, {"ods_code": [None, "R1H"], "name": [None, "Barts Health NHS Trust"], "formed_on": [None, "2012-04-01"]}),
        (hospital, {"ods_code": [None, "R1HKH"], "trust_id": [None, trust.id], "kind": [None, "hospital"]}),
        (department, {"code": [None, "R1HKH-URGENT"], "hospital_id": [None, hospital.id], "service_code": [None, "urgent"]}),
    ]:
        (event,) = _events(record)
        assert event.action == "create"
        assert event.changes["id"] == [None, record.id]
        assert expected.items() <= event.changes.items()
        assert "created_at" not in event.changes


def test_retire_department_writes_an_update_event_with_before_and_after(hospital):
    department = create_department(hospital, service_code="outpatients")
    retire_department(department, date(2018, 6, 30))
    create_event, update_event = _events(department)
    assert create_event.action == "create"
    assert update_event.action == "update"
    assert update_event.changes == {"retired_on": [None, "2018-06-30"]}


def test_an_update_that_changes_nothing_writes_no_event(hospital):
    department = create_department(hospital, service_code="outpatients")
    retire_department(department, date(2018, 6, 30))
    retire_department(department, date(2018, 6, 30))
    assert [e.action for e in _events(department)] == ["create", "update"]


def test_a_rejected_create_writes_no_event(trust):
    before = _count(AuditEvent)
    with pytest.raises(ValidationError):
        create_hospital(trust, ods_code="bad", name="Nowhere")
    assert _count(AuditEvent) == before == 1
