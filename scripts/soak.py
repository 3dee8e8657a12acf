"""Soak test: many signed-in clients against gunicorn for a bounded time, then a check that no
acknowledged write was lost and every stale edit was refused.

    .venv/bin/python scripts/soak.py                          # 60 s on a throwaway SQLite file
    .venv/bin/python scripts/soak.py --database-url postgresql://USER@127.0.0.1:5432/soak_db
    .venv/bin/python scripts/soak.py --seconds 20 --clients 20 --summary soak.json

What it does (localhost only; standard library plus the app itself for the database work):
1. prepares the database: migrations, the demo trust (`seed-demo`), and for this run its own
   users (department leads and quality users with a known password), actions in the leads'
   departments and one draft inspection per quality user, all through the app's services;
2. starts gunicorn (`--workers 2` by default) on a free port of 127.0.0.1;
3. signs every client in through the real sign-in form (with its CSRF token), then runs them
   at once for `--seconds`: about 80 % of requests are reads (home, trust, hospital, department,
   actions board, My actions, an inspection, an action) and 20 % writes (progress updates,
   completing and sending back actions, action edits, inspection edits, evidence uploads),
   each write carrying a unique marker; some edits (of an action, its progress, an inspection)
   are sent again on purpose with the version they were opened on after it changed (stale):
   each of those must get 409;
4. stops gunicorn and checks in the database that every acknowledged write (2xx/3xx) is there
   (its marker, its file by SHA-256, an action edit on exactly the version it was opened on) and
   that no stale edit left a trace.

It prints and writes a JSON summary (requests served, per-kind counts, p50/p95 latency, status
counts, 5xx, lost updates, stale edits and their 409s) and exits 1 on any violation: a 5xx, a
transport error, a lost update, a stale edit not refused with 409 or not fully refused, an
unexpected status, or fewer requests served than `--min-requests`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from hashlib import sha256
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "soak test passphrase 2026 x"
HOST = "127.0.0.1"


# -- Reading forms out of pages ------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self, **override: str) -> list[tuple[str, str]]:
        kept = [(k, v) for k, v in self.fields if k not in override]
        return kept + list(override.items())

    def value(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class FormParser(HTMLParser):
    """Every <form> of a page with the values a browser would send as it stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea = (a["name"], [])
        elif tag == "select":
            self._select = (a["name"], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea and self._form:
            text = "".join(self._textarea[1])
            self._form.fields.append((self._textarea[0], text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else "".join(text).strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form:
            name, options = self._select
            chosen = [v for v, s in options if s] or [v for v, _ in options[:1]]
            self._form.fields.extend((name, v) for v in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, suffix: str) -> Form | None:
    return next((f for f in forms_of(html) if f.method == "post" and f.action.split("?")[0].endswith(suffix)), None)


# -- Preparing the database ----------------------------------------------------------------------


def app_for(database_url: str, upload_folder: str):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.config import _database_url

    os.environ["DATABASE_URL"] = database_url
    return create_app({
        "SQLALCHEMY_DATABASE_URI": _database_url(Path(tempfile.gettempdir())),
        "UPLOAD_FOLDER": upload_folder,
        "TESTING": True,  # no production start-up check for this helper's own app object
        "SECRET_KEY": secrets.token_hex(32),
    })


def prepare(app: Any, *, leads: int, quality: int, run: str) -> dict[str, Any]:
    """Migrations, the demo trust, and this run's users, actions and draft inspections."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from app.actions import services as actions
    from app.auth.passwords import hash_password
    from app.auth.services import create_user
    from app.demo.services import seed_demo
    from app.extensions import db
    from app.inspections import services as inspections
    from app.organisations.models import Department, Hospital, Trust

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        db.session.commit()
        trust = db.session.scalar(select(Trust).where(Trust.ods_code == "R1H"))
        hospitals = db.session.scalars(select(Hospital).where(Hospital.trust_id == trust.id).order_by(Hospital.id)).all()
        departments = db.session.scalars(
            select(Department).where(Department.retired_on.is_(None), Department.hospital_id.in_([h.id for h in hospitals]))
            .order_by(Department.id)
        ).all()
        password_hash = hash_password(PASSWORD)
        due = date.today() + timedelta(days=90)
        plan: dict[str, Any] = {"clients": [], "actions": [], "inspections": [],
                                "hospitals": [h.ods_code for h in hospitals],
                                "departments": [d.id for d in departments], "trust": trust.ods_code}
        for n in range(leads):
            department = departments[n % len(departments)]
            lead = create_user(email=f"soak-lead-{n}-{run}@soak.test", name=f"Soak lead {n}", role="lead",
                               departments=[department], password_hash=password_hash)
            owned = []
            for k in range(2):
                action = actions.create_action(
                    hospital=department.hospital, department=department, owner=lead, due_on=due,
                    title=f"Soak action {n}.{k} {run}", priority="medium",
                )
                db.session.flush()
                owned.append(action.id)
            plan["actions"] += owned
            plan["clients"].append({"email": lead.email, "role": "lead", "actions": owned})
        for n in range(quality):
            user = create_user(email=f"soak-quality-{n}-{run}@soak.test", name=f"Soak quality {n}", role="quality",
                               departments=[], password_hash=password_hash)
            hospital = hospitals[n % len(hospitals)]
            inspection = inspections.create_inspection(
                trust, hospital=hospital, inspection_type="focused", source="mock", notice="unannounced",
                summary=f"Soak draft {n} {run}",
            )
            db.session.flush()
            plan["inspections"].append(inspection.id)
            plan["clients"].append({"email": user.email, "role": "quality", "inspection": inspection.id})
        from app.inspections.models import Inspection

        plan["read_inspections"] = db.session.scalars(
            select(Inspection.id).where(Inspection.trust_id == trust.id).order_by(Inspection.id).limit(20)
        ).all()
        db.session.commit()
        return plan


# -- HTTP ----------------------------------------------------------------------------------------


class TransportError(Exception):
    pass


@dataclass
class Result:
    kind: str
    method: str
    status: int
    seconds: float


class Client:
    """One browser: its own cookies, one request at a time, each on a new connection (gunicorn's
    sync workers close the connection after every response)."""

    def __init__(self, port: int, results: list[Result], lock: threading.Lock):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.results = results
        self.lock = lock

    def request(self, kind: str, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        started = time.perf_counter()
        connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            with self.lock:
                self.results.append(Result(kind, method, -1, time.perf_counter() - started))
            raise TransportError(f"{method} {path}: {error!r}") from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        with self.lock:
            self.results.append(Result(kind, method, response.status, time.perf_counter() - started))
        return response.status, text

    def get(self, kind: str, path: str) -> tuple[int, str]:
        return self.request(kind, "GET", path)

    def post(self, kind: str, path: str, fields: list[tuple[str, str]],
             files: list[tuple[str, str, bytes]] = ()) -> tuple[int, str]:  # type: ignore[assignment]
        if not files:
            return self.request(kind, "POST", path, urlencode(fields).encode(), "application/x-www-form-urlencoded")
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, filename, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(kind, "POST", path, b"".join(parts), f"multipart/form-data; boundary={boundary}")

    def sign_in(self, email: str) -> None:
        status, page = self.get("sign-in", "/sign-in")
        form = form_posting_to(page, "/sign-in") or Form("/sign-in", "post", "")
        status, _ = self.post("sign-in", "/sign-in", form.values(email=email, password=PASSWORD))
        if status != 302:
            raise RuntimeError(f"signing in as {email} answered {status}, not 302")


# -- The workload --------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the clients were told: acknowledged writes and stale edits, by marker."""

    acked: list[dict[str, Any]] = field(default_factory=list)
    stale: list[dict[str, Any]] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # (kind, status) of every write
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, kind: str, status: int, **record: Any) -> bool:
        with self.lock:
            self.outcomes[(kind, status)] += 1
            if 200 <= status < 400:
                self.acked.append({"kind": kind, **record})
                return True
            if status not in (400, 409):
                # 400: the action changed state meanwhile (completed by another client);
                # 409: another client's change came first. Anything else is wrong.
                self.unexpected.append(f"{kind} answered {status}: {record}")
        return False


def marker(kind: str) -> str:
    return f"soak-{kind}-{uuid.uuid4().hex}"


class Worker(threading.Thread):
    def __init__(self, spec: dict[str, Any], plan: dict[str, Any], client: Client, ledger: Ledger,
                 deadline: list[float], write_share: float, stale_share: float, seed: int):
        super().__init__(daemon=True)
        self.spec, self.plan, self.client, self.ledger = spec, plan, client, ledger
        self.deadline, self.stale_share = deadline, stale_share
        # Each write operation is two requests (its form page, then the post): choosing one with
        # probability p makes p / (1 + p) of requests posts, so p = share / (1 - share).
        self.write_chance = write_share / (1 - write_share)
        self.random = random.Random(seed)
        self.errors: list[str] = []

    def run(self) -> None:
        while time.monotonic() < self.deadline[0]:
            try:
                if self.random.random() < self.write_chance:
                    self.write()
                else:
                    self.read()
            except TransportError as error:
                self.errors.append(str(error))
            except Exception as error:  # noqa: BLE001 - a soak client reports, never dies silently
                self.errors.append(f"{type(error).__name__}: {error}")

    # Reads ------------------------------------------------------------------------------------

    def read(self) -> None:
        plan, pick = self.plan, self.random.choice
        kind, path = pick([
            ("home", "/"),
            ("trust", f"/trusts/{plan['trust']}"),
            ("hospital", f"/hospitals/{pick(plan['hospitals'])}"),
            ("hospital-as-of", f"/hospitals/{pick(plan['hospitals'])}?as_of=2017-06-01"),
            ("department", f"/departments/{pick(plan['departments'])}"),
            ("actions-board", "/actions"),
            ("my-actions", "/actions/mine"),
            ("inspection", f"/inspections/{pick(plan['read_inspections'])}"),
            ("action", f"/actions/{pick(plan['actions'])}"),
        ])
        status, _ = self.client.get(kind, path)
        if status != 200:
            with self.ledger.lock:
                self.ledger.unexpected.append(f"read {path} answered {status}")

    # Writes -----------------------------------------------------------------------------------

    def write(self) -> None:
        if self.spec["role"] == "lead":
            action_id = self.random.choice(self.spec["actions"])
            roll = self.random.random()
            if roll < self.stale_share:
                self.complete_then_stale_update(action_id)
            elif roll < 0.6:
                self.progress_update(action_id)
            else:
                self.upload(action_id)
        else:
            roll = self.random.random()
            if roll < self.stale_share:
                self.edit_then_stale_edit(self.random.choice(self.plan["actions"]))
            elif roll < 0.5:
                self.edit_inspection()
            elif roll < 0.75:
                self.edit_action(self.random.choice(self.plan["actions"]))
            else:
                self.send_back(self.random.choice(self.plan["actions"]))

    def _action_page(self, action_id: int) -> str | None:
        status, page = self.client.get("action", f"/actions/{action_id}")
        return page if status == 200 else None

    def progress_update(self, action_id: int) -> None:
        page = self._action_page(action_id)
        form = page and form_posting_to(page, f"/actions/{action_id}/updates")
        if not form:  # completed meanwhile: no progress until the quality team sends it back
            return
        text = marker("update")
        status, _ = self.client.post("progress-update", form.action, form.values(text=text, percent_complete="50"))
        self.ledger.write("progress-update", status, marker=text, action=action_id)

    def upload(self, action_id: int) -> None:
        page = self._action_page(action_id)
        form = page and form_posting_to(page, f"/actions/{action_id}/evidence")
        if not form:
            return
        title = marker("upload")
        content = f"marker,written\n{title},{time.time()}\n".encode()
        status, _ = self.client.post("upload", form.action, form.values(title=title, replaces=""),
                                     files=[("file", f"{title}.csv", content)])
        self.ledger.write("upload", status, marker=title, sha256=sha256(content).hexdigest(), action=action_id)

    def complete_then_stale_update(self, action_id: int) -> None:
        """Complete the action (a new version), then post an update on the version the page
        was opened on: stale, so 409 and nothing saved."""
        page = self._action_page(action_id)
        update = page and form_posting_to(page, f"/actions/{action_id}/updates")
        complete = page and form_posting_to(page, f"/actions/{action_id}/complete")
        if not (update and complete):
            return
        text = marker("complete")
        status, _ = self.client.post("complete", complete.action, complete.values(text=text))
        if not self.ledger.write("complete", status, marker=text, action=action_id) and status != 409:
            return
        stale = marker("stale-update")
        status, _ = self.client.post("stale-update", update.action, update.values(text=stale))
        with self.ledger.lock:
            self.ledger.stale.append({"kind": "stale-update", "marker": stale, "status": status, "action": action_id})

    def send_back(self, action_id: int) -> None:
        page = self._action_page(action_id)
        form = page and form_posting_to(page, f"/actions/{action_id}/send-back")
        if not form:  # only a completed action can be sent back
            return
        text = marker("send-back")
        status, _ = self.client.post("send-back", form.action, form.values(comment=text))
        self.ledger.write("send-back", status, marker=text, action=action_id)

    def _edit_form(self, action_id: int) -> Form | None:
        status, page = self.client.get("action-edit-form", f"/actions/{action_id}/edit")
        return form_posting_to(page, f"/actions/{action_id}/edit") if status == 200 else None

    def edit_action(self, action_id: int) -> None:
        form = self._edit_form(action_id)
        if form is None:
            return
        title = marker("edit")
        status, _ = self.client.post("action-edit", form.action, form.values(title=title))
        self.ledger.write("action-edit", status, marker=title, action=action_id, version=int(form.value("version") or 0))

    def edit_then_stale_edit(self, action_id: int) -> None:
        form = self._edit_form(action_id)
        if form is None:
            return
        title = marker("edit")
        status, _ = self.client.post("action-edit", form.action, form.values(title=title))
        acked = self.ledger.write("action-edit", status, marker=title, action=action_id,
                                  version=int(form.value("version") or 0))
        if not acked and status != 409:
            return
        stale = marker("stale-edit")
        status, _ = self.client.post("stale-edit", form.action, form.values(title=stale))
        with self.ledger.lock:
            self.ledger.stale.append({"kind": "stale-edit", "marker": stale, "status": status, "action": action_id})

    def edit_inspection(self) -> None:
        inspection_id = self.spec["inspection"]
        status, page = self.client.get("inspection-edit-form", f"/inspections/{inspection_id}/edit")
        form = form_posting_to(page, f"/inspections/{inspection_id}/edit") if status == 200 else None
        if form is None:
            return
        text = marker("inspection")
        status, _ = self.client.post("inspection-edit", form.action, form.values(summary=text))
        acked = self.ledger.write("inspection-edit", status, marker=text, inspection=inspection_id, at=time.monotonic())
        if acked and self.random.random() < self.stale_share:
            # The same form again, on the version it was opened on: the edit just made it stale.
            stale = marker("stale-inspection")
            status, _ = self.client.post("stale-inspection-edit", form.action, form.values(summary=stale))
            with self.ledger.lock:
                self.ledger.stale.append({"kind": "stale-inspection-edit", "marker": stale, "status": status})


# -- Checking the database -----------------------------------------------------------------------


def verify(app: Any, ledger: Ledger, upload_folder: str) -> dict[str, Any]:
    """Every acknowledged write in the database; no trace of any stale edit."""
    from sqlalchemy import select

    from app.actions.models import ActionUpdate, Evidence
    from app.audit.models import AuditEvent
    from app.extensions import db
    from app.files.models import StoredFile
    from app.inspections.models import Inspection

    lost: list[str] = []
    with app.app_context():
        notes = Counter(t for (t,) in db.session.execute(select(ActionUpdate.text)))
        note_markers = Counter()
        for text, count in notes.items():
            for word in text.split():
                if word.startswith("soak-"):
                    note_markers[word] += count
        evidence = {
            title: (sha, key)
            for title, sha, key in db.session.execute(
                select(Evidence.title, StoredFile.sha256, StoredFile.storage_key).join(StoredFile, Evidence.file_id == StoredFile.id)
            )
        }
        edits: dict[str, list[Any]] = {}
        summaries: dict[str, list[Any]] = {}
        trace = set()
        for kind, changes in db.session.execute(
            select(AuditEvent.record_kind, AuditEvent.changes).where(AuditEvent.record_kind.in_(("actions", "inspections")))
        ):
            changes = changes or {}
            if kind == "actions" and "title" in changes:
                edits[changes["title"][1]] = changes.get("version") or []
            if kind == "inspections" and "summary" in changes:
                summaries[changes["summary"][1]] = changes
            trace.update(str(v) for pair in changes.values() if isinstance(pair, list) for v in pair)
        current = dict(db.session.execute(select(Inspection.id, Inspection.summary)).all())

        last_inspection_edit: dict[int, dict[str, Any]] = {}
        for write in ledger.acked:
            kind, mark = write["kind"], write["marker"]
            if kind in ("progress-update", "complete", "send-back"):
                if note_markers[mark] != 1:
                    lost.append(f"{kind} {mark}: {note_markers[mark]} notes with it, not 1")
            elif kind == "upload":
                found = evidence.get(mark)
                if found is None:
                    lost.append(f"upload {mark}: no evidence with that title")
                elif found[0] != write["sha256"]:
                    lost.append(f"upload {mark}: stored SHA-256 differs from what was sent")
                else:
                    path = Path(upload_folder) / found[1]
                    if not path.is_file() or sha256(path.read_bytes()).hexdigest() != write["sha256"]:
                        lost.append(f"upload {mark}: the file on disk is missing or differs")
            elif kind == "action-edit":
                versions = edits.get(mark)
                if versions is None:
                    lost.append(f"action edit {mark}: not in the action's history")
                elif list(versions) != [write["version"], write["version"] + 1]:
                    lost.append(f"action edit {mark}: saved over version {versions}, opened on {write['version']}")
            elif kind == "inspection-edit":
                if mark not in summaries:
                    lost.append(f"inspection edit {mark}: not in the inspection's history")
                previous = last_inspection_edit.get(write["inspection"])
                if previous is None or write["at"] > previous["at"]:
                    last_inspection_edit[write["inspection"]] = write
        for inspection_id, write in last_inspection_edit.items():
            if current.get(inspection_id) != write["marker"]:
                lost.append(f"inspection {inspection_id}: summary is not its last acknowledged edit {write['marker']}")
        from app.actions.models import Action

        titles = {t for (t,) in db.session.execute(select(Evidence.title))}
        titles |= {t for (t,) in db.session.execute(select(Action.title))}
        titles |= {t for t in current.values() if t}
        leaked = [
            s["marker"] for s in ledger.stale
            if note_markers[s["marker"]] or s["marker"] in trace or s["marker"] in titles
        ]
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "stale_saved": leaked}


# -- Running it ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(database_url: str, upload_folder: str, workers: int, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "UPLOAD_FOLDER": upload_folder,
        "SECRET_KEY": secrets.token_hex(32),
        "FLASK_DEBUG": "0",
    })
    # The production settings (gunicorn.conf.py) when the project has them; workers, address and
    # log file from here.
    config = ["-c", str(ROOT / "gunicorn.conf.py")] if (ROOT / "gunicorn.conf.py").is_file() else []
    command = [sys.executable, "-m", "gunicorn", *config, "--workers", str(workers), "--bind", f"{HOST}:{port}",
               "--error-logfile", str(log), "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    until = time.monotonic() + 60
    while time.monotonic() < until:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/sign-in")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"gunicorn did not answer on {HOST}:{port} within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise(results: list[Result], ledger: Ledger, checked: dict[str, Any], errors: list[str],
              seconds: float, args: argparse.Namespace, database: str) -> dict[str, Any]:
    timed = [r for r in results if r.kind != "sign-in"]
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in timed:
        by_kind[r.kind].append(r)
    stale = ledger.stale
    summary = {
        "database": database,
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(seconds, 1),
        "requests": len(timed),
        "requests_per_second": round(len(timed) / seconds, 1) if seconds else 0,
        "reads": sum(1 for r in timed if r.method == "GET"),
        "writes": sum(1 for r in timed if r.method == "POST"),
        "latency_ms": {"p50": round(percentile([r.seconds for r in timed], 0.5) * 1000, 1),
                       "p95": round(percentile([r.seconds for r in timed], 0.95) * 1000, 1)},
        "kinds": {
            kind: {"count": len(rs),
                   "statuses": dict(sorted(Counter(str(r.status) for r in rs).items())),
                   "p50_ms": round(percentile([r.seconds for r in rs], 0.5) * 1000, 1),
                   "p95_ms": round(percentile([r.seconds for r in rs], 0.95) * 1000, 1)}
            for kind, rs in sorted(by_kind.items())
        },
        "server_errors_5xx": sum(1 for r in results if r.status >= 500),
        "transport_errors": sum(1 for r in results if r.status < 0),
        "acknowledged_writes": len(ledger.acked),
        "acknowledged_by_kind": dict(Counter(w["kind"] for w in ledger.acked)),
        "lost_updates": len(checked["lost"]),
        "stale_edits": len(stale),
        "stale_refused_409": sum(1 for s in stale if s["status"] == 409),
        "stale_saved": len(checked["stale_saved"]),
        "unexpected": ledger.unexpected[:20],
        "unexpected_count": len(ledger.unexpected),
        "client_errors": errors[:20],
        "lost": checked["lost"][:20],
    }
    violations = []
    if summary["server_errors_5xx"]:
        violations.append(f"{summary['server_errors_5xx']} responses were 5xx")
    if summary["transport_errors"] or errors:
        violations.append(f"{len(errors)} client errors (connections refused or reset)")
    if summary["lost_updates"]:
        violations.append(f"{summary['lost_updates']} acknowledged writes are not in the database")
    if summary["stale_refused_409"] != summary["stale_edits"]:
        violations.append(f"{summary['stale_edits'] - summary['stale_refused_409']} stale edits were not refused with 409")
    if summary["stale_saved"]:
        violations.append(f"{summary['stale_saved']} stale edits left a trace in the database")
    if ledger.unexpected:
        violations.append(f"{len(ledger.unexpected)} unexpected statuses")
    if summary["requests"] < args.min_requests:
        violations.append(f"only {summary['requests']} requests served, fewer than {args.min_requests}")
    if args.stale_share > 0 and not stale:
        violations.append("no stale edit was sent")
    summary["violations"] = violations
    summary["ok"] = not violations
    return summary


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ql-soak-"))
    database_url = args.database_url or f"sqlite:///{work / 'soak.sqlite'}"
    if not database_url.startswith(("sqlite", "postgres")):
        raise SystemExit("--database-url must be a SQLite or PostgreSQL URL")
    upload_folder = str(work / "uploads")
    leads = round(args.clients * args.lead_share)
    app = app_for(database_url, upload_folder)
    run_id = uuid.uuid4().hex[:8]
    plan = prepare(app, leads=leads, quality=args.clients - leads, run=run_id)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
        kind = db.engine.dialect.name

    port = args.port or free_port()
    log = work / "gunicorn.log"
    server = start_server(database_url, upload_folder, args.workers, port, log)
    results: list[Result] = []
    lock = threading.Lock()
    ledger = Ledger()
    deadline = [float("inf")]
    try:
        clients = [Client(port, results, lock) for _ in plan["clients"]]
        # Sign everyone in first (each sign-in is a deliberately slow password check).
        signers = [threading.Thread(target=c.sign_in, args=(s["email"],)) for c, s in zip(clients, plan["clients"])]
        for t in signers:
            t.start()
        for t in signers:
            t.join()
        if any(not c.cookies for c in clients):
            raise RuntimeError("a client could not sign in")
        workers = [
            Worker(spec, plan, client, ledger, deadline, args.write_share, args.stale_share, args.seed + n)
            for n, (spec, client) in enumerate(zip(plan["clients"], clients))
        ]
        del results[:]  # the clock starts now: sign-ins are not part of the figures
        started = time.monotonic()
        deadline[0] = started + args.seconds
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
    finally:
        stop_server(server)
    checked = verify(app, ledger, upload_folder)
    errors = [e for w in workers for e in w.errors]
    summary = summarise(results, ledger, checked, errors, elapsed, args, kind)
    summary["server_log"] = str(log)
    if summary["ok"] and not args.keep:
        shutil.rmtree(work, ignore_errors=True)  # the database, uploads and log of a clean run
        del summary["server_log"]
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL", ""),
                        help="SQLite or PostgreSQL URL (default: a new SQLite file in a temporary folder)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port on 127.0.0.1")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of requests that are posts")
    parser.add_argument("--stale-share", type=float, default=0.15, help="share of writes that also send a stale edit")
    parser.add_argument("--lead-share", type=float, default=0.6, help="share of clients that are department leads")
    parser.add_argument("--min-requests", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--summary", help="write the JSON summary here too")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (SQLite file, uploads, gunicorn log) after a clean run")
    args = parser.parse_args(argv)
    if not 0 < args.write_share < 1:
        parser.error("--write-share must be between 0 and 1")
    summary = run(args)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.summary:
        Path(args.summary).write_text(text + "\n", encoding="utf-8")
    for problem in summary["violations"]:
        print(f"FAIL: {problem}", file=sys.stderr)
    if summary["ok"]:
        print(f"OK: {summary['requests']} requests, 0 5xx, 0 lost updates, "
              f"{summary['stale_refused_409']}/{summary['stale_edits']} stale edits refused with 409", file=sys.stderr)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
