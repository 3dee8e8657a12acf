"""`flask send-reminders` against a real SMTP server on localhost: one digest per owner with a
plain-text and an HTML part, at most one per owner per day, nothing recorded for what was not
sent, and a clear non-zero exit when the server cannot be reached."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.reminders.models import ReminderDigest
from app.reminders.services import CLAIM_EXPIRES

from .conftest import BASE_URL, SENDER, TODAY, free_port, mail_config


def parts(message):  # type: ignore[no-untyped-def]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # On the wire lines end CRLF; compare them as Python text.
    return (text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n"))


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._href:
            self.links.append((self._href, data.strip()))
            self._href = None


def links_in(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def url(action) -> str:  # type: ignore[no-untyped-def]
    return f"{BASE_URL}/actions/{action.id}"


def digest_rows() -> list[ReminderDigest]:
    return list(db.session.scalars(select(ReminderDigest).order_by(ReminderDigest.id)))


def digest_events() -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_kind == "reminder_digests").order_by(AuditEvent.id)
    ))


def test_each_owner_with_due_actions_gets_one_digest(world, smtp, send):
    result = send()

    assert result.exit_code == 0, result.output
    received = smtp.recorder.received
    assert sorted(r.rcpt_tos[0] for r in received) == ["alice@example.nhs.uk", "bob@example.nhs.uk"]
    assert all(len(r.rcpt_tos) == 1 for r in received)
    # Carol's only action is due in a month; Dan is deactivated: neither hears anything.
    assert "carol@example.nhs.uk" not in result.output and "dan@example.nhs.uk" not in result.output
    assert "Sent to Alice Adeyemi <alice@example.nhs.uk>: 2 actions overdue, 2 due within 7 days." in result.output
    assert "Sent to Bob Byrne <bob@example.nhs.uk>: 1 action due within 7 days." in result.output
    assert result.output.strip().endswith("2 digests sent.")

    (alice,) = smtp.recorder.to("alice@example.nhs.uk")
    assert alice["Subject"] == "Quality Ledger: 2 actions overdue, 2 due within 7 days"
    assert alice["From"] == SENDER
    assert alice["To"] == "Alice Adeyemi <alice@example.nhs.uk>"
    assert alice["Auto-Submitted"] == "auto-generated"
    assert alice.get_content_type() == "multipart/alternative"
    (bob,) = smtp.recorder.to("bob@example.nhs.uk")
    assert bob["Subject"] == "Quality Ledger: 1 action due within 7 days"


def test_the_digest_lists_overdue_first_then_due_soon_each_with_its_link(world, smtp, send):
    send()
    a = world.actions
    text, html = parts(smtp.recorder.to("alice@example.nhs.uk")[0])

    # Plain text: overdue (longest first) then due soon (by date), each with place, date, status
    # and the absolute link; nothing finished, archived, or due after 7 days.
    listed = re.findall(r"^\* (Action \w+)$", text, flags=re.M)
    assert listed == ["Action late10", "Action late3", "Action today", "Action in7"]
    assert "Overdue (2)" in text and "Due within 7 days, by 9 March 2026 (2)" in text
    assert text.index("Overdue (2)") < text.index("Action late10") < text.index("Due within 7 days")
    assert "Whipps Cross University Hospital, Urgent and emergency services" in text
    assert "Due 20 February 2026, 10 days late. Status: Open." in text
    assert "Due 27 February 2026, 3 days late. Status: In progress." in text
    assert "Due 2 March 2026. Status: Open." in text
    for key in ("late10", "late3", "today", "in7"):
        assert url(a[key]) in text
    for key in ("in8", "late_completed", "late_cancelled", "late_archived"):
        assert f"Action {key}" not in text and url(a[key]) not in text

    # HTML: the same actions, each title a link to its page.
    assert links_in(html) == [(url(a[k]), f"Action {k}") for k in ("late10", "late3", "today", "in7")]
    assert '<html lang="en-GB">' in html
    assert "10 days late" in html and "Status: In progress" in html

    bob_text, bob_html = parts(smtp.recorder.to("bob@example.nhs.uk")[0])
    assert "Whipps Cross University Hospital (hospital-wide)" in bob_text
    assert "Overdue" not in bob_text
    assert links_in(bob_html) == [(url(a["bob_in2"]), "Action bob_in2")]


def test_each_digest_sent_is_recorded_once_with_its_audit_event(world, smtp, send):
    send()

    rows = {row.owner_id: row for row in digest_rows()}
    assert set(rows) == {world.alice.id, world.bob.id}
    alice = rows[world.alice.id]
    assert (alice.sent_on, alice.action_count, alice.overdue_count) == (TODAY, 4, 2)
    assert alice.sent_at is not None
    assert (rows[world.bob.id].action_count, rows[world.bob.id].overdue_count) == (1, 0)

    events = digest_events()
    assert [(e.action, e.record_id, e.user_id) for e in events] == [
        ("create", rows[world.alice.id].id, None), ("create", rows[world.bob.id].id, None)
    ]
    assert events[0].changes["owner_id"] == [None, world.alice.id]
    assert events[0].changes["sent_on"] == [None, TODAY.isoformat()]
    assert events[0].changes["sent_at"][1] is not None


def test_a_second_run_the_same_day_sends_nothing_and_needs_no_server(world, smtp, send):
    assert send().exit_code == 0
    assert len(smtp.recorder.received) == 2
    smtp.stop()  # nothing left to send, so the server is not even asked

    again = send()

    assert again.exit_code == 0, again.output
    assert len(smtp.recorder.received) == 2
    assert "Already sent today to Alice Adeyemi <alice@example.nhs.uk>." in again.output
    assert "0 digests sent, 2 already sent today." in again.output
    assert len(digest_rows()) == 2 and len(digest_events()) == 2


def test_the_next_day_sends_again(world, smtp, send):
    send()
    next_day = send(on=TODAY + timedelta(days=1))

    assert next_day.exit_code == 0, next_day.output
    alice = smtp.recorder.to("alice@example.nhs.uk")
    assert len(alice) == 2
    # As of the next day "today" is one day late and "in8" comes into the window.
    assert alice[1]["Subject"] == "Quality Ledger: 3 actions overdue, 2 due within 7 days"
    assert sorted(row.sent_on for row in digest_rows()) == [TODAY, TODAY, TODAY + timedelta(days=1),
                                                           TODAY + timedelta(days=1)]


def test_an_unreachable_server_exits_non_zero_and_records_nothing(app, world, send, start_smtp):
    closed = free_port()
    mail_config(app, closed)

    result = send()

    assert result.exit_code != 0
    assert f"Could not connect to the mail server 127.0.0.1:{closed}" in result.output
    assert "Check MAIL_SERVER and MAIL_PORT" in result.output
    assert "Not sent to Alice Adeyemi <alice@example.nhs.uk>: the mail server could not be reached." in result.output
    assert "0 digests sent, 2 not sent." in result.output
    assert digest_rows() == [] and digest_events() == []

    # Once the server is there, the same day's digests go.
    server = start_smtp()
    mail_config(app, server.port)
    assert send().exit_code == 0
    assert len(server.recorder.received) == 2


def test_a_dry_run_prints_the_digests_and_sends_and_records_nothing(app, world, send):
    mail_config(app, free_port())  # nothing listens: a dry run never connects

    result = send("--dry-run")

    assert result.exit_code == 0, result.output
    assert "Would send to Alice Adeyemi <alice@example.nhs.uk>: 2 actions overdue, 2 due within 7 days." in result.output
    assert "  Subject: Quality Ledger: 2 actions overdue, 2 due within 7 days" in result.output
    assert f"  |   {url(world.actions['late10'])}" in result.output
    assert "Dry run: 2 digests would be sent; nothing was sent or recorded." in result.output
    assert digest_rows() == [] and digest_events() == []


def test_a_refused_recipient_fails_alone_and_is_tried_again_next_run(world, smtp, send):
    smtp.recorder.refuse = {"alice@example.nhs.uk"}

    result = send()

    assert result.exit_code == 1
    assert "Not sent to Alice Adeyemi <alice@example.nhs.uk>: The mail server 127.0.0.1:" in result.output
    assert "550 5.1.1 No such mailbox here" in result.output
    assert "1 digest sent, 1 not sent." in result.output
    assert [row.owner_id for row in digest_rows()] == [world.bob.id]

    smtp.recorder.refuse = set()
    again = send()
    assert again.exit_code == 0, again.output
    assert "Sent to Alice Adeyemi" in again.output and "Already sent today to Bob Byrne" in again.output
    assert len(smtp.recorder.to("alice@example.nhs.uk")) == 1
    assert len(smtp.recorder.to("bob@example.nhs.uk")) == 1


def test_a_server_that_closes_the_connection_stops_the_run(world, smtp, send):
    # 421: the server is shutting down; smtplib closes the connection, so nothing more can go.
    smtp.recorder.data_reply = "421 4.3.2 Service shutting down"

    result = send()

    assert result.exit_code == 1
    assert "Not sent to Alice Adeyemi <alice@example.nhs.uk>: The mail server 127.0.0.1:" in result.output
    assert "421 4.3.2 Service shutting down" in result.output
    assert "Not sent to Bob Byrne <bob@example.nhs.uk>: the connection to the mail server was lost." in result.output
    assert len(smtp.recorder.received) == 0
    assert "0 digests sent, 2 not sent." in result.output
    assert digest_rows() == [] and digest_events() == []


def test_a_fresh_claim_by_another_run_is_left_alone(world, smtp, send):
    db.session.add(ReminderDigest(owner_id=world.alice.id, sent_on=TODAY, action_count=4, overdue_count=2))
    db.session.commit()

    result = send()

    assert result.exit_code == 0, result.output
    assert "Not sent to Alice Adeyemi <alice@example.nhs.uk>: another run of send-reminders is sending it." in result.output
    assert "1 digest sent, 1 being sent by another run." in result.output
    assert smtp.recorder.to("alice@example.nhs.uk") == []


def test_an_expired_claim_of_a_run_that_died_is_taken_over(world, smtp, send):
    long_ago = datetime.now(timezone.utc) - CLAIM_EXPIRES - timedelta(minutes=1)
    db.session.add(ReminderDigest(owner_id=world.alice.id, sent_on=TODAY, action_count=1,
                                  overdue_count=0, claimed_at=long_ago))
    db.session.commit()

    result = send()

    assert result.exit_code == 0, result.output
    assert len(smtp.recorder.to("alice@example.nhs.uk")) == 1
    rows = [row for row in digest_rows() if row.owner_id == world.alice.id]
    assert len(rows) == 1 and rows[0].sent_at is not None and rows[0].action_count == 4


def test_nothing_due_anywhere_sends_nothing(world, smtp, send):
    long_before = TODAY - timedelta(days=100)

    result = send(on=long_before)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "No owner has actions overdue or due within 7 days on 22 November 2025: nothing to send."
    )
    assert smtp.recorder.received == []


def test_links_follow_a_base_url_with_a_path(app, world, smtp, send):
    app.config["APP_BASE_URL"] = "https://intranet.example.nhs.uk/quality/"

    send()

    (bob,) = smtp.recorder.to("bob@example.nhs.uk")
    _text, html = parts(bob)
    assert links_in(html) == [
        (f"https://intranet.example.nhs.uk/quality/actions/{world.actions['bob_in2'].id}", "Action bob_in2")
    ]


def test_missing_settings_are_named_and_nothing_is_sent(app, world, smtp, send):
    app.config["APP_BASE_URL"] = None
    result = send()
    assert result.exit_code == 1
    assert "Error: APP_BASE_URL is not set; it must be the http(s) address" in result.output

    app.config["APP_BASE_URL"] = "ql.example.nhs.uk"
    result = send()
    assert result.exit_code == 1
    assert "APP_BASE_URL is 'ql.example.nhs.uk', which is not the http(s) address" in result.output

    app.config["APP_BASE_URL"] = BASE_URL
    app.config["MAIL_DEFAULT_SENDER"] = None
    result = send()
    assert result.exit_code == 1
    assert "MAIL_DEFAULT_SENDER is not set" in result.output
    assert smtp.recorder.received == [] and digest_rows() == []


def test_a_bad_date_is_refused(world, runner):
    result = runner.invoke(args=["send-reminders", "--date", "2026-02-30"])
    assert result.exit_code == 2
    assert "'2026-02-30' is not a date in the form YYYY-MM-DD, for example 2026-10-31." in result.output


def test_concurrent_runs_send_each_owner_one_digest(world, smtp, app, second_worker):
    """Two runs at once (cron and an operator, or two servers): each owner still gets one."""
    import threading

    from app.reminders.services import send_reminders

    mail_config(second_worker, smtp.port)
    db.session.commit()  # the test's session holds no transaction while the runs go
    smtp.recorder.delay = 0.3  # a slow server widens the window in which the runs overlap
    results = {}
    start = threading.Barrier(2)

    def run(name, flask_app):  # type: ignore[no-untyped-def]
        with flask_app.app_context():
            start.wait()
            results[name] = send_reminders(TODAY)

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in (("one", app), ("two", second_worker))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.rcpt_tos[0] for r in smtp.recorder.received) == [
        "alice@example.nhs.uk", "bob@example.nhs.uk"
    ]
    sent = sum(r.count("sent") for r in results.values())
    skipped = sum(r.count("already sent") + r.count("being sent") for r in results.values())
    assert (sent, skipped) == (2, 2)
    assert db.session.scalar(select(func.count(ReminderDigest.id))) == 2
    assert len(digest_events()) == 2
