"""The actions board's drop-downs at scale: a list longer than CHOICES_LIMIT is offered only
within the trust or hospital chosen (with a hint saying so), and a value already chosen always
stays a choice. The demo's 5 hospitals and their departments stand in for a national dataset by
lowering the limit."""

from __future__ import annotations

import re

import pytest

from app.actions import queries
from tests.support import page_text


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


@pytest.fixture
def small_limit(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(queries, "CHOICES_LIMIT", 3)


def test_long_lists_wait_for_a_trust_or_hospital_and_say_so(viewer_client, demo, small_limit):
    html = viewer_client.get("/actions").text
    assert options(html, "hospital") == [""] and options(html, "department") == [""]
    text = page_text(html)
    assert "Choose a trust and apply the filters to choose one of its hospitals." in text
    assert "Choose a trust or a hospital and apply the filters to choose one of its departments." in text
    assert len(options(html, "trust")) == 2  # the trusts are always offered


def test_choosing_a_trust_then_a_hospital_narrows_step_by_step(viewer_client, demo, small_limit):
    in_trust = options(viewer_client.get("/actions?trust=R1H").text, "hospital")
    assert len(in_trust) == 6 and "R1HKH" in in_trust  # "Any" and the trust's 5 hospitals
    html = viewer_client.get("/actions?trust=R1H&hospital=R1HKH").text
    departments = options(html, "department")
    assert "R1HKH-SURGERY" in departments and all(d.startswith("R1HKH-") for d in departments[1:])


def test_a_chosen_value_stays_valid_outside_the_lists(viewer_client, demo, small_limit):
    response = viewer_client.get("/actions?department=R1HKH-SURGERY")
    assert response.status_code == 200
    assert options(response.text, "department") == ["", "R1HKH-SURGERY"]
    assert viewer_client.get("/actions?hospital=R1HKH").status_code == 200


def test_an_unknown_value_is_still_refused(viewer_client, demo, small_limit):
    response = viewer_client.get("/actions?department=NOPE")
    assert response.status_code == 400
    assert "Department must be one of the departments in the list" in page_text(response.text)


def test_short_lists_are_offered_whole(viewer_client, demo):
    html = viewer_client.get("/actions").text
    assert len(options(html, "hospital")) == 6 and len(options(html, "department")) > 30
