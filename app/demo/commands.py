"""`flask seed-demo`: load the Barts Health demo trust (safe to run twice), and give its
demo users random passwords, printed once and kept in an owner-only file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from app.demo.services import demo_users, seed_demo as build, set_demo_passwords
from app.domain.access import ROLES
from app.extensions import db
from app.organisations.models import Trust


def credentials_path() -> Path:
    """DEMO_CREDENTIALS_FILE, by default instance/demo-credentials.txt."""
    configured = current_app.config.get("DEMO_CREDENTIALS_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "demo-credentials.txt"


def credentials_table(passwords: dict[str, str]) -> str:
    roles = {user.email: ROLES[user.role] for user in demo_users()}
    rows = [("Email address", "Role", "Password")] + [
        (email, roles[email], password) for email, password in passwords.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{e:<{widths[0]}}  {r:<{widths[1]}}  {p}" for e, r, p in rows]
    return (
        "Demo sign-in details, for the demo only: never use these accounts with real data.\n\n"
        + "\n".join(lines) + "\n"
    )


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read, replacing it whole if it exists.

    The content goes to a new temporary file created 0600 (never readable by others, even for
    a moment), which then takes the file's place in one step.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _show_credentials_file() -> None:
    path = credentials_path()
    if path.exists():
        click.echo(f"The demo sign-in details are in {path}:\n")
        click.echo(path.read_text(encoding="utf-8"), nl=False)
    else:
        click.echo(
            f"There is no demo sign-in details file at {path}. Create an administrator with "
            "`flask create-admin EMAIL` and set passwords on the Users page."
        )


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no trust at all.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo trust, Barts Health NHS Trust, unless it is already there."""
    if if_empty and db.session.scalar(select(Trust.id).limit(1)) is not None:
        click.echo("The database already holds trusts; the demo was not loaded.")
        _show_credentials_file()
        return
    trust = build()
    if trust is None:
        click.echo("The demo trust is already loaded; nothing changed.")
        _show_credentials_file()
        return
    passwords = set_demo_passwords()
    db.session.commit()
    click.echo(
        f"Loaded {trust.name} with {len(trust.hospitals)} hospitals. "
        "Ratings marked † on the pages are illustrative, not from the public record.\n"
    )
    table = credentials_table(passwords)
    click.echo(table)
    path = credentials_path()
    write_private(path, table)
    click.echo(f"The same details are in {path}, readable only by you.")
