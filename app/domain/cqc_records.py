"""Reading CQC's published data into plain records: the API's location and provider objects
(one object, a JSON list, or JSON lines) and, in app.domain.cqc_ratings_csv, the monthly
latest-ratings file. Bytes in, plain values out; nothing here touches the database.

DOMAIN.md "CQC public data (for import)": the cells a report gave are the union of that report's
cells in `historicRatings` (ratings a later report replaced) and in `currentRatings` (ratings
still in force), joined by `reportLinkId`. A key question a service does not list is no cell;
a non-rating ("Not rated", "Insufficient evidence to rate" ...) is kept as such.

Every problem raises RecordError naming the record (its position in the file, and its
locationId when known), the field and the value; app.domain.cqc_fields reads and checks each field.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.catalogue import SERVICES
from app.domain.cqc_fields import (
    RecordError,
    json_objects,
    optional_date,
    parse_date,
    read_dict,
    read_id,
    read_key_question,
    read_list,
    read_rating,
    read_text,
)
from app.domain.ratings import OVERALL


@dataclass(frozen=True)
class Cell:
    """One rating a report gave: the service row (None for the location's own row, CQC's
    "Overall" service), the key question (or Overall) and the rating or non-rating."""

    service: str | None
    key_question: str
    rating: str


@dataclass(frozen=True)
class Report:
    """One published CQC report of a location. `link_id` is CQC's reportLinkId (None when the
    source, like the monthly CSV, does not give it)."""

    link_id: str | None
    published_on: date
    visit_start: date | None = None
    url: str | None = None
    cells: tuple[Cell, ...] = ()


@dataclass(frozen=True)
class Area:
    """One of the location's services (CQC inspection areas), with its renames."""

    code: str
    name: str
    superseded: bool = False
    end_date: date | None = None
    successors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Location:
    """One CQC location (a hospital) as the import needs it. `exact` says the record gives each
    report's whole set of cells (the API) rather than only the latest ones (the CSV)."""

    index: int
    location_id: str
    provider_id: str
    name: str
    town: str | None = None
    address: str | None = None
    registration_status: str | None = None
    areas: tuple[Area, ...] = ()
    reports: tuple[Report, ...] = ()
    exact: bool = True


@dataclass(frozen=True)
class Provider:
    """A CQC provider (an NHS trust): its id and name."""

    index: int
    provider_id: str
    name: str


@dataclass
class Parsed:
    providers: list[Provider] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)


# -- Reading the file ---------------------------------------------------------------------------


def parse_json(data: bytes) -> Parsed:
    """Every provider and location object of the file (see json_objects), in file order."""
    parsed = Parsed()
    for index, value in enumerate(json_objects(data)):
        if not isinstance(value, dict):
            raise RecordError(index, None, "record", value, "each record must be a JSON object")
        if "locationId" in value:
            parsed.locations.append(parse_location(value, index))
        elif "providerId" in value:
            parsed.providers.append(_provider(value, index))
        else:
            raise RecordError(index, None, "locationId", None,
                              "the record has neither a locationId nor a providerId")
    return parsed


def _provider(value: dict[str, Any], index: int) -> Provider:
    return Provider(index, read_id(value, "providerId", index, None), read_text(value, "name", index, None, required=True))


# -- One location -------------------------------------------------------------------------------


@dataclass
class _ReportCells:
    published_on: date | None = None
    cells: dict[tuple[str | None, str], str] = field(default_factory=dict)


def _service_code(raw: Any, index: int, location_id: str, field_name: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise RecordError(index, location_id, field_name, raw, "the service id is missing")
    code = raw.strip()
    if len(code) > 40:
        raise RecordError(index, location_id, field_name, raw, "not a CQC service id")
    return code


class _Collector:
    """Collects cells per reportLinkId from currentRatings and historicRatings."""

    def __init__(self, index: int, location_id: str) -> None:
        self.index = index
        self.location_id = location_id
        self.reports: dict[str, _ReportCells] = {}

    def link(self, raw: Any, field_name: str) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise RecordError(self.index, self.location_id, field_name, raw, "the reportLinkId is missing")
        return raw.strip()

    def add(self, link_id: str, published: Any, date_field: str, service: str | None,
            key_question: str, rating: Any, rating_field: str) -> None:
        if not link_id:
            raise RecordError(self.index, self.location_id, rating_field.rsplit(".", 1)[0] + ".reportLinkId", None,
                              "the rating's reportLinkId is missing")
        report = self.reports.setdefault(link_id, _ReportCells())
        if published is not None:
            day = parse_date(published, self.index, self.location_id, date_field)
            if report.published_on is None:
                report.published_on = day
            elif report.published_on != day:
                raise RecordError(self.index, self.location_id, date_field, published,
                                  f"report {link_id} has two dates ({report.published_on.isoformat()})")
        report.cells[(service, key_question)] = read_rating(rating, self.index, self.location_id, rating_field)

    def rows(self, entry: dict[str, Any], link_id: str, published: Any, path: str, service: str | None) -> None:
        """An `overall` or a `serviceRatings[]` entry: its Overall rating and its key questions."""
        if "rating" in entry:
            self.add(link_id, published, f"{path}.reportDate", service, OVERALL, entry["rating"], f"{path}.rating")
        for k, kq in enumerate(read_list(entry, "keyQuestionRatings", self.index, self.location_id)):
            kq_path = f"{path}.keyQuestionRatings[{k}]"
            kq = read_dict(kq, self.index, self.location_id, kq_path)
            if "rating" not in kq:
                continue  # a key question without a rating is no cell
            name = read_key_question(kq.get("name"), self.index, self.location_id, f"{kq_path}.name")
            # The location's own key questions carry their own report; a service's share the row's.
            own_link = self.link(kq["reportLinkId"], f"{kq_path}.reportLinkId") if "reportLinkId" in kq else link_id
            own_date = kq.get("reportDate", published if own_link == link_id else None)
            self.add(own_link, own_date, f"{kq_path}.reportDate", service, name, kq["rating"], f"{kq_path}.rating")


def parse_location(value: dict[str, Any], index: int) -> Location:
    """One API location object as a Location; RecordError for anything that cannot be read."""
    location_id = read_id(value, "locationId", index, None)
    provider_id = read_id(value, "providerId", index, location_id)
    name = read_text(value, "name", index, location_id, required=True)
    collector = _Collector(index, location_id)

    current = read_dict(value.get("currentRatings"), index, location_id, "currentRatings")
    overall = read_dict(current.get("overall"), index, location_id, "currentRatings.overall")
    if overall:
        if "rating" in overall or "reportLinkId" in overall:
            link = collector.link(overall.get("reportLinkId"), "currentRatings.overall.reportLinkId")
        else:
            link = ""
        collector.rows(overall, link, overall.get("reportDate"), "currentRatings.overall", None)
    for s, entry in enumerate(read_list(current, "serviceRatings", index, location_id)):
        path = f"currentRatings.serviceRatings[{s}]"
        entry = read_dict(entry, index, location_id, path)
        service = _service_code(entry.get("name"), index, location_id, f"{path}.name")
        link = collector.link(entry.get("reportLinkId"), f"{path}.reportLinkId")
        collector.rows(entry, link, entry.get("reportDate"), path, service)

    for h, entry in enumerate(read_list(value, "historicRatings", index, location_id)):
        path = f"historicRatings[{h}]"
        entry = read_dict(entry, index, location_id, path)
        link = collector.link(entry.get("reportLinkId"), f"{path}.reportLinkId")
        published = entry.get("reportDate")
        if published is None:
            raise RecordError(index, location_id, f"{path}.reportDate", None, "the report date is missing")
        parse_date(published, index, location_id, f"{path}.reportDate")
        hist_overall = read_dict(entry.get("overall"), index, location_id, f"{path}.overall")
        collector.rows(hist_overall, link, published, f"{path}.overall", None)
        for s, service_entry in enumerate(read_list(entry, "serviceRatings", index, location_id)):
            s_path = f"{path}.serviceRatings[{s}]"
            service_entry = read_dict(service_entry, index, location_id, s_path)
            service = _service_code(service_entry.get("name"), index, location_id, f"{s_path}.name")
            collector.rows(service_entry, link, published, s_path, service)

    # reports[]: the list of published reports, with the visit date of older ones.
    listed: dict[str, tuple[date, date | None, str | None]] = {}
    for r, entry in enumerate(read_list(value, "reports", index, location_id)):
        path = f"reports[{r}]"
        entry = read_dict(entry, index, location_id, path)
        link = collector.link(entry.get("linkId"), f"{path}.linkId")
        published = parse_date(entry.get("reportDate"), index, location_id, f"{path}.reportDate")
        visit = optional_date(entry.get("firstVisitDate"), index, location_id, f"{path}.firstVisitDate")
        uri = entry.get("reportUri")
        listed[link] = (published, visit, uri if isinstance(uri, str) else None)

    reports = []
    for link, (published, visit, uri) in listed.items():
        rated = collector.reports.get(link)
        if rated and rated.published_on and rated.published_on != published:
            raise RecordError(index, location_id, "reports.reportDate", published.isoformat(),
                              f"report {link} is dated {rated.published_on.isoformat()} in its ratings")
        reports.append(Report(link, published, visit, _report_url(uri), _sorted_cells(rated)))
    for link, rated in collector.reports.items():
        if link in listed:
            continue
        if rated.published_on is None:
            raise RecordError(index, location_id, "reportDate", None, f"report {link} has no date")
        reports.append(Report(link, rated.published_on, None, None, _sorted_cells(rated)))

    return Location(
        index=index,
        location_id=location_id,
        provider_id=provider_id,
        name=name,
        town=read_text(value, "postalAddressTownCity", index, location_id, limit=100) or None,
        address=_address(value),
        registration_status=read_text(value, "registrationStatus", index, location_id, limit=40) or None,
        areas=tuple(_areas(value, index, location_id, collector)),
        reports=tuple(sorted(reports, key=lambda rep: (rep.published_on, rep.link_id or ""))),
    )


def _report_url(uri: str | None) -> str | None:
    if not uri:
        return None
    # reportUri is a path on CQC's site with a cache-busting query.
    path = uri.split("?", 1)[0]
    return f"https://www.cqc.org.uk{path}" if path.startswith("/") else path[:500]


def _sorted_cells(rated: _ReportCells | None) -> tuple[Cell, ...]:
    if rated is None:
        return ()
    return tuple(Cell(service, kq, rating) for (service, kq), rating in sorted(
        rated.cells.items(), key=lambda item: (item[0][0] or "", item[0][1])))


def _address(value: dict[str, Any]) -> str | None:
    parts = [value.get(key) for key in ("postalAddressLine1", "postalAddressLine2", "postalAddressTownCity",
                                         "postalAddressCounty", "postalCode")]
    text = ", ".join(" ".join(p.split()) for p in parts if isinstance(p, str) and p.strip())
    return text[:300] or None


def _areas(value: dict[str, Any], index: int, location_id: str, collector: _Collector) -> Iterator[Area]:
    seen: dict[str, Area] = {}
    for a, entry in enumerate(read_list(value, "inspectionAreas", index, location_id)):
        path = f"inspectionAreas[{a}]"
        entry = read_dict(entry, index, location_id, path)
        code = _service_code(entry.get("inspectionAreaId"), index, location_id, f"{path}.inspectionAreaId")
        status = entry.get("status") or ""
        successors = tuple(dict.fromkeys(
            _service_code(s, index, location_id, f"{path}.supersededBy") for s in read_list(entry, "supersededBy", index, location_id)
        ))
        superseded = isinstance(status, str) and status.lower().startswith("superseded")
        seen[code] = Area(
            code=code,
            name=read_text(entry, "inspectionAreaName", index, location_id, limit=200) or service_name(code),
            superseded=superseded,
            end_date=optional_date(entry.get("endDate"), index, location_id, f"{path}.endDate") if superseded else None,
            successors=successors if superseded else (),
        )
    # A service rated but not listed among the areas still gets its row.
    rated = {service for report in collector.reports.values() for service, _ in report.cells if service}
    for code in sorted(rated - set(seen)):
        seen[code] = Area(code=code, name=service_name(code))
    yield from seen.values()


def service_name(code: str) -> str:
    """The catalogue's name of a CQC service id, or the id itself for one the catalogue lacks."""
    service = SERVICES.get(code)
    return service.name if service else code
