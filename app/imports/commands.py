"""`flask import-cqc PATH [--dry-run] [--format json|csv]`: import CQC's published ratings."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.imports.services import ImportRefused, import_records

CHANGES_PRINTED = 200


@click.command("import-cqc")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would be created and changed; write nothing.")
@click.option("--format", "file_format", type=click.Choice(["json", "csv"]), default=None,
              help="The file's format (default: from the extension, else from its first character).")
@with_appcontext
def import_cqc(path: Path, dry_run: bool, file_format: str | None) -> None:
    """Import CQC location records (API JSON, a list, JSON lines) or the monthly latest-ratings CSV."""
    try:
        result = import_records(path.name, path.read_bytes(), dry_run=dry_run, file_format=file_format)
        db.session.commit()
    except ImportRefused as error:
        db.session.rollback()
        raise click.ClickException(error.errors["file"]) from None
    heading = "Dry run: nothing was written." if dry_run else (
        "Nothing changed: the ledger already holds everything in this file." if result.nothing_changed
        else "Imported.")
    click.echo(f"{path.name} (sha256 {result.sha256[:12]}…): {heading}")
    for line in result.summary_lines():
        click.echo(f"  {line}")
    if result.changes:
        click.echo("Would change:" if dry_run else "Changes:")
        for line in result.changes[:CHANGES_PRINTED]:
            click.echo(f"  {line}")
        if len(result.changes) > CHANGES_PRINTED:
            click.echo(f"  … and {len(result.changes) - CHANGES_PRINTED:,} more.")
