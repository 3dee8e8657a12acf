"""Importing CQC records into the ledger (app.imports.services, `flask import-cqc`): grids equal
to CQC's own current ratings, idempotence, dry runs, all or nothing, renamed services, the
monthly file, newer files, audit events and the import log. On SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.imports.models import ImportLog
from app.imports.services import ImportRefused, import_records
from app.inspections.grids import hospital_grid
from app.inspections.models import Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust, department_successions
from tests.imports.sources import FIXTURES, RECORDS, current_ratings

ALL = (FIXTURES / "locations.json").read_bytes()
TABLES = (Trust, Hospital, Department, Inspection, RatingCell, AuditEvent, ImportLog)




def grid_of(runner, code: str, as_of: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    args = ["grid", code, "--json"] + (["--as-of", as_of] if as_of else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return {(c["service"], c["key_question"]): (c["rating"], c["date"]) for c in json.loads(result.output)["cells"]}


def counts() -> dict[str, int]:
    totals = {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}
    totals["department_successions"] = db.session.scalar(select(func.count()).select_from(department_successions))
    return totals


def run(data: bytes = ALL, name: str = "locations.json", *, dry_run: bool = False, user=None):  # type: ignore[no-untyped-def]
    result = import_records(name, data, dry_run=dry_run, user=user)
    db.session.commit()
    return result


def test_importing_the_five_records_gives_grids_equal_to_their_current_ratings(app, runner):
    result = runner.invoke(args=["import-cqc", str(FIXTURES / "locations.json")])
    assert result.exit_code == 0, result.output
    assert "Imported." in result.output and "Hospitals: 5 created" in result.output
    for record in RECORDS:
        grid = grid_of(runner, record["locationId"])
        assert grid == current_ratings(record), record["locationId"]
    # Real grids mix report dates: Torbay's and North Devon's current cells come from three reports.
    assert len({day for _, day in grid_of(runner, "RA901").values()}) == 3


def test_the_same_file_twice_changes_nothing_and_says_so(app, runner):
    first = run()
    assert first.outcome == "imported"
    before = counts()
    second = run()
    assert second.nothing_changed and second.outcome == "unchanged"
    assert second.counts["rating_cells"] == {"created": 0, "changed": 0, "unchanged": first.counts["rating_cells"]["created"]}
    after = counts()
    # Only the log row of the second import and its audit event are new.
    assert after == before | {"import_logs": before["import_logs"] + 1, "audit_events": before["audit_events"] + 1}
    cli = runner.invoke(args=["import-cqc", str(FIXTURES / "locations.json")])
    assert "Nothing changed" in cli.output


def test_a_dry_run_writes_nothing_but_its_log_and_reports_what_it_would_do(app, runner):
    before = counts()
    result = run(dry_run=True)
    assert result.outcome == "dry_run"
    assert result.counts["hospitals"]["created"] == 5 and result.counts["inspections"]["created"] == 33
    assert any(line.startswith("Create hospital RA901: Torbay Hospital") for line in result.changes)
    assert counts() == before | {"import_logs": 1, "audit_events": 1}
    cli = runner.invoke(args=["import-cqc", str(FIXTURES / "locations.json"), "--dry-run"])
    assert cli.exit_code == 0
    assert "Dry run: nothing was written." in cli.output and "Would change:" in cli.output
    assert "Rating cells: 410 would be created" in cli.output
    assert counts() == before | {"import_logs": 2, "audit_events": 2}


def _bad_last(problem) -> bytes:  # type: ignore[no-untyped-def]
    records = copy.deepcopy(RECORDS)
    bad = copy.deepcopy(RECORDS[4])
    bad["locationId"] = "RK999"
    problem(bad)
    return json.dumps(records + [bad]).encode()


def _unknown_rating(record: dict) -> None:
    record["currentRatings"]["serviceRatings"][0]["keyQuestionRatings"][0]["rating"] = "Brilliant"


def _missing_id(record: dict) -> None:
    del record["providerId"]


def _bad_date(record: dict) -> None:
    record["historicRatings"][0]["reportDate"] = "2015-13-01"


@pytest.mark.parametrize(("data", "message"), [
    (_bad_last(_unknown_rating),
     "Record 5 (locationId RK999), field currentRatings.serviceRatings[0].keyQuestionRatings[0].rating: "
     "not a rating CQC uses (value: 'Brilliant')"),
    (_bad_last(_missing_id), "Record 5 (locationId RK999), field providerId: the providerId is missing (value: null)"),
    (_bad_last(_bad_date), "Record 5 (locationId RK999), field historicRatings[0].reportDate: not a date"),
    (b"\n".join(json.dumps(r).encode() for r in RECORDS) + b'\n{"locationId": "RK999", "name": ',
     "Record 5 (locationId RK999), field JSON: malformed JSON on line 6"),
])
def test_a_bad_record_last_saves_nothing_and_names_record_field_and_value(app, runner, tmp_path, data, message):
    before = counts()
    with pytest.raises(ImportRefused) as caught:
        import_records("bad.json", data, dry_run=False)
    db.session.rollback()
    assert message in caught.value.errors["file"]
    assert counts() == before
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    cli = runner.invoke(args=["import-cqc", str(path)])
    assert cli.exit_code == 1 and message in cli.output
    assert counts() == before


def test_renamed_services_are_kept_linked_to_their_successors_with_their_history(app, runner):
    run()
    torbay = db.session.scalar(select(Hospital).where(Hospital.ods_code == "RA901"))
    departments = {d.service_code: d for d in torbay.departments}
    maternity = departments["maternity"]
    assert [d.service_code for d in maternity.successors] == ["npimaternity"]
    assert [d.service_code for d in departments["outpatients"].successors] == ["npioutpatients"]
    assert maternity.retired_on == date(2018, 5, 17)
    # The old service's ratings stay in the history, and in the grid as it stood before the rename.
    assert db.session.scalar(select(func.count()).select_from(RatingCell).where(RatingCell.department_id == maternity.id)) > 0
    before_rename = grid_of(runner, "RA901", "2018-05-16")
    assert ("maternity", "Overall") in before_rename and ("npimaternity", "Overall") not in before_rename
    now = grid_of(runner, "RA901")
    assert ("maternity", "Overall") not in now and ("npimaternity", "Overall") in now


def test_the_monthly_file_gives_the_same_cells(app, runner):
    result = runner.invoke(args=["import-cqc", str(FIXTURES / "latest-ratings.csv")])
    assert result.exit_code == 0, result.output
    for record in (RECORDS[0], RECORDS[3]):
        assert grid_of(runner, record["locationId"]) == current_ratings(record)
    assert db.session.scalar(select(Trust.name).where(Trust.ods_code == "RA4")) == "Yeovil District Hospital NHS Foundation Trust"
    # The monthly file after the API's records adds nothing: its cells are already there.
    again = run((FIXTURES / "latest-ratings.csv").read_bytes(), "latest-ratings.csv")
    assert again.nothing_changed


def test_the_monthly_file_after_the_api_records_changes_only_the_trust_names(app):
    run()
    result = run((FIXTURES / "latest-ratings.csv").read_bytes(), "latest-ratings.csv")
    assert result.counts["trusts"]["changed"] == 2
    assert result.counts["rating_cells"]["created"] == 0 and result.counts["inspections"]["created"] == 0


def _newer(record: dict) -> dict:
    """The record as CQC would publish it after a focused report re-rating its one service."""
    newer = copy.deepcopy(record)
    current = newer["currentRatings"]["serviceRatings"][0]
    replaced = {key: current[key] for key in ("name", "rating", "keyQuestionRatings")}
    history = newer.setdefault("historicRatings", [])
    entry = next((h for h in history if h["reportLinkId"] == current["reportLinkId"]), None)
    if entry is None:
        entry = {"reportLinkId": current["reportLinkId"], "reportDate": current["reportDate"], "serviceRatings": []}
        history.append(entry)
    entry.setdefault("serviceRatings", []).append(replaced)
    newer["currentRatings"]["serviceRatings"][0] = {
        "name": current["name"], "rating": "Good", "reportDate": "2021-03-04", "reportLinkId": "new-report-1",
        "keyQuestionRatings": [{"name": "Safe", "rating": "Good"}, {"name": "Caring", "rating": "Outstanding"}],
    }
    newer["reports"].insert(0, {"linkId": "new-report-1", "reportDate": "2021-03-04", "reportUri": "/reports/new-report-1"})
    return newer


def test_a_newer_file_adds_the_new_report_and_keeps_the_rest(app, runner):
    mount_gould = RECORDS[4]
    run(json.dumps(mount_gould).encode())
    newer = _newer(mount_gould)
    result = run(json.dumps(newer).encode())
    assert result.counts["inspections"] == {"created": 1, "changed": 0, "unchanged": 4}
    assert result.counts["rating_cells"]["created"] == 3
    grid = grid_of(runner, "RK901")
    assert grid == current_ratings(newer) | {
        # The cells the new report did not re-rate keep their older rating and date (DOMAIN.md).
        key: value for key, value in current_ratings(mount_gould).items()
        if key[0] == "outpatients" and key[1] not in ("Overall", "Safe", "Caring")
    }
    inspection = db.session.scalar(select(Inspection).where(Inspection.report_ref == "new-report-1"))
    assert inspection.published_on == date(2021, 3, 4) and inspection.status == "published"
    assert inspection.inspection_type == "focused" and inspection.report_url == "https://www.cqc.org.uk/reports/new-report-1"


def test_every_record_created_has_its_audit_event_and_the_import_is_logged(app, make_user):
    quality = make_user("quality")
    db.session.commit()
    result = run(user=quality)
    for model in (Trust, Hospital, Department, Inspection, RatingCell):
        ids = set(db.session.scalars(select(model.id)))
        events = db.session.execute(
            select(AuditEvent.record_id, AuditEvent.user_id, AuditEvent.changes)
            .where(AuditEvent.record_kind == model.__tablename__, AuditEvent.action == "create")
        ).all()
        assert {e.record_id for e in events} == ids, model.__tablename__
        assert {e.user_id for e in events} == {quality.id}
    cell = db.session.scalars(select(RatingCell).order_by(RatingCell.id)).first()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "rating_cells", AuditEvent.record_id == cell.id))
    assert event.changes["rating"] == [None, cell.rating] and event.changes["key_question"] == [None, cell.key_question]
    maternity = db.session.scalar(select(Department).where(Department.code == "RA901-MATERNITY"))
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "departments", AuditEvent.record_id == maternity.id))
    assert created.changes["successor_ids"] == [None, [d.id for d in maternity.successors]]
    assert created.changes["retired_on"] == [None, "2018-05-17"]
    log = db.session.get(ImportLog, result.log_id)
    assert (log.file_name, log.user_id, log.dry_run, log.outcome, log.file_format) == (
        "locations.json", quality.id, False, "imported", "json")
    assert log.sha256 == result.sha256 and len(log.sha256) == 64
    assert log.counts["hospitals"] == {"created": 5, "changed": 0, "unchanged": 0}
    assert db.session.scalar(select(AuditEvent.user_id).where(
        AuditEvent.record_kind == "import_logs", AuditEvent.record_id == log.id)) == quality.id


def test_a_changed_hospital_and_rating_are_updated_with_their_before_and_after(app):
    run(json.dumps(RECORDS[4]).encode())
    changed = copy.deepcopy(RECORDS[4])
    changed["name"] = "Mount Gould Hospital (renamed)"
    changed["currentRatings"]["serviceRatings"][0]["rating"] = "Outstanding"
    result = run(json.dumps(changed).encode())
    assert result.counts["hospitals"]["changed"] == 1 and result.counts["rating_cells"]["changed"] == 1
    hospital = db.session.scalar(select(Hospital).where(Hospital.ods_code == "RK901"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "hospitals", AuditEvent.action == "update"))
    assert event.record_id == hospital.id
    assert event.changes == {"name": ["Mount Gould Hospital", "Mount Gould Hospital (renamed)"]}
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "rating_cells", AuditEvent.action == "update"))
    assert update.changes == {"rating": [RECORDS[4]["currentRatings"]["serviceRatings"][0]["rating"], "Outstanding"]}
    cells = hospital_grid(hospital, date(2026, 1, 1)).as_json()["cells"]
    assert [c["rating"] for c in cells if c["service"] == "outpatients" and c["key_question"] == "Overall"] == ["Outstanding"]


def test_a_location_under_another_trust_is_refused(app):
    run(json.dumps(RECORDS[4]).encode())
    moved = copy.deepcopy(RECORDS[4])
    moved["providerId"] = "RA9"
    with pytest.raises(ImportRefused, match="field providerId: the ledger holds this hospital under trust RK9"):
        import_records("moved.json", json.dumps(moved).encode(), dry_run=False)
    db.session.rollback()
