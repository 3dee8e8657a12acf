"""The read API's endpoints on the demo data: pagination, filters, the grid as of a date (the
same as `flask grid --json`), bad parameters, role scoping of actions, and bounded queries."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.actions.models import Action
from app.extensions import db
from tests.support import department, statements


def test_pages_follow_one_another_without_overlap_up_to_the_total(demo, viewer_api):
    first = viewer_api.json("/api/v1/departments?per_page=10")
    total = first["total"]
    assert total > 20 and first["page"] == 1 and first["per_page"] == 10 and len(first["items"]) == 10
    codes, body, pages = [], first, 0
    while True:
        pages += 1
        codes += [d["code"] for d in body["items"]]
        if body["next"] is None:
            break
        assert f"page={pages + 1}" in body["next"] and "per_page=10" in body["next"]
        body = viewer_api.json(body["next"])
    assert pages == -(-total // 10) and len(codes) == total == len(set(codes))
    second = viewer_api.json("/api/v1/departments?per_page=10&page=2")
    assert second["page"] == 2 and second["items"][0]["code"] == codes[10]
    beyond = viewer_api.json(f"/api/v1/departments?per_page=10&page={pages + 1}")
    assert beyond["items"] == [] and beyond["next"] is None and beyond["total"] == total
    # The filters carry over into the next link.
    filtered = viewer_api.json("/api/v1/departments?hospital=R1HKH&per_page=3")
    assert "hospital=R1HKH" in filtered["next"] and all(d["hospital"] == "R1HKH" for d in filtered["items"])


def test_per_page_has_a_maximum_and_a_default(demo, viewer_api):
    assert viewer_api.json("/api/v1/departments")["per_page"] == 25
    assert len(viewer_api.json("/api/v1/departments?per_page=100")["items"]) == viewer_api.json("/api/v1/departments")["total"]
    for url, parameter in [
        ("/api/v1/departments?per_page=101", "per_page"),
        ("/api/v1/departments?per_page=0", "per_page"),
        ("/api/v1/departments?page=0", "page"),
        ("/api/v1/departments?page=two", "page"),
        ("/api/v1/actions?per_page=-1", "per_page"),
    ]:
        body = viewer_api.json(url, status=400)
        assert list(body["errors"]) == [parameter] and parameter in body["errors"][parameter], url


BAD_PARAMETERS = [
    ("/api/v1/trusts?colour=blue", "colour", "colour is not a parameter of this endpoint"),
    ("/api/v1/hospitals?trust=NOPE", "trust", "there is no trust 'NOPE'"),
    ("/api/v1/departments?hospital=NOPE1", "hospital", "there is no hospital 'NOPE1'"),
    ("/api/v1/hospitals/R1HKH/grid?as_of=2016-02-30", "as_of", "as_of must be a real date in the format YYYY-MM-DD"),
    ("/api/v1/hospitals/R1HKH/grid?as_of=1%20June", "as_of", "as_of must be a real date"),
    ("/api/v1/trusts/R1H/grid?as_of=20160601", "as_of", "as_of must be a real date"),
    ("/api/v1/hospitals/R1HKH/grid?internal=maybe", "internal", "internal must be 1 or 0"),
    ("/api/v1/inspections?source=cqc", "source", "Official or internal must be one of the choices"),
    ("/api/v1/inspections?published_from=2019-01-01&published_to=2018-01-01", "published_to",
     "Published to must be on or after published from"),
    ("/api/v1/inspections?hospital=NOPE1", "hospital", "Hospital must be one of the hospitals"),
    ("/api/v1/findings?kind=must", "kind", "kind must be one of"),
    ("/api/v1/findings?inspection=first", "inspection", "inspection must be an inspection's number"),
    ("/api/v1/findings?key_question=Overall", "key_question", "key_question must be one of"),
    ("/api/v1/actions?status=late", "status", "Status must be one of the statuses"),
    ("/api/v1/actions?due_within=0", "due_within", "Due within must be from 1 to 366 days"),
    ("/api/v1/actions?due_within=soon", "due_within", "Due within must be a whole number of days"),
    ("/api/v1/actions?sort=random", "sort", "Sort by must be one of the orders"),
    ("/api/v1/actions?page=1&page=2", "page", "page is given more than once"),
    ("/api/v1/trusts/R1H?as_of=2016-01-01", "as_of", "as_of is not a parameter of this endpoint"),
]


def test_a_bad_parameter_is_a_400_naming_it_and_the_problem(demo, viewer_api):
    for url, parameter, words in BAD_PARAMETERS:
        body = viewer_api.json(url, status=400)
        assert body["status"] == 400 and list(body["errors"]) == [parameter], url
        assert words in body["errors"][parameter] and body["message"] == body["errors"][parameter], url


def test_a_hospitals_grid_as_of_a_date_is_flask_grid_json(demo, viewer_api, runner):
    for as_of in ("2015-06-01", "2016-06-01", "2019-06-01"):
        api = viewer_api.json(f"/api/v1/hospitals/R1HKH/grid?as_of={as_of}")
        printed = runner.invoke(args=["grid", "R1HKH", "--as-of", as_of, "--json"])
        assert printed.exit_code == 0
        assert api == json.loads(printed.output)
        assert api["as_of"] == as_of and all(c["date"] <= as_of for c in api["cells"])
    assert viewer_api.json("/api/v1/hospitals/R1HKH/grid?as_of=2016-06-01") != viewer_api.json(
        "/api/v1/hospitals/R1HKH/grid?as_of=2019-06-01")
    assert viewer_api.json("/api/v1/hospitals/R1HKH/grid?as_of=2000-01-01")["cells"] == []
    internal = viewer_api.json("/api/v1/hospitals/R1HKH/grid?internal=1")
    assert internal["official"] is False and isinstance(internal["inspection_id"], int)
    assert viewer_api.json("/api/v1/hospitals/R1HKH/grid?internal=1&as_of=2016-06-01", status=404)["status"] == 404


def test_a_trusts_grid_holds_each_hospitals_own_row(demo, viewer_api):
    grid = viewer_api.json("/api/v1/trusts/R1H/grid?as_of=2019-06-01")
    assert grid["trust"] == "R1H" and grid["as_of"] == "2019-06-01"
    whipps = viewer_api.json("/api/v1/hospitals/R1HKH/grid?as_of=2019-06-01")
    own_row = [{**c, "hospital": "R1HKH"} for c in whipps["cells"] if c["service"] is None]
    for cell in own_row:
        del cell["service"]
    assert own_row and [c for c in grid["cells"] if c["hospital"] == "R1HKH"] == own_row


def test_trusts_hospitals_and_departments_filter_and_link(demo, viewer_api):
    trust = viewer_api.json("/api/v1/trusts/R1H")
    assert trust["name"] == "Barts Health NHS Trust" and "R1HKH" in [h["code"] for h in trust["hospitals"]]
    hospitals = viewer_api.json("/api/v1/hospitals?trust=r1h")
    assert hospitals["total"] == len(trust["hospitals"]) and all(h["trust"] == "R1H" for h in hospitals["items"])
    hospital = viewer_api.json(trust["hospitals"][0]["url"])
    assert viewer_api.json(hospital["grid_url"])["hospital"] == hospital["code"]
    departments = viewer_api.json("/api/v1/departments?hospital=R1HKH&per_page=100")
    assert sorted(d["code"] for d in departments["items"]) == sorted(
        d["code"] for d in viewer_api.json("/api/v1/hospitals/R1HKH")["departments"])
    assert viewer_api.json("/api/v1/trusts/NOPE", status=404)["message"] == "There is no trust with the code NOPE."


def test_inspections_filter_as_the_list_page_does(demo, viewer_api):
    every = viewer_api.json("/api/v1/inspections?per_page=100")["items"]
    official = viewer_api.json("/api/v1/inspections?source=official&per_page=100")["items"]
    internal = viewer_api.json("/api/v1/inspections?source=internal&per_page=100")["items"]
    assert official and internal and len(official) + len(internal) == len(every)
    assert all(i["official"] for i in official) and not any(i["official"] for i in internal)
    ranged = viewer_api.json("/api/v1/inspections?published_from=2016-01-01&published_to=2019-12-31")["items"]
    assert ranged and all("2016-01-01" <= i["published_on"] <= "2019-12-31" for i in ranged)
    whipps = viewer_api.json("/api/v1/inspections?hospital=R1HKH&type=focused")["items"]
    assert whipps and all(i["hospital"] == "R1HKH" and i["type"] == "focused" for i in whipps)
    one = viewer_api.json(official[-1]["url"])
    assert one["cells"] and {c["key_question"] for c in one["cells"]} <= {
        "Safe", "Effective", "Caring", "Responsive", "Well-led", "Overall"}
    assert viewer_api.json("/api/v1/inspections/999999", status=404)["status"] == 404


def test_findings_filter_by_kind_hospital_and_inspection(demo, viewer_api):
    must = viewer_api.json("/api/v1/findings?kind=must_do&per_page=100")["items"]
    assert must and all(f["kind"] == "must_do" and f["regulation"] for f in must)
    inspection_id = must[0]["inspection_id"]
    of_one = viewer_api.json(f"/api/v1/findings?inspection={inspection_id}&per_page=100")["items"]
    assert of_one and all(f["inspection_id"] == inspection_id for f in of_one)
    assert {f["id"] for f in of_one} == {f["id"] for f in viewer_api.json(f"/api/v1/inspections/{inspection_id}")["findings"]}
    answered = [f for f in must if f["action_ids"]]
    assert answered and all(viewer_api.json(f"/api/v1/actions/{a}")["id"] == a for a in answered[0]["action_ids"])
    safe = viewer_api.json("/api/v1/findings?key_question=Safe&hospital=R1HKH")["items"]
    assert all(f["key_question"] == "Safe" and f["hospital"] == "R1HKH" for f in safe)


def test_actions_take_the_boards_filters(demo, viewer_api):
    board = viewer_api.json("/api/v1/actions?per_page=100")
    overdue = viewer_api.json("/api/v1/actions?overdue=1&per_page=100")["items"]
    assert overdue and all(a["overdue"] and a["days_late"] > 0 for a in overdue)
    assert len(overdue) < board["total"]
    unfinished = viewer_api.json("/api/v1/actions?status=unfinished&hospital=R1HKH&per_page=100")["items"]
    assert unfinished and all(a["status"] in ("open", "in_progress") and a["hospital"] == "R1HKH" for a in unfinished)
    newest = viewer_api.json("/api/v1/actions?sort=newest&per_page=100")["items"]
    assert [a["id"] for a in newest] == sorted((a["id"] for a in board["items"]), reverse=True)
    must = viewer_api.json("/api/v1/actions?must_do=1")["items"]
    assert must and all(a["must_do"] for a in must)
    detail = viewer_api.json(newest[-1]["url"])
    assert detail["id"] == newest[-1]["id"] and isinstance(detail["updates"], list)


def test_mine_is_my_actions_scope_a_leads_departments(demo, make_user, api_as, viewer_api):
    urgent = department("R1HKH", "urgent")
    lead_api = api_as("lead", departments=[urgent])
    mine = lead_api.json("/api/v1/actions?mine=1&per_page=100&archived=1")
    expected = db.session.scalars(select(Action.id).where(Action.department_id == urgent.id)).all()
    db.session.rollback()
    assert mine["total"] == len(expected) > 0
    assert sorted(a["id"] for a in mine["items"]) == sorted(expected)
    assert all(a["department"] == urgent.code for a in mine["items"])
    # The same lead reads the whole board without mine; a quality member's mine is what they own.
    assert lead_api.json("/api/v1/actions")["total"] == viewer_api.json("/api/v1/actions?mine=0")["total"] > mine["total"]
    assert api_as("quality").json("/api/v1/actions?mine=1")["total"] == 0
    for role in ("viewer", "admin"):
        assert api_as(role).json("/api/v1/actions?mine=1", status=403)["errors"] == {"mine": "Your role has no My actions."}




def test_a_lists_queries_do_not_grow_with_its_page(demo, viewer_api):
    viewer_api.json("/api/v1/trusts")  # the token's last use is written on the first request
    db.session.rollback()
    for url in ("/api/v1/departments", "/api/v1/hospitals", "/api/v1/inspections", "/api/v1/findings",
                "/api/v1/actions", "/api/v1/trusts"):
        with statements() as small:
            viewer_api.json(url + "?per_page=1")
        db.session.rollback()
        with statements() as large:
            viewer_api.json(url + "?per_page=100")
        db.session.rollback()
        assert len(large) == len(small) <= 8, (url, len(small), len(large))
