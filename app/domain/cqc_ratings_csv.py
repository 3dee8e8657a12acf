"""Reading CQC's monthly latest-ratings file (the long format, DOMAIN.md "CQC public data"):
one row per location, service or population group, and key question ("Domain"), with the
rating and its publication date. The rows become the same plain records as the API's
(app.domain.cqc_records), one report per location and publication date, carrying only the
cells the file gives (so `exact` is False: an import adds and corrects cells, never assumes a
report had no others).

A problem raises RecordError naming the row (its line in the file, the header being line 1,
and its Location ID), the column and the value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain.catalogue import SERVICES
from app.domain.cqc_fields import RecordError
from app.domain.cqc_records import Area, Cell, Location, Parsed, Provider, Report, service_name
from app.domain.ratings import UnknownKeyQuestion, UnknownRating, parse_key_question, parse_rating

LOCATION_ID = "Location ID"
LOCATION_NAME = "Location Name"
SERVICE = "Service / Population Group"
DOMAIN = "Domain"
RATING = "Latest Rating"
PUBLISHED = "Publication Date"
PROVIDER_ID = "Provider ID"
PROVIDER_NAME = "Provider Name"
REQUIRED = (LOCATION_ID, SERVICE, DOMAIN, RATING, PUBLISHED, PROVIDER_ID)

_SPACES = re.compile(r"[\s_]+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.replace("&", "and")).strip().casefold()


# CQC's names for its services, as the API and the spreadsheet spell them, mapped to the ids.
# Where the catalogue gives a name to both an old and a new id (Medical care), the current one
# (the one not replaced) wins.
_BY_NAME: dict[str, str] = {}
for _service in sorted(SERVICES.values(), key=lambda s: bool(s.successors), reverse=True):
    _BY_NAME[_key(_service.name)] = _service.code
    _BY_NAME[_key(_service.code)] = _service.code
_BY_NAME[_key("Services for children & young people")] = "childrens"


def service_code(name: str) -> str | None:
    """The CQC service id for a spreadsheet's service name; None for the location's own row
    ("Overall"); KeyError when the name is not a CQC service the product knows."""
    key = _key(name)
    if key in ("overall", "location"):
        return None
    return _BY_NAME[key]


def parse_date(text: str) -> date:
    """A publication date as the spreadsheet writes it: YYYY-MM-DD or DD/MM/YYYY."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


@dataclass
class _Location:
    index: int
    provider_id: str
    name: str
    reports: dict[date, dict[tuple[str | None, str], str]] = field(default_factory=dict)


def parse_csv(data: bytes) -> Parsed:
    """The file's locations (and their providers), in order of first appearance."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordError(None, None, "encoding", data[error.start:error.start + 8].hex(),
                          f"the file is not UTF-8 text (byte {error.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise RecordError(None, None, "header", ", ".join(header)[:200],
                          f"the header row lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    column = {name: header.index(name) for name in header}
    locations: dict[str, _Location] = {}
    providers: dict[str, Provider] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = {name: (cells[i].strip() if i < len(cells) else "") for name, i in column.items()}
        location_id = row[LOCATION_ID].upper() or None
        if not location_id:
            raise RecordError(line, None, LOCATION_ID, row[LOCATION_ID], "the Location ID is missing", unit="Line")
        provider_id = row[PROVIDER_ID].upper()
        if not provider_id:
            raise RecordError(line, location_id, PROVIDER_ID, row[PROVIDER_ID], "the Provider ID is missing", unit="Line")
        try:
            service = service_code(row[SERVICE])
        except KeyError:
            raise RecordError(line, location_id, SERVICE, row[SERVICE], "not a CQC service the product knows", unit="Line") from None
        try:
            key_question = parse_key_question(row[DOMAIN])
        except UnknownKeyQuestion:
            raise RecordError(line, location_id, DOMAIN, row[DOMAIN], "not one of CQC's key questions", unit="Line") from None
        try:
            rating = parse_rating(row[RATING])
        except UnknownRating:
            raise RecordError(line, location_id, RATING, row[RATING], "not a rating CQC uses", unit="Line") from None
        try:
            published = parse_date(row[PUBLISHED])
        except ValueError:
            raise RecordError(line, location_id, PUBLISHED, row[PUBLISHED],
                              "not a date (expected YYYY-MM-DD or DD/MM/YYYY)", unit="Line") from None
        place = locations.setdefault(location_id, _Location(line, provider_id, row.get(LOCATION_NAME) or location_id))
        if place.provider_id != provider_id:
            raise RecordError(line, location_id, PROVIDER_ID, provider_id,
                              f"the location was given provider {place.provider_id} on line {place.index}", unit="Line")
        cells_of_report = place.reports.setdefault(published, {})
        if (service, key_question) in cells_of_report:
            raise RecordError(line, location_id, DOMAIN, row[DOMAIN],
                              f"a second rating for {row[SERVICE]} on the same date", unit="Line")
        cells_of_report[(service, key_question)] = rating
        if provider_id not in providers and row.get(PROVIDER_NAME):
            providers[provider_id] = Provider(line, provider_id, row[PROVIDER_NAME][:200])

    parsed = Parsed(providers=list(providers.values()))
    for location_id, place in locations.items():
        services = sorted({s for cells in place.reports.values() for s, _ in cells if s})
        parsed.locations.append(Location(
            index=place.index,
            location_id=location_id,
            provider_id=place.provider_id,
            name=" ".join(place.name.split())[:200],
            areas=tuple(Area(code=code, name=service_name(code)) for code in services),
            reports=tuple(
                Report(None, published, cells=tuple(
                    Cell(service, kq, rating)
                    for (service, kq), rating in sorted(cells.items(), key=lambda i: (i[0][0] or "", i[0][1]))
                ))
                for published, cells in sorted(place.reports.items())
            ),
            exact=False,
        ))
    return parsed

