"""Reading the fields of CQC's published records (app.domain.cqc_records, cqc_ratings_csv): the
file's JSON objects, ids, text, dates, ratings and key questions, each checked, and RecordError
naming the record, the field and the value when one is wrong. Plain values in and out.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from app.domain.ratings import UnknownKeyQuestion, UnknownRating, parse_key_question, parse_rating


class RecordError(ValueError):
    """One bad record: where it is, which field, which value, and what is wrong."""

    def __init__(self, index: int | None, location_id: str | None, field_name: str, value: Any, problem: str,
                 *, unit: str = "Record") -> None:
        # unit: "Record" (the JSON record's position, from 0) or "Line" (the CSV file's line).
        self.unit = unit
        self.index = index
        self.location_id = location_id
        self.field = field_name
        self.value = value
        self.problem = problem
        super().__init__(str(self))

    @property
    def where(self) -> str:
        if self.index is None:
            return "The file"
        where = f"{self.unit} {self.index}"
        if self.location_id:
            where += f" (locationId {self.location_id})"
        return where

    def __str__(self) -> str:
        return f"{self.where}, field {self.field}: {self.problem} (value: {shown(self.value)})"


def shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def json_objects(data: bytes) -> list[Any]:
    """The file's objects: one JSON value (an object or a list of objects) or JSON lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordError(None, None, "encoding", data[error.start:error.start + 8].hex(),
                          f"the file is not UTF-8 text (byte {error.start})") from None
    if not text.strip():
        raise RecordError(None, None, "content", "", "the file is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as whole:
        lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
        if len(lines) < 2:
            raise RecordError(None, None, "JSON", _snippet(text, whole.pos),
                              f"malformed JSON at line {whole.lineno}, column {whole.colno}: {whole.msg}") from None
        objects = []
        for index, (number, line) in enumerate(lines):
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise RecordError(index, _location_hint(line), "JSON", _snippet(line, error.pos),
                                  f"malformed JSON on line {number}, column {error.colno}: {error.msg}") from None
        return objects
    return value if isinstance(value, list) else [value]


def _snippet(text: str, position: int) -> str:
    return text[max(0, position - 30): position + 30]


def _location_hint(line: str) -> str | None:
    # A broken line may still show its id, which helps find it in a large file.
    marker = '"locationId"'
    at = line.find(marker)
    if at < 0:
        return None
    rest = line[at + len(marker):].lstrip(" :")
    return rest[1:].split('"', 1)[0] if rest.startswith('"') else None


def read_id(value: dict[str, Any], name: str, index: int, location_id: str | None) -> str:
    raw = value.get(name)
    if not isinstance(raw, str) or not raw.strip():
        raise RecordError(index, location_id, name, raw, f"the {name} is missing")
    code = raw.strip().upper()
    if len(code) > 12 or not code.replace("-", "").isalnum():
        raise RecordError(index, location_id, name, raw, f"the {name} is not a CQC id")
    return code


def read_text(value: dict[str, Any], name: str, index: int, location_id: str | None,
          *, required: bool = False, limit: int = 200) -> str:
    raw = value.get(name)
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or (required and not raw.strip()):
        raise RecordError(index, location_id, name, raw, f"the {name} is missing" if not raw else "not text")
    return " ".join(raw.split())[:limit]


def parse_date(raw: Any, index: int, location_id: str | None, field_name: str) -> date:
    """A date as CQC writes it (YYYY-MM-DD), or RecordError naming the field and value."""
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            pass
    raise RecordError(index, location_id, field_name, raw, "not a date (expected YYYY-MM-DD)")


def optional_date(raw: Any, index: int, location_id: str, field_name: str) -> date | None:
    return None if raw in (None, "") else parse_date(raw, index, location_id, field_name)


def read_rating(raw: Any, index: int, location_id: str, field_name: str) -> str:
    try:
        return parse_rating(raw)
    except UnknownRating:
        raise RecordError(index, location_id, field_name, raw, "not a rating CQC uses") from None


def read_key_question(raw: Any, index: int, location_id: str, field_name: str) -> str:
    try:
        return parse_key_question(raw)
    except UnknownKeyQuestion:
        raise RecordError(index, location_id, field_name, raw, "not one of CQC's key questions") from None


def read_list(value: dict[str, Any], name: str, index: int, location_id: str | None) -> list[Any]:
    raw = value.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise RecordError(index, location_id, name, raw, "expected a list")
    return raw


def read_dict(raw: Any, index: int, location_id: str, field_name: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RecordError(index, location_id, field_name, raw, "expected an object")
    return raw
