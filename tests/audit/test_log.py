"""The audit log page and its CSV export: access, filters, pages, and the file's cells."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.extensions import db
from app.organisations.services import create_department, create_hospital, create_trust
from app.presentation import page_numbers
from tests.support import page_text, table_rows


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]




def rows(html: str) -> list[list[str]]:
    return table_rows(html, css_class="ql-audit", body_only=True)




def csv_rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def quality(make_user):  # type: ignore[no-untyped-def]
    return make_user("quality", name="Quinn Quality", email="quinn@example.nhs.uk")


@pytest.fixture
def client(app, quality, login_as):  # type: ignore[no-untyped-def]
    return login_as(app.test_client(), quality)


# -- Who may see it ------------------------------------------------------------------------------------


@pytest.fixture
def department(app):  # type: ignore[no-untyped-def]
    trust = create_trust(ods_code="R1H", name="Barts Health NHS Trust")
    hospital = create_hospital(trust, ods_code="R1HKH", name="Whipps Cross University Hospital")
    department = create_department(hospital, service_code="maternity")
    db.session.commit()
    return department


@pytest.mark.parametrize("path", ["/audit", "/audit.csv"])
@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("quality", 200), ("lead", 403), ("viewer", 403)])
def test_access_by_role(app, make_user, login_as, department, path, role, status):
    user = make_user(role, departments=[department] if role == "lead" else [])
    assert login_as(app.test_client(), user).get(path).status_code == status


@pytest.mark.parametrize("path", ["/audit", "/audit.csv"])
def test_anonymous_is_sent_to_sign_in(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"


def test_the_header_links_to_the_log_for_quality_only(client, viewer_client):
    assert 'href="/audit"' in client.get("/").text
    assert 'href="/audit"' not in viewer_client.get("/").text


# -- The page --------------------------------------------------------------------------------------------


def test_a_row_shows_when_who_action_record_and_changes(client, quality):
    trust = create_trust(ods_code="R1H", name="Barts Health", actor=quality)
    hospital = create_hospital(trust, ods_code="R1HKH", name="Whipps Cross", town="Leytonstone")
    db.session.commit()
    response = client.get("/audit?kind=hospitals")
    assert response.status_code == 200
    [row] = rows(response.text)
    when, who, action, record, changes = row
    assert re.fullmatch(r"\d{1,2} \w+ \d{4} at \d\d:\d\d UTC", when)
    assert (who, action, record) == ("System", "Create", f"Hospital {hospital.id}")
    assert "name: Whipps Cross" in changes and "town: Leytonstone" in changes
    assert f'href="/hospitals/R1HKH">Hospital {hospital.id}</a>' in response.text
    [trust_row] = rows(client.get("/audit?kind=trusts").text)
    assert trust_row[1] == "Quinn Quality" and "href=" not in trust_row[3]


def test_an_update_shows_before_and_after(client, add_event):
    add_event(utc(2024, 3, 17, 9, 5), changes={"name": ["Old name", "New name"], "town": ["Bow", None]})
    [row] = rows(client.get("/audit?kind=trusts").text)
    assert row[4] == "name: Old name → changed to New name town: Bow → changed to — blank"


def test_a_long_value_is_cut_short_with_the_whole_value_in_details(client, add_event):
    long_value = "A finding that goes on. " * 20
    add_event(utc(2024, 3, 17), changes={"text": [None, long_value]})
    html = client.get("/audit?kind=trusts").text
    cell = rows(html)[0][4]
    assert long_value[:120].strip() + "…" in cell
    assert "Show the whole new value" in cell
    assert re.search(r"<details[^>]*>.*?" + re.escape(long_value.strip()), html, re.S)


def test_values_are_escaped(client, add_event):
    add_event(utc(2024, 3, 17), changes={"name": ["<b>old</b>", "<script>alert(1)</script>"]})
    html = client.get("/audit").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_filters_by_user_kind_action_and_dates(client, make_user, add_event):
    ann = make_user("admin", name="Ann Admin")
    add_event(utc(2024, 3, 15, 23, 59), user=ann, record_id=1)
    add_event(utc(2024, 3, 16, 0, 0), user=ann, record_id=2, kind="hospitals", action="create")
    add_event(utc(2024, 3, 17, 23, 59), user=ann, record_id=3)
    add_event(utc(2024, 3, 17, 23, 59, 59), record_id=4)
    add_event(utc(2024, 3, 18, 0, 0), user=ann, record_id=5)

    def ids(**query: str) -> list[str]:
        response = client.get("/audit", query_string=query)
        assert response.status_code == 200
        return [row[3].rsplit(" ", 1)[1] for row in rows(response.text)]

    span = {"date_from": "2024-03-16", "date_to": "2024-03-17"}
    assert ids(**span) == ["4", "3", "2"]  # 00:00 on the first day and 23:59 on the last
    assert ids(**span, user=str(ann.id)) == ["3", "2"]
    assert ids(**span, user="system") == ["4"]
    assert ids(**span, kind="hospitals") == ["2"]
    assert ids(**span, action="create") == ["2"]
    assert ids(date_from="2024-03-17", date_to="2024-03-17") == ["4", "3"]
    assert ids(date_to="2024-03-15") == ["1"]


def test_the_filters_stay_filled_in(client, add_event):
    add_event(utc(2024, 3, 17))
    html = client.get("/audit?kind=trusts&action=update&date_from=2024-03-01").text
    assert re.search(r'<option value="trusts" selected\s*>', html)
    assert re.search(r'<option value="update" selected\s*>', html)
    assert 'value="2024-03-01"' in html


def test_the_user_choices_include_deactivated_users_and_kinds_read_in_words(client, make_user, add_event):
    from app.auth.services import set_active

    gone = make_user("viewer", name="Gone Viewer", email="gone@example.nhs.uk")
    set_active(gone, False)
    db.session.commit()
    add_event(utc(2024, 3, 17), kind="rating_cells")
    html = client.get("/audit").text
    html = " ".join(html.split()).replace(" >", ">")
    assert f'<option value="{gone.id}">Gone Viewer (gone@example.nhs.uk), deactivated</option>' in html
    assert '<option value="rating_cells">Rating cell</option>' in html
    assert '<option value="users">User</option>' in html


def test_no_matching_events(client):
    response = client.get("/audit?action=restore")
    assert response.status_code == 200
    assert "No events match these filters." in page_text(response.text)
    assert rows(response.text) == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "17/03/2024"}, "date_from",
         "Date from must be a real date in the format YYYY-MM-DD, for example 2024-03-17"),
        ({"date_to": "2024-02-30"}, "date_to",
         "Date to must be a real date in the format YYYY-MM-DD, for example 2024-03-17"),
        ({"date_from": "2024-03-18", "date_to": "2024-03-17"}, "date_to",
         "Date to must be on or after date from"),
        ({"user": "99999"}, "user", "User must be one of the users in the list"),
        ({"user": "Robert'); DROP TABLE users;--"}, "user", "User must be one of the users in the list"),
        ({"kind": "passwords"}, "kind", "Record kind must be one of the kinds in the list"),
        ({"action": "delete"}, "action", "Action must be one of create, update, archive, restore"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_show_no_events(client, add_event, query, field, message):
    add_event(utc(2024, 3, 17))
    response = client.get("/audit", query_string=query)
    assert response.status_code == 400
    text = page_text(response.text)
    assert text.count(message) == 2  # in the error summary and at the field
    assert f'href="#{field}"' in response.text  # the summary links to the field
    assert "Error: Audit log" in text
    assert rows(response.text) == []
    assert "/audit.csv" not in response.text


def test_the_dates_keep_what_was_typed_when_wrong(client):
    html = client.get("/audit?date_from=17/03/2024").text
    assert 'value="17/03/2024"' in html


# -- Pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def many(add_event):  # type: ignore[no-untyped-def]
    """120 update events, one a minute, record ids 0 to 119 (newest has the highest)."""
    from app.audit.models import AuditEvent

    for number in range(120):
        db.session.add(AuditEvent(occurred_at=utc(2024, 3, 17, number // 60, number % 60), action="update",
                                  record_kind="trusts", record_id=number, changes={"name": ["a", "b"]}))
    db.session.commit()


def _page_links(html: str) -> dict[str, dict[str, list[str]]]:
    """{link text: query} of the pagination's links."""
    nav = re.search(r'<nav class="nhsuk-pagination.*?</nav>', html, re.S)
    assert nav, "no pagination"
    links = {}
    for href, body in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', nav.group(0), re.S):
        links[page_text(body)] = parse_qs(urlsplit(unescape(href)).query)
    return links


def test_fifty_a_page_and_the_page_links_keep_the_filters(client, many):
    first = client.get("/audit?kind=trusts&date_to=2024-03-17")
    assert len(rows(first.text)) == 50
    assert rows(first.text)[0][3] == "Trust 119"
    assert "Audit events 1 to 50 of 120, newest first" in page_text(first.text)
    links = _page_links(first.text)
    assert links["2"] == {"kind": ["trusts"], "date_to": ["2024-03-17"], "page": ["2"]}
    assert links["Next page"]["page"] == ["2"] and links["3"]["kind"] == ["trusts"]

    last = client.get("/audit?kind=trusts&date_to=2024-03-17&page=3")
    assert [row[3] for row in rows(last.text)] == [f"Trust {n}" for n in range(19, -1, -1)]
    assert "Audit events 101 to 120 of 120" in page_text(last.text)
    links = _page_links(last.text)
    assert links["Previous page"]["page"] == ["2"] and "Next page" not in links
    assert 'aria-current="page"' in last.text


def test_a_page_past_the_end_is_not_found(client, many):
    assert client.get("/audit?page=4&kind=trusts").status_code == 404
    assert client.get("/audit?page=0&kind=trusts").status_code == 200  # read as the first page
    assert client.get("/audit?page=two&kind=trusts").status_code == 200


def test_the_page_links_skip_the_middle_pages():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 3) == [1, 2, 3]
    assert page_numbers(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert page_numbers(2, 10) == [1, 2, 3, None, 10]


def test_the_page_runs_the_same_few_queries_however_many_events(client, add_event, many, count_queries):
    # (Expired, so the signed-in user is loaded as in a real request, not found in the
    # test's own session.)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/audit?date_from=2024-03-17&date_to=2024-03-17&page=3").status_code == 200
    db.session.expire_all()
    with count_queries() as full:
        assert client.get("/audit?date_from=2024-03-17&date_to=2024-03-17").status_code == 200
    # The signed-in user, the two choice lists, one page of events (users and hospitals
    # joined in), one count.
    assert len(few) == len(full) == 5
    assert sum("FROM audit_events" in s for s in full) == 3


# -- The CSV file --------------------------------------------------------------------------------------


def test_the_export_link_carries_the_filters(client, add_event):
    add_event(utc(2024, 3, 17))
    html = client.get("/audit?kind=trusts&date_from=2024-03-01").text
    [href] = re.findall(r'href="(/audit\.csv[^"]*)"', html)
    assert parse_qs(urlsplit(unescape(href)).query) == {"kind": ["trusts"], "date_from": ["2024-03-01"]}


def test_csv_is_an_attachment_with_a_dated_name(client):
    response = client.get("/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="audit-{datetime.now(timezone.utc).date().isoformat()}.csv"'
    )
    assert response.is_streamed
    assert csv_rows(response)[0] == [
        "occurred_at", "user_email", "user_name", "action", "record_kind", "record_id", "field", "before", "after",
    ]


def test_csv_has_every_matching_row_one_per_changed_field(client, quality, many, add_event):
    add_event(utc(2024, 3, 18, 8, 0), user=quality, kind="hospitals", record_id=7,
              changes={"name": ["Old", "New"], "town": ["Bow", "Leytonstone"]})
    add_event(utc(2024, 3, 18, 9, 0), action="archive", kind="inspections", changes={})
    response = client.get("/audit.csv?date_from=2024-03-17&date_to=2024-03-18")
    body = csv_rows(response)[1:]
    assert len(body) == 120 + 2 + 1  # all pages' events, not just the first 50
    assert body[0] == ["2024-03-18T09:00:00Z", "", "", "archive", "inspections", "1", "", "", ""]
    assert body[1:3] == [
        ["2024-03-18T08:00:00Z", "quinn@example.nhs.uk", "Quinn Quality", "update", "hospitals", "7", "name", "Old", "New"],
        ["2024-03-18T08:00:00Z", "quinn@example.nhs.uk", "Quinn Quality", "update", "hospitals", "7", "town", "Bow", "Leytonstone"],
    ]
    assert body[3] == ["2024-03-17T01:59:00Z", "", "", "update", "trusts", "119", "name", "a", "b"]
    assert body[-1] == ["2024-03-17T00:00:00Z", "", "", "update", "trusts", "0", "name", "a", "b"]


def test_csv_applies_the_filters(client, quality, add_event):
    add_event(utc(2024, 3, 17), user=quality, kind="hospitals", action="create")
    add_event(utc(2024, 3, 17), kind="hospitals")
    add_event(utc(2024, 3, 18), user=quality, kind="trusts")
    body = csv_rows(client.get(f"/audit.csv?user={quality.id}&kind=hospitals"))[1:]
    assert [(row[3], row[4]) for row in body] == [("create", "hospitals")]


def test_csv_defuses_formulas_in_names(client, quality):
    create_trust(ods_code="R1H", name='=HYPERLINK("http://evil.example","Click")', actor=quality)
    db.session.commit()
    body = csv_rows(client.get("/audit.csv?kind=trusts"))[1:]
    [name] = [row for row in body if row[6] == "name"]
    assert name[8] == '\'=HYPERLINK("http://evil.example","Click")'
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in body for cell in row)


def test_csv_with_bad_filters_is_refused_with_the_reason(client):
    response = client.get("/audit.csv?date_from=2024-03-18&date_to=2024-03-17")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Date to must be on or after date from" in page_text(response.text)
