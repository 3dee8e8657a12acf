"""A record's number as a request gives it (app.forms_support.record_number): anything that is not
one is "no such record", never a 500 — the bugs fuzzing found (tests/fuzz)."""

from __future__ import annotations

import pytest

from app.forms_support import record_number
from tests.support import page_text


@pytest.mark.parametrize("text, number", [
    ("42", 42), (" 7 ", 7), ("0", 0), ("9" * 18, int("9" * 18)),
    ("9" * 19, None), ("²", None), ("٣", None), ("-1", None), ("1.5", None), ("", None), (None, None),
])
def test_record_numbers(text, number):
    assert record_number(text) == number


@pytest.mark.parametrize("query", ["finding=99999999999999999999", "finding=²", "incident=99999999999999999999"])
def test_raising_an_action_from_no_such_record_is_not_a_500(quality_client, demo, query):
    response = quality_client.get(f"/actions/new?{query}")
    assert response.status_code in (400, 404)
    assert "There is no" in page_text(response.text)


def test_the_api_says_a_huge_page_number_is_out_of_range(app, make_user):
    from datetime import date

    from app.api.services import issue_token
    from app.extensions import db

    _token, plaintext = issue_token(user=make_user("viewer"), name="t", expires_on=None, actor=None, today=date.today())
    db.session.commit()
    response = app.test_client().get("/api/v1/trusts?page=" + "9" * 40, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 400
    assert "page must be a whole number" in response.get_json()["message"] + str(response.get_json()["errors"])
