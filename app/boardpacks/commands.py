"""`flask board-pack CODE [--as-of YYYY-MM-DD] (--output FILE.pdf | --html FILE.html)`: the same
board pack as the web page, for scheduled monthly runs."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.boardpacks.pdf import PackRenderError
from app.boardpacks.queries import subject_by_code
from app.boardpacks.rendering import pack_html, pdf_of
from app.boardpacks.services import build_pack, change_words
from app.commands_support import parse_date


def _writable(path: Path, option: str) -> Path:
    if path.exists() and path.is_dir():
        raise click.UsageError(f"{option} {path} is a folder: give the name of the file to write.")
    if not path.parent.exists():
        raise click.UsageError(f"{option} {path}: the folder {path.parent} does not exist.")
    return path


@click.command("board-pack")
@click.argument("code")
@click.option("--as-of", callback=parse_date, help="The date of the position (YYYY-MM-DD); today when left out.")
@click.option("--output", "output", type=click.Path(path_type=Path), help="Write the PDF to this file.")
@click.option("--html", "html", type=click.Path(path_type=Path), help="Write the HTML (styles included) to this file.")
@with_appcontext
def board_pack(code: str, as_of: date, output: Path | None, html: Path | None) -> None:
    """Build the board pack of a trust or hospital (CODE: its ODS code, e.g. R1H or R1HKH)."""
    if (output is None) == (html is None):
        raise click.UsageError("Give exactly one of --output FILE.pdf or --html FILE.html.")
    if as_of > date.today():
        raise click.BadParameter("The date of the position must be today or in the past.", param_hint="--as-of")
    subject = subject_by_code(code)
    if subject is None:
        raise click.ClickException(f"There is no trust or hospital with the code {code}.")
    target = _writable(output or html, "--output" if output else "--html")  # type: ignore[arg-type]
    pack = build_pack(subject, as_of, generated_by="flask board-pack (command line)",
                      generated_at=datetime.now(timezone.utc))
    if html is not None:
        target.write_text(pack_html(pack, inline_styles=True, change_words_for=change_words), encoding="utf-8")
        click.echo(f"Wrote the board pack of {pack.name} as of {as_of.isoformat()} to {target} (HTML).")
        return
    try:
        pdf = pdf_of(pack_html(pack, change_words_for=change_words))
    except PackRenderError as error:
        raise click.ClickException(str(error)) from None
    target.write_bytes(pdf)
    click.echo(f"Wrote the board pack of {pack.name} as of {as_of.isoformat()} to {target} "
               f"({len(pdf) // 1024} KB PDF).")
