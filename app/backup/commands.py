"""`flask backup PATH` and `flask restore PATH [--force]`, printing what they did, sizes and times."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.backup.manifest import BackupError
from app.backup.services import Summary, make_backup, restore_backup


def _size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _report(summary: Summary) -> None:
    for step in summary.steps:
        size = f"  {_size(step.size)}" if step.size is not None else ""
        click.echo(f"  {step.label:<44} {step.seconds:7.2f} s{size}")
    click.echo(f"  {len(summary.tables)} tables, {summary.rows:,} rows; {summary.files:,} stored files "
               f"({_size(summary.files_size)}); schema revision {summary.revision}.")


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back up the database and the stored files into PATH, a new folder (safe while serving)."""
    try:
        summary = make_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup of the {summary.kind} database and its stored files written to {path}:")
    _report(summary)


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace the data of an instance that is not empty.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Restore the backup in PATH into this instance, which must be empty unless --force.

    Stop the app first: a restore replaces the database under it."""
    try:
        summary = restore_backup(path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path} into this instance; every table and file matches the backup's manifest:")
    _report(summary)
