"""`flask grid CODE [--as-of DATE] [--json]` on the demo trust."""

from __future__ import annotations

import json
from datetime import date

import pytest

KEY_QUESTIONS = ("Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall")
WORDS = {
    "O": "Outstanding",
    "G": "Good",
    "RI": "Requires improvement",
    "I": "Inadequate",
    "IBNR": "Inspected but not rated",
}


def expected_cells(table: list[tuple[str | None, str, str]]) -> list[dict]:
    """[(service, "G RI - ...", date)] -> the JSON cells, in row then column order."""
    return [
        {"service": service, "key_question": kq, "rating": WORDS[code], "date": when}
        for service, codes, when in table
        for kq, code in zip(KEY_QUESTIONS, codes.split(), strict=True)
        if code != "-"
    ]


# Whipps Cross today: the 2019 report everywhere, except maternity's 2022 focused inspection,
# whose new service (npimaternity) replaced Maternity and gynaecology.
CURRENT = expected_cells(
    [
        ("urgent", "RI G G RI RI RI", "2019-02-01"),
        ("care", "RI G G RI RI RI", "2019-02-01"),
        ("surgery", "RI G G RI RI RI", "2019-02-01"),
        ("critical", "G G G G G G", "2019-02-01"),
        ("npimaternity", "RI - - - RI RI", "2022-11-04"),
        ("childrens", "G G G G G G", "2019-02-01"),
        ("life", "RI RI G RI RI RI", "2019-02-01"),
        ("npioutpatients", "RI IBNR G RI RI RI", "2019-02-01"),
        ("diagnostic", "G - G RI G G", "2019-02-01"),
        (None, "RI G G RI RI RI", "2019-02-01"),
    ]
)

# As of 1 June 2016: the March 2015 report, Inadequate overall.
REPORT_2015 = expected_cells(
    [
        ("urgent", "I RI G I I I", "2015-03-17"),
        ("care", "I RI G RI I I", "2015-03-17"),
        ("surgery", "I RI RI I I I", "2015-03-17"),
        ("critical", "RI G G RI RI RI", "2015-03-17"),
        ("maternity", "RI RI G RI RI RI", "2015-03-17"),
        ("childrens", "I RI G RI I I", "2015-03-17"),
        ("life", "I RI RI I I I", "2015-03-17"),
        ("outpatients", "I IBNR RI I I I", "2015-03-17"),
        (None, "I RI RI I I I", "2015-03-17"),
    ]
)


@pytest.mark.parametrize(
    ("args", "as_of", "cells"),
    [
        (["--as-of", "2026-11-28"], "2026-11-28", CURRENT),
        (["--as-of", "2016-06-01"], "2016-06-01", REPORT_2015),
        (["--as-of", "2015-03-16"], "2015-03-16", []),  # the day before the first report
    ],
)
def test_grid_json(runner, demo, args, as_of, cells):
    result = runner.invoke(args=["grid", "R1HKH", "--json", *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"hospital": "R1HKH", "as_of": as_of, "cells": cells}


def test_grid_json_defaults_to_today(runner, demo):
    result = runner.invoke(args=["grid", "r1hkh", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["as_of"] == date.today().isoformat()
    if date.today() >= date(2022, 11, 4):
        assert data["cells"] == CURRENT


def test_grid_text_shows_the_header_and_the_ratings(runner, demo):
    result = runner.invoke(args=["grid", "R1HKH", "--as-of", "2016-06-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Whipps Cross University Hospital (R1HKH) — official ratings as of 2016-06-01"
    assert lines[1].split() == ["Service", *KEY_QUESTIONS]
    body = "\n".join(lines[2:])
    for words in ("Urgent and emergency services", "Outpatients and diagnostic imaging",
                  "Overall for Whipps Cross University Hospital", "Inadequate",
                  "Requires improvement", "Inspected but not rated", "2015-03-17"):
        assert words in body
    assert "2019-02-01" not in body


def test_grid_for_an_unknown_hospital_fails_clearly(runner):
    result = runner.invoke(args=["grid", "R1HXX"])
    assert result.exit_code != 0
    assert "There is no hospital with the code R1HXX." in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("bad", ["2016-13-01", "01/06/2016", "yesterday", ""])
def test_grid_with_a_bad_date_fails_clearly(runner, bad):
    result = runner.invoke(args=["grid", "R1HKH", "--as-of", bad])
    assert result.exit_code == 2
    assert f"'{bad}' is not a date in the form YYYY-MM-DD, for example 2026-10-31." in result.output
    assert "Traceback" not in result.output
