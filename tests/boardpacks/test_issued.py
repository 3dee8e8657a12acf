"""Issuing a pack to the board: the bytes kept as issued, audited, re-downloaded unchanged after
the data changed; who may issue; and the command line."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import date

from sqlalchemy import func, select

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.boardpacks.models import IssuedPack
from app.extensions import db
from app.inspections.models import RatingCell


def _issue(client, subject: str = "R1HKH", as_of: date | None = None):  # type: ignore[no-untyped-def]
    return client.post("/board-packs/issue", data={"subject": subject, "as_of": (as_of or date.today()).isoformat()})


def test_an_issued_pack_redownloads_byte_identical_after_its_data_changed(demo, make_user, client_of):
    quality = make_user("quality", name="Quinn Quality")
    response = _issue(client_of(quality))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/board-packs/issued/R1H")
    pack = db.session.scalars(select(IssuedPack)).one()
    assert (pack.trust.ods_code, pack.hospital.ods_code, pack.as_of) == ("R1H", "R1HKH", date.today())
    assert pack.generated_by_id == quality.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.record_kind == "issued_packs")).one()
    assert (event.action, event.record_id, event.user_id) == ("create", pack.id, quality.id)
    assert event.changes["sha256"] == [None, pack.sha256]

    viewer = client_of(make_user("viewer"))
    first = viewer.get(f"/board-packs/issued-pack/{pack.id}")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Cache-Control"] == "no-store"
    assert first.headers["ETag"] == f'"{pack.sha256}"'
    assert "attachment" in first.headers["Content-Disposition"]
    assert hashlib.sha256(first.data).hexdigest() == pack.sha256 and len(first.data) == pack.size

    # The data changes: an action is renamed, a rating cell changes.
    action = db.session.scalars(select(Action).where(Action.title.like("All midwives%"))).one()
    action.title = "Renamed after the pack was issued"
    cell = db.session.scalars(select(RatingCell).where(RatingCell.rating == "Requires improvement")).first()
    cell.rating = "Inadequate"
    db.session.commit()
    fresh = viewer.get("/board-packs/pack.pdf?subject=R1HKH").data
    assert hashlib.sha256(fresh).hexdigest() != pack.sha256

    again = viewer.get(f"/board-packs/issued-pack/{pack.id}")
    assert again.data == first.data

    listing = viewer.get("/board-packs/issued/R1H")
    assert listing.status_code == 200
    assert "Whipps Cross University Hospital" in listing.text and "Quinn Quality" in listing.text
    assert pack.sha256[:8] in listing.text


def test_redownloading_an_issued_pack_takes_under_20_ms(demo, quality_client, viewer_client):
    assert _issue(quality_client, "R1H").status_code == 302
    pack_id = db.session.scalar(select(IssuedPack.id))
    db.session.commit()
    timings = []
    for _ in range(20):
        started = time.perf_counter()
        response = viewer_client.get(f"/board-packs/issued-pack/{pack_id}")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    assert statistics.median(timings) < 0.020, f"median {statistics.median(timings) * 1000:.1f} ms"


def test_only_the_quality_team_may_issue(demo, client_as):
    department = db.session.scalars(select(Action.department_id).where(Action.department_id.is_not(None))).first()
    from app.organisations.models import Department

    for role in ("admin", "lead", "viewer"):
        departments = [db.session.get(Department, department)] if role == "lead" else ()
        assert _issue(client_as(role, departments)).status_code == 403
    assert db.session.scalar(select(func.count(IssuedPack.id))) == 0


def test_an_issue_with_a_bad_choice_saves_nothing_and_says_why(demo, quality_client):
    response = quality_client.post("/board-packs/issue", data={"subject": "NOPE", "as_of": "2016-02-30"})
    assert response.status_code == 400
    assert "Choose the trust or the hospital" in response.text
    assert "Enter the date of the position as a real date" in response.text
    assert db.session.scalar(select(func.count(IssuedPack.id))) == 0


def test_a_failed_render_issues_nothing(demo, app, quality_client, tmp_path):
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    app.static_folder = str(tmp_path)
    response = _issue(quality_client)
    assert response.status_code == 503 and "could not be made into a PDF" in response.text
    assert db.session.scalar(select(func.count(IssuedPack.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_an_unknown_issued_pack_is_a_404(demo, viewer_client):
    assert viewer_client.get("/board-packs/issued-pack/999").status_code == 404
    assert viewer_client.get("/board-packs/issued/XXX").status_code == 404


# -- The command line -------------------------------------------------------------------------


def test_the_command_writes_the_pdf(demo, runner, tmp_path):
    target = tmp_path / "r1h.pdf"
    result = runner.invoke(args=["board-pack", "R1H", "--as-of", "2019-06-01", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Barts Health NHS Trust" in result.output
    assert target.read_bytes().startswith(b"%PDF-")


def test_the_command_writes_standalone_html(demo, runner, tmp_path):
    target = tmp_path / "whipps.html"
    result = runner.invoke(args=["board-pack", "r1hkh", "--html", str(target)])
    assert result.exit_code == 0, result.output
    html = target.read_text()
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html and "@page" in html
    assert "Whipps Cross University Hospital" in html and "<link" not in html


def test_the_command_refuses_unclear_requests(demo, runner, tmp_path):
    both = runner.invoke(args=["board-pack", "R1H", "--output", str(tmp_path / "a.pdf"), "--html", str(tmp_path / "a.html")])
    assert both.exit_code != 0 and "exactly one of --output" in both.output
    neither = runner.invoke(args=["board-pack", "R1H"])
    assert neither.exit_code != 0 and "exactly one of --output" in neither.output
    unknown = runner.invoke(args=["board-pack", "XYZ", "--output", str(tmp_path / "a.pdf")])
    assert unknown.exit_code != 0 and "no trust or hospital with the code XYZ" in unknown.output
    bad_date = runner.invoke(args=["board-pack", "R1H", "--as-of", "31/12/2020", "--output", str(tmp_path / "a.pdf")])
    assert bad_date.exit_code != 0 and "YYYY-MM-DD" in bad_date.output
    no_folder = runner.invoke(args=["board-pack", "R1H", "--output", str(tmp_path / "missing" / "a.pdf")])
    assert no_folder.exit_code != 0 and "does not exist" in no_folder.output
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob("*.html"))
