"""`flask grid CODE [--as-of DATE] [--json]`: a hospital's official grid for people and scripts."""

from __future__ import annotations

import json
from datetime import date

import click
from flask.cli import with_appcontext

from app.commands_support import parse_date
from app.domain.ratings import GRID_COLUMNS
from app.inspections.grids import hospital_grid
from app.organisations.services import hospital_by_code


@click.command("grid")
@click.argument("code")
@click.option("--as-of", callback=parse_date, help="The date to show the grid on (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@with_appcontext
def grid(code: str, as_of: date, as_json: bool) -> None:
    """Print a hospital's official ratings grid (CODE: its ODS / CQC location code)."""
    hospital = hospital_by_code(code)
    if hospital is None:
        raise click.ClickException(f"There is no hospital with the code {code}.")
    result = hospital_grid(hospital, as_of)
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
        return
    click.echo(f"{result.hospital_name} ({result.hospital_code}) — official ratings as of {as_of}")
    width = max([len("Service")] + [len(row.label) for row in result.rows])
    column = max([20] + [len(c.rating) for row in result.rows for c in row.cells if c])
    click.echo("  ".join(["Service".ljust(width)] + [c.ljust(column) for c in GRID_COLUMNS]))
    for row in result.rows:
        cells = [(cell.rating if cell else "–").ljust(column) for cell in row.cells]
        dates = [(cell.published_on.isoformat() if cell else "").ljust(column) for cell in row.cells]
        click.echo("  ".join([row.label.ljust(width)] + cells))
        click.echo("  ".join(["".ljust(width)] + dates))
