"""`flask send-reminders [--date YYYY-MM-DD] [--dry-run]`: e-mail each owner one digest of their
actions overdue or due within 7 days. At most one per owner per day, so it is safe in cron."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from app.commands_support import parse_date
from app.presentation import long_date
from app.reminders import emails, services
from app.reminders.digest import DUE_SOON_DAYS, counts


def _line(outcome: services.Outcome) -> str:
    digest = outcome.digest
    who = f"{digest.owner_name} <{digest.owner_email}>"
    what = counts(len(digest.overdue), len(digest.due_soon))
    return {
        services.SENT: f"Sent to {who}: {what}.",
        services.WOULD_SEND: f"Would send to {who}: {what}.",
        services.ALREADY_SENT: f"Already sent today to {who}.",
        services.BEING_SENT: f"Not sent to {who}: another run of send-reminders is sending it.",
        services.FAILED: f"Not sent to {who}: {outcome.reason}",
        services.NOT_SENT: f"Not sent to {who}: {outcome.reason}.",
    }[outcome.result]


def _summary(run: services.Run, dry_run: bool) -> str:
    def n(count: int) -> str:
        return f"{count} digest{'s' if count != 1 else ''}"

    if dry_run:
        parts = [f"Dry run: {n(run.count(services.WOULD_SEND))} would be sent"]
    else:
        parts = [f"{n(run.count(services.SENT))} sent"]
    if run.count(services.ALREADY_SENT):
        parts.append(f"{run.count(services.ALREADY_SENT)} already sent today")
    if run.count(services.BEING_SENT):
        parts.append(f"{run.count(services.BEING_SENT)} being sent by another run")
    unsent = run.count(services.FAILED) + run.count(services.NOT_SENT)
    if unsent:
        parts.append(f"{unsent} not sent")
    ending = "; nothing was sent or recorded." if dry_run else "."
    return ", ".join(parts) + ending


@click.command("send-reminders")
@click.option(
    "--date", "today", callback=parse_date, metavar="YYYY-MM-DD",
    help="Act as of this day instead of today (overdue and due-soon are counted from it).",
)
@click.option("--dry-run", is_flag=True, help="Print the digests that would be sent; send and record nothing.")
@with_appcontext
def send_reminders(today: date, dry_run: bool) -> None:
    """E-mail each action owner a digest of their actions overdue or due within 7 days."""

    def report(outcome: services.Outcome) -> None:
        click.echo(_line(outcome), err=outcome.result in (services.FAILED, services.NOT_SENT))
        if outcome.result == services.WOULD_SEND:
            click.echo(f"  Subject: {outcome.digest.subject}")
            text, _html = emails.render(outcome.digest)
            click.echo("".join(f"  | {line}\n" for line in text.rstrip("\n").split("\n")))

    run = services.send_reminders(today, dry_run=dry_run, report=report)
    if not run.outcomes and run.problem is None:
        click.echo(
            f"No owner has actions overdue or due within {DUE_SOON_DAYS} days on "
            f"{long_date(today)}: nothing to send."
        )
        return
    if run.outcomes:
        click.echo(_summary(run, dry_run))
    if run.problem:
        raise click.ClickException(run.problem)
    if not run.succeeded:
        raise click.exceptions.Exit(1)
