"""Reading a CSV file of improvement actions: the columns, the file's shape, and each row's own
values. Plain text in, plain values and problems out; looking the codes and emails up in the
database is app.actions.imports' business.

Every problem names where it is, as people count in a spreadsheet: the line of the file (the
header is line 1) and the column's name, so "Line 7, column due_on: ...".
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain.actions import PRIORITIES

# (column, required, what goes in it, an example): the template's columns, in its order.
COLUMNS: tuple[tuple[str, bool, str, str], ...] = (
    ("hospital", True, "The hospital's ODS site code.", "R1HKH"),
    ("department", False, "The department's code; blank for a hospital-wide action.", "R1HKH-URGENT"),
    ("title", True, "What is to be done, at most 200 characters.", "Audit triage times weekly"),
    ("description", False, "More detail (optional).", "Report the median time to initial assessment."),
    ("owner_email", True, "The email address of the owner's account (a department lead or the quality team).",
     "ae-lead@example.nhs.uk"),
    ("due_on", True, "The due date as YYYY-MM-DD.", "2027-03-31"),
    ("priority", False, "High, medium or low; blank means medium.", "high"),
    ("finding_ids", False, "The numbers of the findings it answers, separated by spaces or semicolons (optional).",
     "12; 15"),
)
COLUMN_NAMES = tuple(name for name, *_ in COLUMNS)
REQUIRED = frozenset(name for name, required, *_ in COLUMNS if required)

MAX_ROWS = 1000
MAX_BYTES = 2 * 1024 * 1024
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 5000
DATE_FORMAT_EXAMPLE = "2027-03-31"
_FINDING_SEPARATORS = re.compile(r"[\s;,]+")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: a line (None for the file as a whole) and a column
    (None for the whole row)."""

    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"Line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass(frozen=True)
class RowInput:
    """One row's values, each checked on its own; codes and emails are not yet looked up. A row
    with a problem is kept too (a bad due date is None), so that its other values are still
    checked against the database and every problem of the file is listed at once."""

    line: int
    hospital: str
    department: str | None
    title: str
    description: str
    owner_email: str
    due_on: date | None
    priority: str
    finding_ids: tuple[int, ...]


@dataclass
class Parsed:
    rows: list[RowInput] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def template_text() -> str:
    """The template file: the header row only, so nothing in it is imported by mistake."""
    return ",".join(COLUMN_NAMES) + "\r\n"


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """The file's text (UTF-8, with or without Excel's byte-order mark), or why it is not."""
    if not data.strip():
        return None, Problem("The file is empty. Download the template, add one row per action and upload it.")
    if len(data) > MAX_BYTES:
        return None, Problem(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB. Split it into smaller files.")
    if b"\x00" in data:
        return None, Problem("The file is not a CSV file (it contains binary data). "
                             "Save the spreadsheet as \"CSV UTF-8 (Comma delimited)\" and upload that.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, Problem(
            f"The file is not in the UTF-8 encoding (the first problem is on line {line}). "
            "In Excel, save it as \"CSV UTF-8 (Comma delimited)\" and upload it again."
        )
    return text, None


def _header(cells: list[str]) -> tuple[list[str], list[Problem]]:
    names = [cell.strip().lower() for cell in cells]
    problems = []
    for name in names:
        if name and name not in COLUMN_NAMES:
            problems.append(Problem(f"\"{name}\" is not a column of the template. "
                                    f"The columns are {', '.join(COLUMN_NAMES)}.", 1))
    if "" in names:
        problems.append(Problem(f"Column {names.index('') + 1} has no name in the header row.", 1))
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        problems.append(Problem(f"The column {name} appears more than once.", 1))
    missing = [name for name in COLUMN_NAMES if name in REQUIRED and name not in names]
    if missing:
        problems.append(Problem(
            f"The header row has no {' or '.join(missing)} column. The first line must be the "
            "template's header row: " + ",".join(COLUMN_NAMES) + ".", 1))
    return names, problems


def _row(line: int, values: dict[str, str]) -> tuple[RowInput, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(message, line, column))

    hospital = values.get("hospital", "").strip().upper()
    if not hospital:
        problem("hospital", "Enter the hospital's ODS site code, like R1HKH.")
    department = values.get("department", "").strip().upper() or None
    title = " ".join(values.get("title", "").split())
    if not title:
        problem("title", "Enter a title for the action.")
    elif len(title) > TITLE_LIMIT:
        problem("title", f"The title must be {TITLE_LIMIT} characters or fewer; it has {len(title)}.")
    description = values.get("description", "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        problem("description", f"The description must be {DESCRIPTION_LIMIT:,} characters or fewer; "
                               f"it has {len(description):,}.")
    owner_email = values.get("owner_email", "").strip().lower()
    if not owner_email:
        problem("owner_email", "Enter the owner's email address.")
    elif "@" not in owner_email:
        problem("owner_email", f"\"{owner_email}\" is not an email address.")
    due_text = values.get("due_on", "").strip()
    due_on = None
    if not due_text:
        problem("due_on", f"Enter the due date as YYYY-MM-DD, for example {DATE_FORMAT_EXAMPLE}.")
    else:
        try:
            due_on = datetime.strptime(due_text, "%Y-%m-%d").date()
        except ValueError:
            problem("due_on", f"\"{due_text}\" is not a real date in the format YYYY-MM-DD, "
                              f"for example {DATE_FORMAT_EXAMPLE}.")
    priority = values.get("priority", "").strip().lower() or "medium"
    if priority not in PRIORITIES:
        problem("priority", f"\"{values.get('priority', '').strip()}\" is not a priority: use high, medium or low.")
    finding_ids: list[int] = []
    for part in _FINDING_SEPARATORS.split(values.get("finding_ids", "").strip()):
        if not part:
            continue
        if not part.isdigit() or int(part) == 0:
            problem("finding_ids", f"\"{part}\" is not a finding number. Give the numbers of the findings, "
                                   "separated by spaces or semicolons, like 12; 15.")
            break
        if int(part) not in finding_ids:
            finding_ids.append(int(part))
    return RowInput(line, hospital, department, title, description, owner_email, due_on, priority,
                    tuple(finding_ids)), problems


def parse(text: str, *, max_rows: int = MAX_ROWS) -> Parsed:
    """Every row of the file checked on its own (blank lines are skipped). The header decides
    which column is which, so columns may come in any order and optional ones may be left out."""
    result = Parsed()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        result.problems.append(Problem(f"The header row could not be read as CSV ({error}).", 1))
        return result
    if header is None or not any(cell.strip() for cell in header):
        result.problems.append(Problem("The first line must be the template's header row: "
                                       + ",".join(COLUMN_NAMES) + ".", 1))
        return result
    names, problems = _header(header)
    if problems:
        result.problems.extend(problems)
        return result
    rows = 0
    end = reader.line_num  # the line the last record ended on
    while True:
        start = end + 1
        try:
            cells = next(reader, None)
        except csv.Error as error:
            result.problems.append(Problem(f"The row could not be read as CSV ({error}).", start))
            break
        if cells is None:
            break
        end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        rows += 1
        if rows > max_rows:
            result.rows.clear()
            result.problems[:] = [Problem(f"The file has more than {max_rows:,} actions. "
                                          f"Split it into files of {max_rows:,} rows or fewer.")]
            return result
        if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names):]):
            result.problems.append(Problem(
                f"The row has {len(cells)} cells but the header has {len(names)} columns. "
                "Check for a comma inside a value that is not in double quotes.", start))
            continue
        row, row_problems = _row(start, dict(zip(names, cells)))
        result.problems.extend(row_problems)
        result.rows.append(row)
    if rows == 0 and not result.problems:
        result.problems.append(Problem("The file has a header row but no actions below it."))
    return result
