"""Writing the open data export: the CSV files (through the app's formula guard) and the
README that describes them."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.audit.log import csv_cell
from app.exports.opendata.files import FILES
from app.exports.opendata.snapshot import TYPES, WITHHELD, DataFile, Snapshot

ATTRIBUTION = (
    "Contains CQC data, published by the Care Quality Commission under the Open Government "
    "Licence v3.0 (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/)."
)


@dataclass(frozen=True)
class OpenDataSummary:
    directory: Path
    files: tuple[Path, ...]
    rows: dict[str, int]  # file name -> data rows


def write_csv(path: Path, data_file: DataFile, rows: Iterable[Sequence[Any]]) -> int:
    """Write the file (a byte-order mark, the header, the rows) row by row and return how many
    rows it has. Every cell passes through the app's CSV guard (app.audit.log.csv_cell): text
    that a spreadsheet would run as a formula gets a leading apostrophe."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(data_file.header)
        for row in rows:
            if len(row) != len(data_file.columns):
                raise ValueError(f"{data_file.name}: a row of {len(row)} cells for {len(data_file.columns)} columns")
            writer.writerow([csv_cell(value) for value in row])
            count += 1
    return count


def readme_text(as_of: date, generated_at: datetime, rows: dict[str, int]) -> str:
    """README.md: what the export is, when it was made, the licence, and every column."""
    lines = [
        "# Quality Ledger open data export",
        "",
        f"Exported on {as_of.isoformat()} (made at {generated_at.strftime('%Y-%m-%dT%H:%M:%SZ')}). "
        f"Current grids are as they stood on {as_of.isoformat()}.",
        "",
        "## Licence and attribution",
        "",
        ATTRIBUTION,
        "Ratings, report dates and findings of official inspections come from CQC's published reports; "
        "the improvement actions are the trust's own records.",
        "",
        "## Format",
        "",
        "- Comma-separated values (RFC 4180), UTF-8 with a byte-order mark (so that Excel reads the "
        "accents; pandas: `encoding=\"utf-8-sig\"`), CRLF line ends, a header row, columns always in the "
        "order below.",
        "- Dates are ISO 8601 (`YYYY-MM-DD`); an empty cell means no value.",
        "- A text cell that would start with `=`, `+`, `-`, `@`, a tab or a carriage return is written "
        "with a leading apostrophe (`'`), so that a spreadsheet never runs it as a formula.",
        "- No person is named. An action's owner appears as the title of their post. Action titles and "
        "CQC findings are kept: they say what must be done and are published in board papers and CQC "
        "reports; descriptions, progress notes, reasons and evidence, which are free text about people "
        f"and their work, are left out. A title or finding that names anyone with an account, or "
        "holds an email address, is "
        f"replaced by `{WITHHELD}`.",
        "- The trust's own mock inspections and peer reviews are not included.",
        "",
        "Column types: " + "; ".join(f"`{name}` {meaning}" for name, meaning in TYPES.items()) + ".",
        "",
    ]
    for data_file in FILES:
        lines += [
            f"## {data_file.name}",
            "",
            data_file.about,
            f"Rows in this export: {rows.get(data_file.name, 0)}.",
            "",
            "| Column | Type | Meaning | Allowed values |",
            "|---|---|---|---|",
        ]
        for c in data_file.columns:
            allowed = ", ".join(f"`{v}`" for v in c.allowed) if c.allowed else "any"
            if c.optional:
                allowed += " (may be empty)"
            lines.append(f"| `{c.name}` | {c.type} | {c.meaning.replace('|', '/')} | {allowed} |")
        lines.append("")
    return "\n".join(lines)


def write_open_data(directory: Path, as_of: date, generated_at: datetime) -> OpenDataSummary:
    """Write the CSV files and README.md into `directory` (made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    snap = Snapshot(as_of, generated_at)
    written, counts = [], {}
    for data_file in FILES:
        path = directory / data_file.name
        counts[data_file.name] = write_csv(path, data_file, data_file.rows(snap))
        written.append(path)
    readme = directory / "README.md"
    readme.write_text(readme_text(as_of, generated_at, counts), encoding="utf-8")
    written.append(readme)
    return OpenDataSummary(directory=directory, files=tuple(written), rows=counts)
