"""`flask create-admin EMAIL`: the first administrator, who then creates everyone else."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.auth.services import create_user
from app.errors import ValidationError
from app.extensions import db

FIELD_NAMES = {"email": "Email address", "name": "Name", "password": "Password"}


@click.command("create-admin")
@click.argument("email")
@click.option("--name", help="The administrator's name. Default: the part of EMAIL before the @.")
@with_appcontext
def create_admin(email: str, name: str | None) -> None:
    """Create an administrator account with the password typed (twice, not shown)."""
    # Typed at a prompt, never an option, so it stays out of the shell history and `ps`.
    password = click.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(
            email=email, name=name if name is not None else email.split("@")[0],
            role="admin", password=password,
        )
    except ValidationError as error:
        db.session.rollback()
        for field, message in error.errors.items():
            click.echo(f"{FIELD_NAMES.get(field, field)}: {message}", err=True)
        raise click.exceptions.Exit(1) from None
    db.session.commit()
    click.echo(f"Created administrator {user.email}.")
