"""The CQC service catalogue: core services, extra services and population groups.

Codes are the CQC API `inspectionAreaId`s (DOMAIN.md "The ratings grid"; the five records in
shared/cqc-samples). Renamed services keep their old code and link to their successors, so that
history survives the renames (DOMAIN.md: "keep old services, link each to its successors").
"""

from __future__ import annotations

from dataclasses import dataclass

CORE = "core"
EXTRA = "extra"
POPULATION = "population"
KINDS: tuple[str, ...] = (CORE, EXTRA, POPULATION)


@dataclass(frozen=True)
class Service:
    """One CQC inspection area: a core service, an extra service or a population group."""

    code: str
    name: str
    kind: str
    successors: tuple[str, ...] = ()


_MEDICAL = "Medical care (including older people's care)"

_ALL: tuple[Service, ...] = (
    # Acute core services (DOMAIN.md). The CQC API spells childrens "Services for children &
    # young people"; DOMAIN.md's wording is kept as the display name.
    Service("urgent", "Urgent and emergency services", CORE),
    Service("medical", _MEDICAL, CORE, successors=("care",)),
    Service("care", _MEDICAL, CORE),
    Service("surgery", "Surgery", CORE),
    Service("critical", "Critical care", CORE),
    Service("maternity", "Maternity and gynaecology", CORE, successors=("npimaternity",)),
    Service("npimaternity", "Maternity", CORE),
    Service("childrens", "Services for children and young people", CORE),
    Service("life", "End of life care", CORE),
    # CQC's own supersededBy lists only npioutpatients; DOMAIN.md says the 2018 split also
    # created diagnostic imaging, so both are successors here.
    Service(
        "outpatients",
        "Outpatients and diagnostic imaging",
        CORE,
        successors=("npioutpatients", "diagnostic"),
    ),
    Service("npioutpatients", "Outpatients", CORE),
    Service("diagnostic", "Diagnostic imaging", CORE),
    # Extra services. accident, transport and maternityinpatient are real API ids (the last is
    # "Active (Not rated)" at North Devon); renal and rehabilitation are named in DOMAIN.md
    # without an id, so their codes are this product's own.
    Service("accident", "Urgent care centre", EXTRA),
    Service("transport", "Patient transport services", EXTRA),
    Service("maternityinpatient", "Maternity (inpatient services)", EXTRA),
    Service("renal", "Renal services", EXTRA),
    Service("rehabilitation", "Rehabilitation services", EXTRA),
    # Community population groups, as in the Tiverton District Hospital record (RH853).
    Service("old", "Older people", POPULATION),
    Service("conditions", "People with long term conditions", POPULATION),
    Service("mothers", "Families, children and young people", POPULATION),
    Service(
        "population",
        "Working age people (including those recently retired and students)",
        POPULATION,
    ),
    Service(
        "vulnerable", "People whose circumstances may make them vulnerable", POPULATION
    ),
    Service(
        "problems",
        "People experiencing poor mental health (including people with dementia)",
        POPULATION,
    ),
)

SERVICES: dict[str, Service] = {service.code: service for service in _ALL}


def get_service(code: str) -> Service:
    """The catalogue entry for a CQC inspection-area code; KeyError naming the code if unknown."""
    try:
        return SERVICES[code]
    except KeyError:
        raise KeyError(f"Unknown CQC service code {code!r}") from None


def successors_of(code: str) -> tuple[str, ...]:
    """Codes that directly replaced this service (empty when it is still current)."""
    return get_service(code).successors


def predecessors_of(code: str) -> tuple[str, ...]:
    """Codes this service directly replaced, in catalogue order (empty when it is original)."""
    get_service(code)
    return tuple(s.code for s in _ALL if code in s.successors)
