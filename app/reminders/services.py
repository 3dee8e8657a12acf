"""Reminder digests: who gets one today and with what, and sending them at most once per owner
per day, however many runs of the command overlap.

Sending is a job, not a request, so it commits as it goes, one short transaction per step:
1. claim: insert the (owner, day) row and commit, before anything is sent. The unique
   (owner_id, sent_on) lets only one run have it: a second insert waits for the first
   (PostgreSQL's unique index; SQLite's write lock, taken by BEGIN IMMEDIATE) and then fails;
2. send the message;
3. accepted: set `sent_at` and write the audit event, in one commit; refused or failed: delete
   the claim, so nothing records a digest that was not sent and the next run tries again.
No transaction is open while the mail server is talked to, so a slow server never holds
SQLite's write lock.

A run that dies between 1 and 3 leaves an unconfirmed claim. It blocks the owner's digest for
CLAIM_EXPIRES (another run may still be sending it) and is then taken over: one duplicate
digest after a crash is better than none on a day with overdue actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import mail
from app.actions.models import Action
from app.audit.services import record
from app.auth.models import User
from app.domain.actions import FINISHED, STATUSES
from app.extensions import db
from app.reminders import emails
from app.reminders.digest import Digest, DigestItem, ordered, window_end
from app.reminders.models import ReminderDigest

CLAIM_EXPIRES = timedelta(minutes=15)

# What happened to one owner's digest in a run.
SENT = "sent"
WOULD_SEND = "would send"
ALREADY_SENT = "already sent"
BEING_SENT = "being sent"
FAILED = "failed"
NOT_SENT = "not sent"


def due_digests(today: date, link: Callable[[int], str]) -> list[Digest]:
    """Each active owner's digest of `today`: their unarchived, unfinished actions that are
    overdue or due by today + 7 days. Owners with none get no digest."""
    rows = db.session.execute(
        select(Action, User)
        .join(User, User.id == Action.owner_id)
        .options(joinedload(Action.hospital), joinedload(Action.department))
        .where(
            User.active.is_(True),
            Action.archived_at.is_(None),
            Action.status.not_in(FINISHED),
            Action.due_on <= window_end(today),
        )
        .order_by(User.name, User.id)
    ).all()
    by_owner: dict[int, tuple[User, list[DigestItem]]] = {}
    for action, owner in rows:
        by_owner.setdefault(owner.id, (owner, []))[1].append(
            DigestItem(
                action_id=action.id,
                title=action.title,
                hospital=action.hospital.name,
                department=action.department.name if action.department else None,
                due_on=action.due_on,
                status=STATUSES.get(action.status, action.status),
                days_late=action.days_late(today),
                url=link(action.id),
            )
        )
    return [
        Digest(owner.id, owner.name, owner.email, today, ordered(items))
        for owner, items in by_owner.values()
    ]


def _taken(now: datetime):  # type: ignore[no-untyped-def]
    """A row that stops another digest of its owner and day: sent, or claimed and not expired."""
    return or_(ReminderDigest.sent_at.is_not(None), ReminderDigest.claimed_at >= now - CLAIM_EXPIRES)


def taken_today(owner_ids: list[int], day: date) -> dict[int, str]:
    """Owners whose digest of `day` is sent ({id: ALREADY_SENT}) or being sent by another run
    ({id: BEING_SENT})."""
    if not owner_ids:
        return {}
    rows = db.session.execute(
        select(ReminderDigest.owner_id, ReminderDigest.sent_at).where(
            ReminderDigest.owner_id.in_(owner_ids),
            ReminderDigest.sent_on == day,
            _taken(datetime.now(timezone.utc)),
        )
    ).all()
    return {owner_id: ALREADY_SENT if sent_at else BEING_SENT for owner_id, sent_at in rows}


def claim(digest: Digest) -> ReminderDigest | None:
    """Insert and commit the owner's row for the digest's day; None when another run has it."""
    now = datetime.now(timezone.utc)
    taken = select(ReminderDigest.id).where(
        ReminderDigest.owner_id == digest.owner_id,
        ReminderDigest.sent_on == digest.as_of,
        _taken(now),
    )
    if db.session.scalar(taken) is not None:
        db.session.rollback()
        return None
    # An expired claim: its run died before it could confirm or release it. Only an expired
    # one: a claim another run made since the check above must stay, so our insert fails.
    db.session.execute(
        delete(ReminderDigest).where(
            ReminderDigest.owner_id == digest.owner_id,
            ReminderDigest.sent_on == digest.as_of,
            ReminderDigest.sent_at.is_(None),
            ReminderDigest.claimed_at < now - CLAIM_EXPIRES,
        )
    )
    row = ReminderDigest(
        owner_id=digest.owner_id,
        sent_on=digest.as_of,
        claimed_at=now,
        action_count=len(digest.items),
        overdue_count=len(digest.overdue),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row


def confirm(row: ReminderDigest) -> None:
    """The server accepted the digest: record it as sent, with its audit event."""
    row.sent_at = datetime.now(timezone.utc)
    record("create", row, None)
    db.session.commit()


def release(row: ReminderDigest) -> None:
    """The digest was not sent: drop the claim so that nothing records it."""
    row_id = sa_inspect(row).identity[0]  # without reloading the row
    db.session.rollback()
    db.session.execute(
        delete(ReminderDigest).where(ReminderDigest.id == row_id, ReminderDigest.sent_at.is_(None))
    )
    db.session.commit()


@dataclass(frozen=True)
class Outcome:
    digest: Digest
    result: str  # SENT, WOULD_SEND, ALREADY_SENT, BEING_SENT, FAILED, NOT_SENT
    reason: str = ""


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    problem: str | None = None  # what stopped the run (settings, an unreachable server)

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def succeeded(self) -> bool:
        return self.problem is None and not self.count(FAILED) and not self.count(NOT_SENT)


def send_reminders(
    today: date, *, dry_run: bool = False, report: Callable[[Outcome], None] = lambda _: None
) -> Run:
    """Send each owner their digest of `today`, unless one was already sent that day.

    `report` hears each owner's outcome as it happens (the command prints it). A dry run
    builds the digests and reports them as WOULD_SEND, but claims, sends and records nothing.
    """
    run = Run()

    def note(outcome: Outcome) -> None:
        run.outcomes.append(outcome)
        report(outcome)

    try:
        link = emails.action_link(current_app.config.get("APP_BASE_URL"))
    except emails.BaseUrlProblem as problem:
        run.problem = str(problem)
        return run
    digests = due_digests(today, link)
    taken = taken_today([digest.owner_id for digest in digests], today)
    # End the read before anything slow: on SQLite a command's transaction holds the write lock.
    db.session.rollback()

    pending = []
    for digest in digests:
        if digest.owner_id in taken:
            note(Outcome(digest, taken[digest.owner_id]))
        elif dry_run:
            note(Outcome(digest, WOULD_SEND))
        else:
            pending.append(digest)
    if not pending:
        return run

    settings = mail.MailSettings.from_config(current_app.config)
    if settings.problems():
        run.problem = " ".join(settings.problems())
        return run
    try:
        with mail.connection(settings) as smtp:
            for index, digest in enumerate(pending):
                row = claim(digest)
                if row is None:
                    note(Outcome(digest, BEING_SENT))
                    continue
                try:
                    mail.send(smtp, emails.message(digest, settings.sender or ""), where=settings.where)
                except mail.MailError as error:
                    release(row)
                    note(Outcome(digest, FAILED, str(error)))
                    if error.connection_lost:
                        for rest in pending[index + 1:]:
                            note(Outcome(rest, NOT_SENT, "the connection to the mail server was lost"))
                        run.problem = str(error)
                        break
                    continue
                confirm(row)
                note(Outcome(digest, SENT))
    except mail.MailError as error:  # the connection could not be opened: nothing was claimed
        for digest in pending:
            note(Outcome(digest, NOT_SENT, "the mail server could not be reached"))
        run.problem = str(error)
    return run
