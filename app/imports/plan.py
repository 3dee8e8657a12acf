"""What an import of CQC records would do to the ledger: which trusts, hospitals, departments,
inspections and rating cells it would create or change, worked out from the parsed records and
the rows already stored, without writing anything. services.apply_plan writes it; a dry run
only reports it.

Matching, so that the same file twice changes nothing:
- a trust by its ODS code (CQC providerId), a hospital by its site code (CQC locationId);
- a department by its hospital and CQC service id (the first one not retired, else the first);
- an official inspection by its report reference (CQC reportLinkId); failing that, one of the
  hospital's official inspections published the same day with no reference yet (recorded by
  hand, or from the monthly file, which gives no reportLinkId);
- a rating cell by its inspection, row and key question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from app.domain.cqc_fields import RecordError
from app.domain.cqc_records import Area, Location, Parsed, Report
from app.extensions import db
from app.inspections.models import Inspection, RatingCell
from app.organisations.models import Department, Hospital, Trust, department_successions

KINDS = ("trusts", "hospitals", "departments", "department_successions", "inspections", "rating_cells")
CHUNK = 500


def placeholder_trust_name(code: str) -> str:
    """A location record does not carry its provider's name; until a provider record or the
    monthly file gives it, the trust is named after its code."""
    return f"CQC provider {code}"


@dataclass
class NewDepartment:
    hospital_code: str
    service_code: str
    name: str
    code: str
    retired_on: date | None
    department: Department | None = None  # set when written


@dataclass
class NewInspection:
    hospital_code: str
    report: Report
    cells: list[tuple[str | None, str, str]]  # (service, key question, rating)


@dataclass
class ChangedInspection:
    inspection_id: int
    hospital_code: str
    report: Report
    fields: dict[str, Any]  # column -> new value
    new_cells: list[tuple[str | None, str, str]]
    changed_cells: list[tuple[int, str, str]]  # (cell id, old rating, new rating)


@dataclass
class Plan:
    """Everything an import would do, and counts per kind: created, changed, unchanged."""

    new_trusts: dict[str, str] = field(default_factory=dict)  # code -> name
    changed_trusts: list[tuple[Trust, dict[str, Any]]] = field(default_factory=list)
    new_hospitals: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> columns (+ trust_code)
    changed_hospitals: list[tuple[Hospital, dict[str, Any]]] = field(default_factory=list)
    new_departments: list[NewDepartment] = field(default_factory=list)
    changed_departments: list[tuple[Department, dict[str, Any]]] = field(default_factory=list)
    # (hospital code, predecessor service, successor service) not yet linked
    new_links: list[tuple[str, str, str]] = field(default_factory=list)
    new_inspections: list[NewInspection] = field(default_factory=list)
    changed_inspections: list[ChangedInspection] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {kind: {"created": 0, "changed": 0, "unchanged": 0} for kind in KINDS}
    )
    changes: list[str] = field(default_factory=list)

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.counts[kind][what] += n

    @property
    def nothing_changed(self) -> bool:
        return not any(c["created"] or c["changed"] for c in self.counts.values())


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class _Stored:
    """The rows the import compares with, read in a handful of queries per 500 hospitals."""

    def __init__(self, parsed: Parsed) -> None:
        trust_codes = sorted({loc.provider_id for loc in parsed.locations} | {p.provider_id for p in parsed.providers})
        hospital_codes = sorted({loc.location_id for loc in parsed.locations})
        self.trusts: dict[str, Trust] = {}
        for chunk in _chunks(trust_codes):
            self.trusts.update((t.ods_code, t) for t in db.session.scalars(select(Trust).where(Trust.ods_code.in_(chunk))))
        self.hospitals: dict[str, Hospital] = {}
        for chunk in _chunks(hospital_codes):
            self.hospitals.update(
                (h.ods_code, h) for h in db.session.scalars(select(Hospital).where(Hospital.ods_code.in_(chunk)))
            )
        ids = [h.id for h in self.hospitals.values()]
        self.departments: dict[int, list[Department]] = {}
        self.department_codes: set[str] = set()
        self.links: set[tuple[int, int]] = set()
        self.inspections: dict[int, list[Inspection]] = {}
        self.cells: dict[int, dict[tuple[int | None, str], tuple[int, str]]] = {}
        for chunk in _chunks(ids):
            departments = list(db.session.scalars(
                select(Department).where(Department.hospital_id.in_(chunk)).order_by(Department.id)
            ))
            for d in departments:
                self.departments.setdefault(d.hospital_id, []).append(d)
            dept_ids = [d.id for d in departments]
            for dept_chunk in _chunks(dept_ids):
                self.links.update((p, s) for p, s in db.session.execute(
                    select(department_successions.c.predecessor_id, department_successions.c.successor_id)
                    .where(department_successions.c.predecessor_id.in_(dept_chunk))
                ))
            for inspection in db.session.scalars(
                select(Inspection).where(Inspection.hospital_id.in_(chunk), Inspection.source == "official")
                .order_by(Inspection.id)
            ):
                self.inspections.setdefault(inspection.hospital_id, []).append(inspection)  # type: ignore[arg-type]
            for cell_id, inspection_id, department_id, key_question, rating in db.session.execute(
                select(RatingCell.id, RatingCell.inspection_id, RatingCell.department_id,
                       RatingCell.key_question, RatingCell.rating)
                .join(Inspection, Inspection.id == RatingCell.inspection_id)
                .where(Inspection.hospital_id.in_(chunk), Inspection.source == "official",
                       RatingCell.scope != "trust")
            ):
                self.cells.setdefault(inspection_id, {})[(department_id, key_question)] = (cell_id, rating)
        self.department_codes = {d.code for ds in self.departments.values() for d in ds}

    def department_for(self, hospital: Hospital | None, service: str) -> Department | None:
        if hospital is None:
            return None
        matching = [d for d in self.departments.get(hospital.id, []) if d.service_code == service]
        current = [d for d in matching if d.retired_on is None]
        return (current or matching or [None])[0]


def _department_code(stored: _Stored, taken: set[str], hospital_code: str, service: str) -> str:
    base = f"{hospital_code}-{service}".upper()[:36]
    code, n = base, 1
    while code in taken or code in stored.department_codes or (code != base and _code_in_database(code)):
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


def _code_in_database(code: str) -> bool:
    return db.session.scalar(select(Department.id).where(Department.code == code)) is not None


def _codes_in_database(parsed: Parsed) -> set[str]:
    """The default codes ("<site>-<service>") the file's departments would take that some
    department already holds: codes are global, and one may have been set by hand elsewhere."""
    wanted = sorted({f"{loc.location_id}-{area.code}".upper()[:36] for loc in parsed.locations for area in loc.areas})
    taken: set[str] = set()
    for chunk in _chunks(wanted):
        taken.update(db.session.scalars(select(Department.code).where(Department.code.in_(chunk))))
    return taken


def _department_name(area: Area, used: set[str]) -> str:
    name = area.name
    if name in used:
        # CQC names an old and a new service alike (Medical care ...): tell them apart.
        name = f"{area.name} ({'until ' + area.end_date.isoformat() if area.end_date else area.code})"[:200]
    used.add(name)
    return name


def _unit(location: Location) -> str:
    # The monthly file's locations are numbered by the line they first appear on.
    return "Record" if location.exact else "Line"


def build_plan(parsed: Parsed) -> Plan:
    """What importing `parsed` would create and change (nothing is written)."""
    plan = Plan()
    stored = _Stored(parsed)
    stored.department_codes |= _codes_in_database(parsed)
    names = {p.provider_id: p.name for p in parsed.providers}
    _plan_trusts(plan, stored, parsed, names)
    taken_codes: set[str] = set()
    seen: set[str] = set()
    for location in parsed.locations:
        if location.location_id in seen:
            raise RecordError(location.index, location.location_id, "locationId", location.location_id,
                              "the location appears twice in the file", unit=_unit(location))
        seen.add(location.location_id)
        hospital = _plan_hospital(plan, stored, location)
        _plan_departments(plan, stored, location, hospital, taken_codes)
        _plan_inspections(plan, stored, location, hospital)
    return plan


def _plan_trusts(plan: Plan, stored: _Stored, parsed: Parsed, names: dict[str, str]) -> None:
    for code in dict.fromkeys([p.provider_id for p in parsed.providers] + [loc.provider_id for loc in parsed.locations]):
        trust = stored.trusts.get(code)
        name = names.get(code)
        if trust is None:
            plan.new_trusts[code] = name or placeholder_trust_name(code)
            plan.count("trusts", "created")
            plan.changes.append(f"Create trust {code}: {plan.new_trusts[code]}")
        elif name and name != trust.name:
            plan.changed_trusts.append((trust, {"name": name}))
            plan.count("trusts", "changed")
            plan.changes.append(f"Change trust {code}: name from {trust.name!r} to {name!r}")
        else:
            plan.count("trusts", "unchanged")


def _plan_hospital(plan: Plan, stored: _Stored, location: Location) -> Hospital | None:
    hospital = stored.hospitals.get(location.location_id)
    values = {"name": location.name, "town": location.town, "address": location.address,
              "registration_status": location.registration_status}
    if hospital is None:
        plan.new_hospitals[location.location_id] = {
            "trust_code": location.provider_id, "ods_code": location.location_id, "kind": "hospital",
            **{k: v for k, v in values.items() if v is not None},
        }
        plan.count("hospitals", "created")
        plan.changes.append(f"Create hospital {location.location_id}: {location.name}")
        return None
    if hospital.trust.ods_code != location.provider_id:
        raise RecordError(location.index, location.location_id, "providerId", location.provider_id,
                          f"the ledger holds this hospital under trust {hospital.trust.ods_code}", unit=_unit(location))
    # The monthly file gives no address: a value the file lacks is left as it is.
    changed = {k: v for k, v in values.items() if v is not None and getattr(hospital, k) != v}
    if changed:
        plan.changed_hospitals.append((hospital, changed))
        plan.count("hospitals", "changed")
        plan.changes.append(f"Change hospital {location.location_id}: " + ", ".join(
            f"{k.replace('_', ' ')} from {getattr(hospital, k)!r} to {v!r}" for k, v in changed.items()))
    else:
        plan.count("hospitals", "unchanged")
    return hospital


def _plan_departments(plan: Plan, stored: _Stored, location: Location, hospital: Hospital | None,
                      taken_codes: set[str]) -> None:
    used_names = {d.name for d in stored.departments.get(hospital.id, [])} if hospital else set()
    code = location.location_id
    for area in location.areas:
        department = stored.department_for(hospital, area.code)
        if department is None:
            new = NewDepartment(code, area.code, _department_name(area, used_names),
                                _department_code(stored, taken_codes, code, area.code), area.end_date)
            plan.new_departments.append(new)
            plan.count("departments", "created")
            plan.changes.append(f"Create department {new.code}: {new.name}"
                                + (f" (superseded {area.end_date.isoformat()})" if area.end_date else ""))
        elif area.end_date and department.retired_on is None:
            plan.changed_departments.append((department, {"retired_on": area.end_date}))
            plan.count("departments", "changed")
            plan.changes.append(f"Change department {department.code}: superseded on {area.end_date.isoformat()}")
        else:
            plan.count("departments", "unchanged")
    for area in location.areas:
        for successor in area.successors:
            if successor == area.code or successor not in {a.code for a in location.areas}:
                continue  # CQC names a successor the location never had: nothing to link
            old = stored.department_for(hospital, area.code)
            new = stored.department_for(hospital, successor)
            if old is not None and new is not None and (old.id, new.id) in stored.links:
                plan.count("department_successions", "unchanged")
                continue
            plan.new_links.append((code, area.code, successor))
            plan.count("department_successions", "created")
            plan.changes.append(f"Link department {code}-{area.code.upper()} to its successor {code}-{successor.upper()}")


def _matching_inspection(stored: _Stored, hospital: Hospital | None, report: Report,
                         claimed: set[int]) -> Inspection | None:
    if hospital is None:
        return None
    candidates = [i for i in stored.inspections.get(hospital.id, []) if i.id not in claimed]
    if report.link_id:
        by_ref = [i for i in candidates if i.report_ref == report.link_id]
        if by_ref:
            return by_ref[0]
        same_day = [i for i in candidates if i.report_ref is None and i.published_on == report.published_on]
    else:
        same_day = [i for i in candidates if i.published_on == report.published_on and i.archived_at is None]
    return same_day[0] if same_day else None


def _plan_inspections(plan: Plan, stored: _Stored, location: Location, hospital: Hospital | None) -> None:
    claimed: set[int] = set()
    for report in location.reports:
        cells = [(c.service, c.key_question, c.rating) for c in report.cells]
        what = f"{location.location_id} report {report.link_id or 'of'} {report.published_on.isoformat()}"
        inspection = _matching_inspection(stored, hospital, report, claimed)
        if inspection is None:
            plan.new_inspections.append(NewInspection(location.location_id, report, cells))
            plan.count("inspections", "created")
            plan.count("rating_cells", "created", len(cells))
            plan.changes.append(f"Create inspection {what} with {len(cells)} rating cells")
            continue
        claimed.add(inspection.id)
        if inspection.status != "published" or inspection.archived_at is not None:
            # An archived or unpublished report is the quality team's business: left alone.
            plan.count("inspections", "unchanged")
            continue
        fields = _inspection_fields(inspection, report)
        existing = stored.cells.get(inspection.id, {})
        new_cells, changed_cells = [], []
        for service, key_question, rating in cells:
            department = stored.department_for(hospital, service) if service else None
            found = existing.get((department.id if department else None, key_question)) if (department or not service) else None
            if found is None:
                new_cells.append((service, key_question, rating))
            elif found[1] != rating:
                changed_cells.append((found[0], found[1], rating))
            else:
                plan.count("rating_cells", "unchanged")
        if fields or new_cells or changed_cells:
            plan.changed_inspections.append(ChangedInspection(
                inspection.id, location.location_id, report, fields, new_cells, changed_cells))
            plan.count("inspections", "changed" if fields else "unchanged")
            plan.count("rating_cells", "created", len(new_cells))
            plan.count("rating_cells", "changed", len(changed_cells))
            details = [f"{k.replace('_', ' ')} {v}" for k, v in fields.items()]
            details += [f"{len(new_cells)} new rating cells"] if new_cells else []
            details += [f"{len(changed_cells)} changed ratings"] if changed_cells else []
            plan.changes.append(f"Change inspection {what}: " + ", ".join(details))
        else:
            plan.count("inspections", "unchanged")


def _inspection_fields(inspection: Inspection, report: Report) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if report.link_id and inspection.report_ref != report.link_id:
        fields["report_ref"] = report.link_id
    if report.url and not inspection.report_url:
        fields["report_url"] = report.url
    if report.visit_start and inspection.visit_start is None and inspection.visit_end is None:
        fields["visit_start"] = report.visit_start
    return fields
