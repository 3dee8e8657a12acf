"""`flask export-open-data DIR` and `flask export-offline DIR`: the exports into a folder, for
scripts and cron (see the README for a nightly offline copy)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.commands_support import parse_date
from app.exports.services import OFFLINE, OPEN_DATA, ExportKind, record_export
from app.extensions import db
from app.models_support import utcnow


def _target(directory: str) -> Path:
    path = Path(directory)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise click.ClickException(
            f"{directory} is not an empty folder. Give a new or empty folder (a dated one, for "
            "example), so that no file of an earlier export is left beside this one."
        )
    return path


def _export(kind: ExportKind, directory: str, as_of: date):  # type: ignore[no-untyped-def]
    path = _target(directory)
    summary = kind.write(path, as_of, utcnow())
    files = sum(1 for p in path.rglob("*") if p.is_file())
    db.session.rollback()  # the export only read; the audit event gets its own transaction
    record_export(kind, actor=None, as_of=as_of, target=str(path.resolve()), files=files)
    db.session.commit()
    return summary, files


@click.command("export-open-data")
@click.argument("directory")
@click.option("--as-of", callback=parse_date, help="The date of the current grids and of overdue (YYYY-MM-DD); today when not given.")
@with_appcontext
def export_open_data(directory: str, as_of: date) -> None:
    """Write the open data CSV files and their README into DIRECTORY (new or empty)."""
    summary, files = _export(OPEN_DATA, directory, as_of)
    for name, rows in summary.rows.items():
        click.echo(f"{name}: {rows} rows")
    click.echo(f"Wrote {files} files to {summary.directory} (open data as of {as_of.isoformat()}).")


@click.command("export-offline")
@click.argument("directory")
@click.option("--as-of", callback=parse_date, help="The date of the current grids and of overdue (YYYY-MM-DD); today when not given.")
@with_appcontext
def export_offline(directory: str, as_of: date) -> None:
    """Write the read-only offline HTML bundle into DIRECTORY (new or empty); open index.html."""
    summary, files = _export(OFFLINE, directory, as_of)
    click.echo(
        f"Wrote {files} files to {summary.directory}: {summary.hospitals} hospital pages, "
        f"{summary.actions} open actions, {summary.packs} board packs (as of {as_of.isoformat()})."
    )
    click.echo(f"Open {summary.directory / 'index.html'} in any browser.")
