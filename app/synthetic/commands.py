"""`flask seed-synthetic`: load the synthetic national dataset, print its counts and time."""

from __future__ import annotations

import time
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from app.errors import ValidationError
from app.extensions import db
from app.synthetic import shape
from app.synthetic.services import seed_synthetic


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date:
    if value is None:
        return shape.DEFAULT_TODAY
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD.") from None


@click.command("seed-synthetic")
@click.option("--hospitals", type=click.IntRange(min=1), required=True, help="How many hospitals (1,000 = national).")
@click.option("--years", type=click.IntRange(1, 30), default=10, show_default=True, help="Years of history.")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=1, show_default=True,
              help="The same seed gives the same data.")
@click.option("--departments", type=click.IntRange(1, len(shape.DEPARTMENT_SERVICES)), default=9,
              show_default=True, help="Current departments a hospital.")
@click.option("--hospitals-per-trust", type=click.IntRange(min=1), default=None,
              help="Every trust's size (default: about 6.7 hospitals a trust, varying).")
@click.option("--actions", type=click.IntRange(min=0), default=None,
              help="Actions in all (default: 30 a hospital a year).")
@click.option("--today", callback=_parse_date, default=None,
              help=f"The day the history ends (YYYY-MM-DD; default {shape.DEFAULT_TODAY}).")
@with_appcontext
def seed_synthetic_command(hospitals: int, years: int, seed: int, departments: int,
                           hospitals_per_trust: int | None, actions: int | None, today: date) -> None:
    """Load a synthetic national dataset (trusts SYN001 ...) for measuring the product at scale."""
    started = time.perf_counter()
    try:
        summary = seed_synthetic(
            hospitals=hospitals, years=years, seed=seed, departments_per_hospital=departments,
            hospitals_per_trust=hospitals_per_trust, actions=actions, today=today,
        )
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(" ".join(error.errors.values())) from None
    total = time.perf_counter() - started
    width = max(len(name) for name in summary.counts())
    click.echo(f"Synthetic dataset, seed {seed}: trusts {summary.first_trust_code} to {summary.last_trust_code}.")
    for name, count in summary.counts().items():
        click.echo(f"  {name.replace('_', ' '):<{width}}  {count:>10,}")
    click.echo(f"Built in {summary.seconds:.1f} s; {total:.1f} s with the commit.")
