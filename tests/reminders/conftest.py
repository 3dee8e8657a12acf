"""A real SMTP server on localhost (aiosmtpd) that keeps the messages it receives, the app set
up to send to it, and a small world of owners and actions built through the services."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from app.actions.models import Action
from app.actions.services import create_action
from app.audit.services import archive
from app.auth.services import set_active
from app.extensions import db
from app.organisations.services import create_department, create_hospital, create_trust

TODAY = date(2026, 3, 2)
BASE_URL = "https://ql.example.nhs.uk"
SENDER = "Quality Ledger <quality-ledger@example.nhs.uk>"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    over_tls: bool
    login: Any


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every accepted message; can refuse chosen recipients, answer
    DATA with a chosen reply, or take its time, as real servers do."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    data_reply: str | None = None
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.delay:
            time.sleep(self.delay)  # blocks this server's loop, as a slow server would
        if self.data_reply:
            return self.data_reply
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), parsed,  # type: ignore[arg-type]
                         server.transport.get_extra_info("ssl_object") is not None,
                         session.auth_data)
            )
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpServer:
    port: int
    recorder: Recorder
    controller: Controller

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def start_smtp() -> Iterator[Callable[..., SmtpServer]]:
    """start_smtp(**aiosmtpd SMTP options) -> a running server on 127.0.0.1; stopped after the test."""
    started: list[Controller] = []

    def start(**options: Any) -> SmtpServer:
        recorder = Recorder()
        port = free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return SmtpServer(port, recorder, controller)

    yield start
    for controller in started:
        try:
            controller.stop()
        except AssertionError:  # already stopped by the test
            pass


def mail_config(app: Flask, port: int, **overrides: Any) -> None:
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER=SENDER, MAIL_USE_TLS=False,
        MAIL_USE_SSL=False, MAIL_USERNAME=None, MAIL_PASSWORD=None, MAIL_TIMEOUT_SECONDS=10,
        APP_BASE_URL=BASE_URL,
    )
    app.config.update(overrides)


@pytest.fixture
def smtp(app: Flask, start_smtp) -> SmtpServer:  # type: ignore[no-untyped-def]
    """A plain SMTP server, and the app set up to send to it."""
    server = start_smtp()
    mail_config(app, server.port)
    return server


@pytest.fixture
def send(runner) -> Callable[..., Any]:  # type: ignore[no-untyped-def]
    """send("--dry-run", on=date) -> the result of `flask send-reminders --date ...`."""

    def run(*args: str, on: date = TODAY):  # type: ignore[no-untyped-def]
        # The test's own session ends its transaction first (on SQLite an open one would hold
        # the write lock against the command), and afterwards reads afresh what was committed.
        db.session.commit()
        result = runner.invoke(args=["send-reminders", "--date", on.isoformat(), *args])
        db.session.commit()
        return result

    return run


@dataclass
class World:
    alice: Any  # lead of A&E: overdue and due-soon actions, and some that must not be listed
    bob: Any  # quality team: one hospital-wide action due in two days
    carol: Any  # lead of maternity: only an action due in a month
    dan: Any  # deactivated lead of A&E, with an overdue action
    quality: Any
    actions: dict[str, Action]


@pytest.fixture
def world(app: Flask, make_user) -> World:  # type: ignore[no-untyped-def]
    trust = create_trust(ods_code="R1H", name="Barts Health NHS Trust")
    hospital = create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital")
    urgent = create_department(hospital, service_code="urgent")
    maternity = create_department(hospital, service_code="npimaternity")
    db.session.commit()
    quality = make_user("quality", email="quality@example.nhs.uk", name="Quinn Quality")
    alice = make_user("lead", email="alice@example.nhs.uk", name="Alice Adeyemi", departments=[urgent])
    bob = make_user("quality", email="bob@example.nhs.uk", name="Bob Byrne")
    carol = make_user("lead", email="carol@example.nhs.uk", name="Carol Chen", departments=[maternity])
    dan = make_user("lead", email="dan@example.nhs.uk", name="Dan Dunne", departments=[urgent])

    def action(key: str, owner: Any, days: int, department: Any = urgent) -> Action:
        made = create_action(
            hospital=hospital, department=department, owner=owner,
            title=f"Action {key}", due_on=TODAY + timedelta(days=days), actor=quality,
        )
        return made

    actions = {
        "late10": action("late10", alice, -10),
        "late3": action("late3", alice, -3),
        "today": action("today", alice, 0),
        "in7": action("in7", alice, 7),
        "in8": action("in8", alice, 8),
        "late_completed": action("late_completed", alice, -5),
        "late_cancelled": action("late_cancelled", alice, -6),
        "late_archived": action("late_archived", alice, -7),
        "bob_in2": action("bob_in2", bob, 2, department=None),
        "carol_in30": action("carol_in30", carol, 30, department=maternity),
        "dan_late": action("dan_late", dan, -1),
    }
    actions["late3"].status = "in_progress"
    # Finished work is not chased. Statuses are set directly: the workflow's own rules are the
    # actions area's tests' business, and only the stored status matters here.
    actions["late_completed"].status = "completed"
    actions["late_completed"].completed_on = TODAY - timedelta(days=6)
    actions["late_cancelled"].status = "cancelled"
    actions["late_cancelled"].cancel_reason = "Superseded by the trust-wide programme"
    archive(actions["late_archived"], "Entered twice by mistake", actor=quality)
    set_active(dan, False, actor=quality)
    db.session.commit()
    return World(alice, bob, carol, dan, quality, actions)
