"""`flask seed-demo`: load the Barts Health demo trust (safe to run twice)."""

from __future__ import annotations

import click
from sqlalchemy import select
from flask.cli import with_appcontext

from app.demo.services import seed_demo as build
from app.extensions import db
from app.organisations.models import Trust


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no trust at all.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo trust, Barts Health NHS Trust, unless it is already there."""
    if if_empty and db.session.scalar(select(Trust.id).limit(1)) is not None:
        click.echo("The database already holds trusts; the demo was not loaded.")
        return
    trust = build()
    if trust is None:
        click.echo("The demo trust is already loaded; nothing changed.")
        return
    db.session.commit()
    click.echo(
        f"Loaded {trust.name} with {len(trust.hospitals)} hospitals. "
        "Ratings marked † on the pages are illustrative, not from the public record."
    )
