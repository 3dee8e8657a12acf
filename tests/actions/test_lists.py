"""My actions and the actions board, through HTTP on the demo trust: filters in a GET form
(400 with the field's message when one is wrong), sorting, pagination that keeps the filters,
the counts, overdue shown as a tag with the days late, a lead's scope, the navigation, the CSV
export of every matching action with formula cells neutralised, and a fixed number of queries
per page whatever the number of actions."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.actions.models import Action
from app.actions.services import create_action, post_update
from app.extensions import db
from app.organisations.models import Hospital
from tests.support import department, statements, table_rows

TODAY = date.today()




def rows(html: str) -> list[list[str]]:
    found = table_rows(html, css_class="ql-actions")
    if not found:
        return []
    assert found[0] == ["Action", "Hospital and department", "Owner", "Due", "Status"]
    return found[1:]


def titles(html: str) -> list[str]:
    """The action titles on the page, tags left off."""
    return [re.sub(r" (Must do|High priority|Archived)", "", row[0]) for row in rows(html)]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())




def hospital(code: str) -> Hospital:
    return db.session.scalar(select(Hospital).where(Hospital.ods_code == code))


@pytest.fixture
def quality(demo, make_user):  # type: ignore[no-untyped-def]
    return make_user("quality", name="Quinn Quality")


@pytest.fixture
def raise_action(quality):  # type: ignore[no-untyped-def]
    """raise_action(title, due_in_days, ...) -> a committed action at Whipps Cross surgery."""
    def make(title, due_in, *, dept=None, owner=None, status=None, priority="medium"):  # type: ignore[no-untyped-def]
        dept = dept or department("R1HKH", "surgery")
        action = create_action(hospital=dept.hospital, department=dept, owner=owner or quality, title=title,
                               due_on=TODAY + timedelta(days=due_in), priority=priority)
        if status:
            post_update(action, author=quality, text="Status", new_status=status)
        db.session.commit()
        return action

    return make


def get(client, url="/actions", expect=200, **query):  # type: ignore[no-untyped-def]
    response = client.get(url, query_string=query)
    assert response.status_code == expect, text(response.text)[:2000]
    return response.text


# ---------------------------------------------------------------------------------------------
# The board


def test_the_board_lists_every_action_with_counts_for_every_role(client_as, demo):
    for role in ("admin", "quality", "lead", "viewer"):
        html = get(client_as(role, departments=[department("R1HKH", "urgent")] if role == "lead" else ()))
        assert len(rows(html)) == 10
        assert "10 actions" in text(html)
        assert "Filter the actions" in html


def test_overdue_is_a_tag_with_the_days_late_and_due_today_is_not_overdue(viewer_client, raise_action):
    raise_action("Yesterday's action", -1)
    raise_action("Today's action", 0)
    raise_action("Finished late", -9, status="completed")
    by_title = {titles_row[0]: titles_row for titles_row in rows(get(viewer_client, hospital="R1HKH", sort="due"))}
    assert "Overdue by 1 day" in by_title["Yesterday's action"][3]
    assert "Overdue" not in by_title["Today's action"][3]
    assert "Overdue" not in by_title["Finished late"][3]
    html = get(viewer_client, overdue="1", hospital="R1HKH")
    assert "Yesterday's action" in titles(html) and "Today's action" not in titles(html)
    assert all("Overdue by" in row[3] for row in rows(html))


def test_filters_narrow_the_board(viewer_client, raise_action, quality):
    surgery = department("R1HKH", "surgery")
    raise_action("Theatre checklist audit", 5)
    assert titles(get(viewer_client, department=surgery.code)) == ["Theatre checklist audit"]
    assert len(rows(get(viewer_client, hospital="R1H12"))) == 3
    assert len(rows(get(viewer_client, trust="R1H"))) == 11
    assert titles(get(viewer_client, owner=str(quality.id))) == ["Theatre checklist audit"]
    assert titles(get(viewer_client, due_within="10", hospital="R1HKH")) == ["Theatre checklist audit"]
    assert all("Verified closed" in row[4] for row in rows(get(viewer_client, status="verified")))
    must_do = titles(get(viewer_client, must_do="1"))
    assert must_do and "Theatre checklist audit" not in must_do
    assert "Recruit to the full midwifery establishment" in must_do
    html = get(viewer_client, hospital="R1HKH", status="unfinished", sort="due")
    assert all(("Open" in row[4] or "In progress" in row[4]) for row in rows(html))


def test_checkbox_filters_accept_zero_as_no(viewer_client, demo):
    assert len(rows(get(viewer_client, overdue="0", must_do="false", archived="0"))) == 10


@pytest.mark.parametrize(("query", "message"), [
    ({"due_within": "soon"}, "Due within must be a whole number of days, like 30"),
    ({"due_within": "0"}, "Due within must be from 1 to 366 days"),
    ({"hospital": "ZZZ99"}, "Hospital must be one of the hospitals in the list"),
    ({"department": "NOPE"}, "Department must be one of the departments in the list"),
    ({"trust": "XXX"}, "Trust must be one of the trusts in the list"),
    ({"status": "lost"}, "Status must be one of the statuses in the list"),
    ({"owner": "999999"}, "Owner must be one of the owners in the list"),
    ({"sort": "title; DROP TABLE actions"}, "Sort by must be one of the orders in the list"),
])
def test_a_bad_filter_is_a_400_naming_the_field_and_lists_nothing(viewer_client, demo, query, message):
    html = get(viewer_client, expect=400, **query)
    assert "There is a problem" in html and message in html
    assert rows(html) == [] and "Correct the filters above to see the actions." in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: Actions" in html


def test_sorting_by_due_date_both_ways(viewer_client, raise_action):
    raise_action("Soon", 2)
    raise_action("Later", 40)
    due = titles(get(viewer_client, hospital="R1HKH", status="open", sort="due"))
    assert due.index("Soon") < due.index("Later")
    assert titles(get(viewer_client, hospital="R1HKH", status="open", sort="due_desc")) == due[::-1]


def test_pages_of_25_whose_links_keep_the_filters(viewer_client, raise_action):
    for n in range(30):
        raise_action(f"Bulk action {n:02}", n + 1)
    html = get(viewer_client, department=department("R1HKH", "surgery").code, sort="due")
    assert titles(html) == [f"Bulk action {n:02}" for n in range(25)]
    assert "Actions: 1 to 25 of 30" in text(html)
    links = re.findall(r'href="(/actions\?[^"]*page=2[^"]*)"', html)
    assert links and all("department=R1HKH-SURGERY" in unescape(link) and "sort=due" in unescape(link)
                         for link in links)
    second = viewer_client.get(unescape(links[0]))
    assert titles(second.text) == [f"Bulk action {n:02}" for n in range(25, 30)]
    assert "(page 2 of 2)" in second.text
    missing = viewer_client.get("/actions", query_string={"page": 9})
    assert missing.status_code == 404 and "has no page 9" in missing.text


def test_the_import_link_is_for_the_quality_team_only(client_as, demo):
    assert "Import actions from a CSV file" in get(client_as("quality"))
    assert "Import actions from a CSV file" not in get(client_as("lead", departments=[department("R1HKH", "urgent")]))


# ---------------------------------------------------------------------------------------------
# The CSV export


def export(client, **query):  # type: ignore[no-untyped-def]
    response = client.get("/actions.csv", query_string=query)
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="actions-{TODAY.isoformat()}.csv"'
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_csv_has_every_matching_action_not_just_the_page(viewer_client, raise_action):
    for n in range(30):
        raise_action(f"Bulk action {n:02}", n - 3)
    lines = export(viewer_client, department=department("R1HKH", "surgery").code, sort="due")
    assert [line["title"] for line in lines] == [f"Bulk action {n:02}" for n in range(30)]
    first = lines[0]
    assert first["hospital"] == "R1HKH" and first["department"] == "R1HKH-SURGERY"
    assert (first["overdue"], first["days_late"]) == ("yes", "3")
    assert (lines[3]["overdue"], lines[3]["days_late"]) == ("no", "0")  # due today
    assert first["due_on"] == (TODAY - timedelta(days=3)).isoformat()
    assert first["status"] == "open" and first["must_do"] == "no" and first["archived"] == "no"
    action = db.session.scalar(select(Action).where(Action.title == "Bulk action 00"))
    assert first["id"] == str(action.id) and first["owner_email"] == action.owner.email


def test_the_csv_follows_the_filters_and_refuses_bad_ones(viewer_client, demo):
    lines = export(viewer_client, hospital="R1H12")
    assert len(lines) == 3 and {line["hospital"] for line in lines} == {"R1H12"}
    bad = viewer_client.get("/actions.csv", query_string={"due_within": "x"})
    assert bad.status_code == 400 and "Due within must be a whole number of days" in bad.text


@pytest.mark.parametrize("title", ["=HYPERLINK(\"http://evil.example\")", "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(viewer_client, raise_action, title):
    raise_action(title, 10)
    lines = export(viewer_client, department=department("R1HKH", "surgery").code)
    assert [line["title"] for line in lines] == ["'" + title]


# ---------------------------------------------------------------------------------------------
# My actions


def test_my_actions_for_a_lead_are_their_departments_overdue_first(client_of, make_user, raise_action):
    surgery = department("R1HKH", "surgery")
    lead = make_user("lead", name="Sue Surgeon", departments=[surgery])
    raise_action("Due next week", 7)
    raise_action("Overdue a fortnight", -14)
    raise_action("Overdue a day", -1)
    raise_action("Closed already", 3, status="completed")
    elsewhere = department("R1HKH", "urgent")
    raise_action("Another department's", -5, dept=elsewhere)
    html = get(client_of(lead), "/actions/mine")
    assert titles(html) == ["Overdue a fortnight", "Overdue a day", "Closed already", "Due next week"]
    assert "Overdue by 14 days" in rows(html)[0][3]
    page = text(html)
    assert "3 Not finished (open or in progress)" in page
    assert "2 Overdue" in page
    assert "1 Due in the next 30 days" in page
    assert "1 Completed, awaiting verification" in page
    assert "Surgery, Whipps Cross University Hospital" in page


def test_my_actions_include_what_a_lead_owns_and_closed_ones_on_request(client_of, demo):
    from app.auth.models import User

    midwife = db.session.scalar(select(User).where(User.email == "midwifery-lead@demo.quality-ledger.test"))
    client = client_of(midwife)
    current = titles(get(client, "/actions/mine"))
    assert sorted(current) == sorted([
        "All midwives and obstetricians complete annual fetal monitoring training",
        "Recruit to the full midwifery establishment",
        "Audit the maternity triage telephone line quarterly",
    ])
    assert len(titles(get(client, "/actions/mine", closed="1"))) == 3  # none of hers is closed
    ae_lead = db.session.scalar(select(User).where(User.email == "ae-lead@demo.quality-ledger.test"))
    ae = get(client_of(ae_lead), "/actions/mine", closed="1")
    assert "Introduce rapid assessment and triage at the emergency department front door" in titles(ae)
    assert "Introduce rapid assessment and triage at the emergency department front door" not in titles(
        get(client_of(ae_lead), "/actions/mine"))


def test_my_actions_for_the_quality_team_are_the_actions_they_own(client_of, quality, raise_action):
    raise_action("Mine", 20)
    html = get(client_of(quality), "/actions/mine")
    assert titles(html) == ["Mine"]
    assert "The actions you own" in html


def test_my_actions_is_for_leads_and_the_quality_team(client_as, demo):
    for role in ("admin", "viewer"):
        assert client_as(role).get("/actions/mine").status_code == 403
    bad = client_as("quality").get("/actions/mine", query_string={"sort": "nonsense"})
    assert bad.status_code == 400 and "Sort by must be one of the orders in the list" in bad.text


def test_navigation_shows_the_lists_to_the_roles_that_may_use_them(client_as, demo):
    def nav(html: str) -> list[str]:
        header = html.split("<header", 1)[1].split("</header>", 1)[0]
        return [text(label) for label in re.findall(r"<a[^>]*>(.*?)</a>", header, re.S)]

    lead = client_as("lead", departments=[department("R1HKH", "urgent")])
    assert {"Actions", "My actions"} <= set(nav(get(lead, "/actions")))
    assert {"Actions", "My actions"} <= set(nav(get(client_as("quality"), "/actions")))
    assert "Actions" in nav(get(client_as("viewer"), "/actions"))
    assert "My actions" not in nav(get(client_as("viewer"), "/actions"))
    assert "My actions" not in nav(get(client_as("admin"), "/actions"))


# ---------------------------------------------------------------------------------------------
# Queries per page


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen)


def test_the_pages_cost_the_same_number_of_queries_at_two_data_sizes(client_of, make_user, raise_action, quality):
    surgery = department("R1HKH", "surgery")
    lead = make_user("lead", departments=[surgery])
    urls = ["/actions", "/actions?hospital=R1HKH&overdue=1&sort=owner", "/actions/mine", "/actions?page=2"]
    for n in range(30):
        raise_action(f"Small {n}", n - 10, owner=lead if n % 2 else quality)
    small = {url: count_queries(client_of(lead), url) for url in urls}
    for n in range(120):
        raise_action(f"Large {n}", n - 60, owner=lead if n % 2 else quality)
    large = {url: count_queries(client_of(lead), url) for url in urls}
    assert small == large
    assert max(large.values()) <= 12, large
