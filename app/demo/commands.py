"""`flask seed-demo`: load the Barts Health demo trust (safe to run twice)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.demo.services import seed_demo as build
from app.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo trust, Barts Health NHS Trust, unless it is already there."""
    trust = build()
    if trust is None:
        click.echo("The demo trust is already loaded; nothing changed.")
        return
    db.session.commit()
    click.echo(
        f"Loaded {trust.name} with {len(trust.hospitals)} hospitals. "
        "Ratings marked † on the pages are illustrative, not from the public record."
    )
