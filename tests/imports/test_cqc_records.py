"""Reading CQC records into plain values (app.domain.cqc_records, app.domain.cqc_ratings_csv):
the shapes a file may take, each report's cells as the union of historic and current ratings,
non-ratings kept, and every bad record named with its field and value."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from app.domain.cqc_fields import RecordError
from app.domain.cqc_ratings_csv import parse_csv, service_code
from app.domain.cqc_records import Cell, parse_json
from app.domain.grid import RatedCell, RowLifetime, current_grid
from tests.imports.sources import FIXTURES, RECORDS, current_ratings


def minimal(**changes) -> dict:  # type: ignore[no-untyped-def]
    """A small valid location: one report rating the location and one service."""
    record = {
        "locationId": "RX101", "providerId": "RX1", "name": "Example Hospital", "registrationStatus": "Registered",
        "inspectionAreas": [{"inspectionAreaId": "surgery", "inspectionAreaName": "Surgery", "status": "Active (Rated)"}],
        "currentRatings": {
            "overall": {"rating": "Good", "reportDate": "2020-01-02", "reportLinkId": "r1",
                        "keyQuestionRatings": [{"name": "Safe", "rating": "Good", "reportDate": "2020-01-02",
                                                "reportLinkId": "r1"}]},
            "serviceRatings": [{"name": "surgery", "rating": "Good", "reportDate": "2020-01-02", "reportLinkId": "r1",
                                "keyQuestionRatings": [{"name": "Effective", "rating": "Not rated"},
                                                       {"name": "Caring", "rating": "Outstanding"}]}],
        },
        "reports": [{"linkId": "r1", "reportDate": "2020-01-02", "firstVisitDate": "2019-10-01"}],
    }
    record.update(changes)
    return record


def test_one_object_a_list_and_json_lines_read_alike():
    whole = parse_json(json.dumps(RECORDS).encode())
    lines = parse_json("\n".join(json.dumps(r) for r in RECORDS).encode())
    one = parse_json(json.dumps(RECORDS[0]).encode())
    assert [loc.location_id for loc in whole.locations] == ["RA430", "RA901", "RBZ12", "RH853", "RK901"]
    assert lines.locations == whole.locations
    assert one.locations[0] == whole.locations[0]


def test_a_report_has_the_union_of_its_historic_and_current_cells():
    yeovil = parse_json(json.dumps(RECORDS[0]).encode()).locations[0]
    report = next(r for r in yeovil.reports if r.link_id == "e3438ab7-cf4a-40b0-b61f-72d7f264b740")
    # Critical care and outpatients are still current from this 2016 report; the rest was replaced.
    services = {c.service for c in report.cells}
    assert {"critical", "outpatients", "care", "maternity", None} <= services
    assert Cell("critical", "Safe", "Good") in report.cells  # from currentRatings
    assert Cell("care", "Responsive", "Requires improvement") in report.cells  # from historicRatings
    assert report.published_on == date(2016, 7, 27)
    old = next(r for r in yeovil.reports if r.link_id == "32eea44f-ffaa-4f93-9a6b-5efd01fb433e")
    assert old.cells == () and old.visit_start == date(2012, 9, 25)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["locationId"])
def test_latest_per_cell_of_the_parsed_reports_is_the_records_current_ratings(record):
    location = parse_json(json.dumps(record).encode()).locations[0]
    cells = [RatedCell(row=c.service, key_question=c.key_question, rating=c.rating,
                       published_on=r.published_on, report_id=r.link_id)
             for r in location.reports for c in r.cells]
    lifetimes = {a.code: RowLifetime(row=a.code, retired_on=a.end_date, successors=a.successors) for a in location.areas}
    grid = current_grid(cells, date(2026, 1, 1), lifetimes=lifetimes)
    assert {key: (g.rating, g.published_on.isoformat()) for key, g in grid.items()} == current_ratings(record)


def test_non_ratings_are_kept_and_a_missing_key_question_is_no_cell():
    location = parse_json(json.dumps(minimal()).encode()).locations[0]
    (report,) = location.reports
    assert Cell("surgery", "Effective", "Not rated") in report.cells
    assert not any(c.service == "surgery" and c.key_question == "Safe" for c in report.cells)
    assert len(report.cells) == 5


def test_renamed_services_keep_their_successors_and_end_date():
    torbay = parse_json(json.dumps(RECORDS[1]).encode()).locations[0]
    areas = {a.code: a for a in torbay.areas}
    assert areas["maternity"].superseded and areas["maternity"].successors == ("npimaternity",)
    assert areas["outpatients"].end_date == date(2018, 5, 17)
    assert not areas["npimaternity"].superseded


def _bad(index_record: dict, *, last_of: int = 2) -> bytes:
    good = [minimal(locationId=f"RX10{i}") for i in range(last_of)]
    return json.dumps(good + [index_record]).encode()


def _with_rating(rating: str) -> dict:
    record = minimal(locationId="RX199")
    record["currentRatings"]["serviceRatings"][0]["keyQuestionRatings"][1]["rating"] = rating
    return record


def _with_date(value: str) -> dict:
    record = minimal(locationId="RX199")
    record["reports"][0]["reportDate"] = value
    return record


@pytest.mark.parametrize(("data", "expected"), [
    (_bad(_with_rating("Brilliant")),
     ["Record 2", "locationId RX199", "currentRatings.serviceRatings[0].keyQuestionRatings[1].rating", "'Brilliant'"]),
    (_bad({**minimal(), "locationId": ""}), ["Record 2", "field locationId", "missing", "''"]),
    (_bad({k: v for k, v in minimal(locationId="RX199").items() if k != "providerId"}),
     ["Record 2", "locationId RX199", "field providerId", "missing"]),
    (_bad(_with_date("8 May 2019")), ["Record 2", "locationId RX199", "reports[0].reportDate", "'8 May 2019'", "not a date"]),
    (_bad(_with_date("2019-02-30")), ["Record 2", "reports[0].reportDate", "'2019-02-30'"]),
    (json.dumps([minimal()]).encode()[:-1], ["The file", "field JSON", "malformed JSON"]),
])
def test_a_bad_record_is_named_with_its_field_and_value(data, expected):
    with pytest.raises(RecordError) as caught:
        parse_json(data)
    for part in expected:
        assert part in str(caught.value)


def test_a_malformed_json_line_names_its_record_and_location():
    lines = [json.dumps(minimal(locationId=f"RX10{i}")) for i in range(3)]
    lines[2] = lines[2][:-20]
    with pytest.raises(RecordError) as caught:
        parse_json("\n".join(lines).encode())
    assert str(caught.value).startswith("Record 2 (locationId RX102), field JSON: malformed JSON on line 3")


def test_records_that_are_not_locations_or_providers_are_refused():
    with pytest.raises(RecordError, match="Record 0, field record: each record must be a JSON object"):
        parse_json(b"[1, 2]")
    with pytest.raises(RecordError, match="The file, field content: the file is empty"):
        parse_json(b"  ")
    provider = parse_json(json.dumps({"providerId": "rx1", "name": "Example NHS Trust"}).encode())
    assert provider.providers[0].provider_id == "RX1" and provider.providers[0].name == "Example NHS Trust"


def test_the_monthly_file_gives_the_current_cells_as_reports_by_date():
    parsed = parse_csv((FIXTURES / "latest-ratings.csv").read_bytes())
    yeovil = parsed.locations[0]
    assert yeovil.location_id == "RA430" and not yeovil.exact
    cells = {(c.service, c.key_question): (c.rating, r.published_on.isoformat()) for r in yeovil.reports for c in r.cells}
    assert cells == current_ratings(RECORDS[0])
    assert parsed.providers[0].name == "Yeovil District Hospital NHS Foundation Trust"


@pytest.mark.parametrize(("name", "code"), [
    ("Medical care (including older people's care)", "care"),
    ("Services for children & young people", "childrens"),
    ("Outpatients and diagnostic imaging", "outpatients"),
    ("Maternity", "npimaternity"),
    ("Overall", None),
    ("urgent", "urgent"),
])
def test_service_names_of_the_monthly_file(name, code):
    assert service_code(name) == code


HEADER = "Location ID,Service / Population Group,Domain,Latest Rating,Publication Date,Provider ID\r\n"


@pytest.mark.parametrize(("row", "expected"), [
    ("RA430,Surgery,Safe,Good,2019-05-08,RA4", None),
    (",Surgery,Safe,Good,2019-05-08,RA4", "Line 3, field Location ID: the Location ID is missing"),
    ("RA430,Surgery,Safe,Superb,2019-05-08,RA4", "Line 3 (locationId RA430), field Latest Rating: not a rating"),
    ("RA430,Surgery,Safe,Good,May 2019,RA4", "Line 3 (locationId RA430), field Publication Date: not a date"),
    ("RA430,Surgery,Kind,Good,2019-05-08,RA4", "field Domain: not one of CQC's key questions (value: 'Kind')"),
    ("RA430,Podiatry,Safe,Good,2019-05-08,RA4", "field Service / Population Group: not a CQC service"),
])
def test_a_bad_row_of_the_monthly_file_is_named(row, expected):
    data = (HEADER + "RA430,Surgery,Caring,Good,2019-05-08,RA4\r\n" + row + "\r\n").encode()
    if expected is None:
        assert len(parse_csv(data).locations[0].reports[0].cells) == 2
        return
    with pytest.raises(RecordError) as caught:
        parse_csv(data)
    assert expected in str(caught.value)


def test_the_monthly_file_needs_its_columns():
    with pytest.raises(RecordError, match="lacks the columns Domain, Latest Rating"):
        parse_csv(b"Location ID,Service / Population Group,Publication Date,Provider ID\r\n")


def test_records_are_not_changed_by_parsing():
    before = copy.deepcopy(RECORDS)
    parse_json(json.dumps(RECORDS).encode())
    assert RECORDS == before


def test_a_rating_that_names_no_report_is_refused_not_dropped():
    record = minimal(locationId="RX199")
    record["currentRatings"]["overall"] = {"keyQuestionRatings": [{"name": "Safe", "rating": "Good"}]}
    with pytest.raises(RecordError, match=r"Record 0 \(locationId RX199\), field currentRatings.overall"
                                          r".keyQuestionRatings\[0\].reportLinkId: the rating's reportLinkId is missing"):
        parse_json(json.dumps(record).encode())
