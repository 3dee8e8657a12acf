"""The open data export: CSV files that match their README, grids equal to `flask grid --json`,
no personal data, the formula guard, the zip download and the command."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from app.actions.services import create_action
from app.audit.models import AuditEvent
from app.auth.models import User
from app.exports.opendata import FILES, WITHHELD, write_open_data
from app.extensions import db
from app.inspections.models import Inspection
from app.inspections.services.findings import add_finding
from app.models_support import utcnow
from app.organisations.models import Hospital
from tests.support import department

TODAY = date.today()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), f"{path.name} starts with a byte-order mark"
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def readme_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """README.md's column tables: file name -> rows of (column, type, meaning, allowed)."""
    tables: dict[str, list[dict[str, str]]] = {}
    current = None
    for line in text.splitlines():
        heading = re.fullmatch(r"## (\S+\.csv)", line)
        if heading:
            current = tables.setdefault(heading.group(1), [])
        elif current is not None and line.startswith("| `"):
            column, kind, meaning, allowed = (cell.strip() for cell in line.strip("|").split(" | "))
            current.append({"column": column.strip("`"), "type": kind, "meaning": meaning, "allowed": allowed})
    return tables


def allowed_values(text: str) -> tuple[set[str] | None, bool]:
    """The README's "Allowed values" cell: the closed list (None for any) and whether empty is allowed."""
    optional = text.endswith("(may be empty)")
    text = text.removesuffix("(may be empty)").strip()
    return (None if text == "any" else set(re.findall(r"`([^`]*)`", text))), optional


def conforms(value: str, kind: str) -> bool:
    if kind == "date":
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and date.fromisoformat(value) is not None
    if kind == "integer":
        return bool(re.fullmatch(r"\d+", value))
    if kind == "yes/no":
        return value in ("yes", "no")
    if kind == "code":
        return bool(re.fullmatch(r"[A-Za-z0-9-]+", value))
    return kind == "text"


def export(runner, tmp_path: Path, name: str = "open-data") -> Path:  # type: ignore[no-untyped-def]
    target = tmp_path / name
    result = runner.invoke(args=["export-open-data", str(target)])
    assert result.exit_code == 0, result.output
    return target


def test_every_column_of_every_file_is_described_in_the_readme_and_every_cell_fits_it(app, demo, runner, tmp_path):
    target = export(runner, tmp_path)
    readme = (target / "README.md").read_text(encoding="utf-8")
    tables = readme_tables(readme)
    assert sorted(tables) == sorted(f.name for f in FILES)
    assert sorted(p.name for p in target.iterdir()) == sorted([*(f.name for f in FILES), "README.md"])
    for name, described in tables.items():
        header, rows = read_csv(target / name)
        assert header == [d["column"] for d in described], name
        assert rows, f"{name} has rows with the demo data"
        for d in described:
            assert d["type"] in ("text", "code", "integer", "date", "yes/no") and d["meaning"], (name, d)
            allowed, optional = allowed_values(d["allowed"])
            for row in rows:
                value = row[d["column"]]
                if value == "":
                    assert optional, f"{name}.{d['column']} is empty but the README says it never is"
                    continue
                assert conforms(value, d["type"]), f"{name}.{d['column']}={value!r} is not {d['type']}"
                if allowed is not None:
                    assert value in allowed, f"{name}.{d['column']}={value!r} not in the README's list"
    # The export date and CQC's licence line.
    assert f"Exported on {TODAY.isoformat()}" in readme
    assert "Contains CQC data, published by the Care Quality Commission under the Open Government Licence v3.0" in readme


def test_the_grid_file_equals_flask_grid_json_for_every_hospital(app, demo, runner, tmp_path):
    target = export(runner, tmp_path)
    _, rows = read_csv(target / "grid_cells.csv")
    hospitals = db.session.scalars(select(Hospital).order_by(Hospital.ods_code)).all()
    assert len(hospitals) == 5
    for hospital in hospitals:
        result = runner.invoke(args=["grid", hospital.ods_code, "--json"])
        expected = json.loads(result.output)["cells"]
        exported = [
            {"service": r["service_code"] or None, "key_question": r["key_question"], "rating": r["rating"],
             "date": r["report_date"]}
            for r in rows if r["hospital_code"] == hospital.ods_code
        ]
        assert exported == expected, hospital.ods_code
        assert {r["level"] for r in rows if r["hospital_code"] == hospital.ods_code} == {"service", "hospital"}
    # The trust's own row (from its trust-level review), once, with the inspection it came from.
    trust_rows = [r for r in rows if r["level"] == "trust"]
    assert [r["key_question"] for r in trust_rows] == ["Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"]
    review = db.session.get(Inspection, int(trust_rows[0]["inspection_id"]))
    assert review.hospital_id is None and trust_rows[0]["inspection_reference"] == (review.report_ref or "")
    # Every cell's inspection is in inspections.csv; internal (mock) inspections are not.
    _, inspections = read_csv(target / "inspections.csv")
    ids = {r["inspection_id"] for r in inspections}
    assert {r["inspection_id"] for r in rows} <= ids
    mock_ids = set(db.session.scalars(select(Inspection.id).where(Inspection.source != "official")))
    assert mock_ids and not ({str(i) for i in mock_ids} & ids)


def test_no_name_or_email_of_any_user_is_in_any_file(app, demo, runner, tmp_path):
    quality = db.session.scalar(select(User).where(User.email == "quality@demo.quality-ledger.test"))
    lead = db.session.scalar(select(User).where(User.email == "midwifery-lead@demo.quality-ledger.test"))
    whipps = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    create_action(
        hospital=whipps, department=department("R1HKH", "npimaternity"), owner=lead, due_on=TODAY + timedelta(days=30),
        title=f"Ask {lead.name} to re-run the staffing review",
        description=f"Contact {quality.email} or {quality.name} on extension 4021.", actor=quality,
    )
    db.session.commit()
    target = export(runner, tmp_path)
    everything = "\n".join(p.read_text(encoding="utf-8") for p in target.iterdir())
    for name, email in db.session.execute(select(User.name, User.email)):
        assert name not in everything and email not in everything, name
    assert "extension 4021" not in everything  # descriptions never leave
    _, actions = read_csv(target / "actions.csv")
    mine = actions[-1]
    assert mine["title"] == WITHHELD
    assert mine["owner_role_title"] == "Head of midwifery, Whipps Cross"
    assert set(actions[0]) == {c.name for c in FILES[3].columns}


def test_text_a_spreadsheet_would_run_as_a_formula_is_defused(app, demo, runner, tmp_path):
    quality = db.session.scalar(select(User).where(User.email == "quality@demo.quality-ledger.test"))
    whipps = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    create_action(hospital=whipps, owner=quality, due_on=TODAY, title='=HYPERLINK("http://evil.example","x")', actor=quality)
    inspection = db.session.scalar(
        select(Inspection).where(Inspection.hospital_id == whipps.id, Inspection.source == "official").limit(1)
    )
    finding = add_finding(inspection, kind="should_do", text="+SUM(1,2) and @cmd", actor=quality)
    db.session.commit()
    finding_id = str(finding.id)
    target = export(runner, tmp_path)
    _, actions = read_csv(target / "actions.csv")
    _, findings = read_csv(target / "findings.csv")
    assert actions[-1]["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert next(f for f in findings if f["finding_id"] == finding_id)["text"] == "'+SUM(1,2) and @cmd"
    for path in target.glob("*.csv"):
        _, rows = read_csv(path)
        for row in rows:
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, value)


def test_the_command_prints_its_counts_audits_the_export_and_refuses_a_folder_in_use(app, demo, runner, tmp_path):
    target = tmp_path / "out"
    result = runner.invoke(args=["export-open-data", str(target)])
    assert result.exit_code == 0, result.output
    assert "grid_cells.csv: " in result.output and "actions.csv: 10 rows" in result.output
    assert f"Wrote 5 files to {target}" in result.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "data_exports"))
    assert event.action == "create" and event.user_id is None and event.record_id == 1
    assert event.changes["export"] == [None, "open_data"] and event.changes["files"] == [None, 5]
    again = runner.invoke(args=["export-open-data", str(target)])
    assert again.exit_code != 0 and "is not an empty folder" in again.output
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.record_id == 2, AuditEvent.record_kind == "data_exports")) is None


def test_the_zip_download_holds_the_same_files_and_is_audited(app, demo, client_as, tmp_path):
    client = client_as("quality")
    response = client.get("/exports/open-data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    top = f"quality-ledger-open-data-{TODAY.isoformat()}"
    assert f'filename={top}.zip' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert names == sorted(f"{top}/{n}" for n in [*(f.name for f in FILES), "README.md"])
    db.session.rollback()
    write_open_data(tmp_path / "same", TODAY, utcnow())
    for data_file in FILES:
        assert archive.read(f"{top}/{data_file.name}") == (tmp_path / "same" / data_file.name).read_bytes()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "data_exports"))
    assert event.user_id is not None and db.session.get(User, event.user_id).role == "quality"
    assert event.changes["target"] == [None, f"download {top}.zip"]


def test_the_exports_page_explains_both_and_only_quality_and_admin_may_download(app, demo, client_as):
    page = client_as("admin").get("/exports")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/exports/open-data.zip" in text and "/exports/offline.zip" in text
    for data_file in FILES:
        assert data_file.name in text
    assert client_as("viewer").get("/exports/open-data.zip").status_code == 403
    lead = client_as("lead", departments=[department("R1HKH", "urgent")])
    assert lead.get("/exports/open-data.zip").status_code == 403
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.record_kind == "data_exports")) is None


def test_the_person_guard_matches_names_as_words_in_any_case_and_any_email_address(app, demo):
    from app.exports.opendata.snapshot import PersonGuard

    guard = PersonGuard()
    for text in ("Ask grace MENSAH to re-run it", "Tom Okafor's team", "Dr Tom Okafor", "mail pals@trust.nhs.uk",
                 "Helen Carter."):
        assert guard(text) == WITHHELD, text
    for text in ("Recruit to the full midwifery establishment", "Grace period for audits", "Tom's triage"):
        assert guard(text) == text, text
    assert guard(None) == "" and guard("") == ""
