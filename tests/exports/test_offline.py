"""The offline bundle: every hospital's page, every open action with owner and due date, the
latest issued board packs copied and linked, nothing outside the bundle; the zip download and
the command."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from sqlalchemy import select

from app.actions.models import Action
from app.audit.models import AuditEvent
from app.auth.models import User
from app.boardpacks.models import IssuedPack, IssuedPackContent
from app.boardpacks.services import issue_pack
from app.domain.actions import FINISHED
from app.exports.offline import write_offline
from app.extensions import db
from app.models_support import utcnow
from app.organisations.models import Hospital, Trust
from app.presentation import long_date
from tests.support import page_text

TODAY = date.today()


def stored_pack(trust: Trust, hospital: Hospital | None, issuer: User, pdf: bytes, days_ago: int) -> IssuedPack:
    pack = IssuedPack(trust_id=trust.id, hospital_id=hospital.id if hospital else None, title=f"Pack {days_ago}",
                      as_of=TODAY - timedelta(days=days_ago), generated_at=utcnow() - timedelta(days=days_ago),
                      generated_by_id=issuer.id, sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))
    db.session.add(pack)
    db.session.flush()
    db.session.add(IssuedPackContent(pack_id=pack.id, pdf=pdf))
    return pack


@pytest.fixture
def packs(app, demo):  # type: ignore[no-untyped-def]
    """Two packs of the trust and one of Whipps Cross, stored as issued (small stand-in PDFs):
    the bundle should carry the newer trust pack and the hospital's."""
    quality = db.session.scalar(select(User).where(User.role == "quality"))
    whipps = db.session.scalar(select(Hospital).where(Hospital.ods_code == "R1HKH"))
    older = stored_pack(demo, None, quality, b"%PDF-1.4\n% an older trust pack\n%%EOF\n", days_ago=30)
    hospital = stored_pack(demo, whipps, quality, b"%PDF-1.4\n% Whipps Cross\n%%EOF\n", days_ago=7)
    latest = stored_pack(demo, None, quality, b"%PDF-1.4\n% the latest trust pack\n%%EOF\n", days_ago=1)
    db.session.commit()
    return {"older": older.id, "hospital": hospital.id, "latest": latest.id}


@pytest.fixture
def issued_packs(packs, demo):  # type: ignore[no-untyped-def]
    """As `packs`, and then the trust's pack issued for real today (WeasyPrint), the latest."""
    quality = db.session.scalar(select(User).where(User.role == "quality"))
    latest = issue_pack(demo, TODAY, issued_by=quality, generated_at=utcnow())
    db.session.commit()
    return packs | {"older": packs["latest"], "latest": latest.id}


class Links(HTMLParser):
    """Every URL a page refers to (href, src, and the rest), every tag name, and style text."""

    URL_ATTRIBUTES = {"href", "src", "srcset", "action", "data", "poster", "background", "formaction", "manifest"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.add(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in self.URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            if name == "style" and value:
                self.styles.append(value)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_style = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_style:
            self.styles.append(data)


def links_of(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def bundle(app, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    target = tmp_path / "bundle"
    write_offline(target, TODAY, utcnow())
    db.session.rollback()
    return target


def test_every_hospital_has_a_page_with_its_grid_in_words_and_dates(app, demo, tmp_path):
    target = bundle(app, tmp_path)
    hospitals = db.session.scalars(select(Hospital)).all()
    assert len(hospitals) == 5
    index = page_text((target / "index.html").read_text(encoding="utf-8"))
    for hospital in hospitals:
        page = target / "hospitals" / f"{hospital.ods_code}.html"
        assert page.is_file(), hospital.ods_code
        text = page_text(page.read_text(encoding="utf-8"))
        assert hospital.name in text and hospital.name in index
        assert "Read-only copy, made" in text
    whipps = page_text((target / "hospitals" / "R1HKH.html").read_text(encoding="utf-8"))
    # The Whipps Cross grid mixes report dates: maternity was re-rated in 2022, the rest in 2019.
    assert "Maternity Requires improvement † 4 November 2022" in whipps
    assert "Overall for Whipps Cross University Hospital" in whipps
    assert "Outstanding" in index and "★ Outstanding" in index  # the star and the word


def test_every_open_action_is_listed_with_its_owner_and_due_date_and_overdue_in_words(app, demo, tmp_path):
    target = bundle(app, tmp_path)
    everything = page_text((target / "actions.html").read_text(encoding="utf-8"))
    actions = db.session.scalars(select(Action)).all()
    open_ones = [a for a in actions if a.status not in FINISHED]
    assert len(open_ones) == 5 and len(actions) > len(open_ones)
    for action in actions:
        if action.status in FINISHED:
            assert action.title not in everything
            continue
        owner = f"{action.owner.name} ({action.owner.job_title})"
        due = long_date(action.due_on)
        # The action's row: from its title and number to the next action's number.
        row = everything.split(f"{action.title} (action {action.id})", 1)[1].split("(action ", 1)[0]
        assert owner in row and due in row, action.title
        assert ("Overdue by" in row) == action.is_overdue(TODAY), action.title
        if action.is_overdue(TODAY):
            assert f"Overdue by {action.days_late(TODAY)} day" in row
        hospital_page = page_text((target / "hospitals" / f"{action.hospital.ods_code}.html").read_text(encoding="utf-8"))
        assert action.title in hospital_page and owner in hospital_page
    assert "Open actions (5, 3 overdue)" in page_text((target / "index.html").read_text(encoding="utf-8"))


def test_the_latest_issued_board_pack_of_each_subject_is_copied_and_linked(app, issued_packs, tmp_path):
    packs = issued_packs
    target = bundle(app, tmp_path)
    index_links = links_of(target / "index.html").urls
    copied = sorted(p.relative_to(target).as_posix() for p in (target / "board-packs").iterdir())
    assert len(copied) == 2
    for key in ("latest", "hospital"):
        pack = db.session.get(IssuedPack, packs[key])
        href = f"board-packs/{pack.filename}"
        assert href in copied and href in index_links
        stored = db.session.scalar(select(IssuedPackContent.pdf).where(IssuedPackContent.pack_id == pack.id))
        data = (target / href).read_bytes()
        assert data == stored and hashlib.sha256(data).hexdigest() == pack.sha256
        assert data.startswith(b"%PDF")
    older = db.session.get(IssuedPack, packs["older"])
    assert f"board-packs/{older.filename}" not in copied


def test_nothing_refers_outside_the_bundle(app, packs, tmp_path):
    target = bundle(app, tmp_path)
    pages = sorted(target.rglob("*.html"))
    assert len(pages) == 2 + 5
    for page in pages:
        found = links_of(page)
        assert "script" not in found.tags and "link" not in found.tags and "iframe" not in found.tags, page.name
        assert found.urls, page.name
        for url in found.urls:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc and not url.startswith("//"), (page.name, url)
            assert not url.startswith("/"), (page.name, url)
            if parts.path:
                resolved = (page.parent / unquote(parts.path)).resolve()
                assert resolved.is_file(), (page.name, url)
                assert target.resolve() in resolved.parents, (page.name, url)
        for style in found.styles:
            assert "url(" not in style and "@import" not in style, page.name
        text = page.read_text(encoding="utf-8")
        assert "https://" not in text and "http://" not in text, page.name


def test_the_zip_download_is_the_bundle_and_is_audited(app, packs, client_as):
    response = client_as("quality").get("/exports/offline.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    top = f"quality-ledger-offline-{TODAY.isoformat()}"
    assert f"filename={top}.zip" in response.headers["Content-Disposition"]
    names = set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())
    hospitals = db.session.scalars(select(Hospital.ods_code)).all()
    assert {f"{top}/index.html", f"{top}/actions.html"} <= names
    assert {f"{top}/hospitals/{code}.html" for code in hospitals} <= names
    assert len([n for n in names if n.startswith(f"{top}/board-packs/")]) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "data_exports"))
    assert event.changes["export"] == [None, "offline_bundle"] and event.changes["files"] == [None, len(names)]
    assert db.session.get(User, event.user_id).role == "quality"
    assert client_as("viewer").get("/exports/offline.zip").status_code == 403
    # The export shows on the audit log, with who and what.
    log = page_text(client_as("admin").get("/audit").get_data(as_text=True))
    assert "Data export" in log and "offline_bundle" in log


def test_the_command_writes_the_bundle_and_says_where(app, demo, runner, tmp_path):
    target = tmp_path / "2026-11-28"
    result = runner.invoke(args=["export-offline", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Wrote 7 files to {target}: 5 hospital pages, 5 open actions, 0 board packs" in result.output
    assert f"Open {target / 'index.html'}" in result.output
    assert (target / "index.html").is_file()
    assert "No board pack had been issued." in (target / "index.html").read_text(encoding="utf-8")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_kind == "data_exports"))
    assert event.user_id is None and event.changes["target"] == [None, str(target.resolve())]
