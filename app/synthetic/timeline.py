"""One hospital's synthetic history as plain values: its departments (with the services CQC
later renamed), its official and internal inspections, the cells each rated, their findings
and enforcement. No database here: app.synthetic.generate turns these into rows.

The rules the data keeps (DOMAIN.md): a comprehensive inspection rates every department row
and the hospital's row on all six columns; a focused one re-rates a few cells and the Overall
of the rows it touched, aggregated over the row as it stands (cells carried forward included);
before a rename the old service is rated, from it the successors; official and internal
streams are kept apart; must-do findings cite a regulation, should-do ones none.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.aggregate import suggest
from app.domain.catalogue import SERVICES
from app.domain.ratings import KEY_QUESTIONS, OVERALL, RATINGS
from app.synthetic import shape

HOSPITAL_ROW = "hospital"  # the hospital's own row; department rows are keyed by service code


@dataclass
class Department:
    service: str
    name: str
    offset: float
    predecessor_of: tuple[str, ...] = ()  # successor services, for an old (renamed) service
    renamed_on: date | None = None  # old services: when the hospital moved to the new names
    retired_on: date | None = None


@dataclass
class Cell:
    row: str  # service code or HOSPITAL_ROW
    key_question: str
    rating: str
    override_reason: str | None = None


@dataclass
class FindingSpec:
    kind: str
    row: str | None  # service code, or None for the hospital as a whole
    key_question: str
    regulation: str | None
    text: str


@dataclass
class Visit:
    source: str  # official, mock, peer_review
    inspection_type: str
    notice: str
    visit_start: date
    visit_end: date
    published_on: date | None  # None: still a draft
    cells: list[Cell] = field(default_factory=list)
    findings: list[FindingSpec] = field(default_factory=list)
    summary: str | None = None
    inspection_id: int | None = None  # set once its row is made


@dataclass
class EnforcementSpec:
    kind: str
    visit: Visit
    regulation: str | None
    description: str
    started_on: date
    deadline: date | None = None
    ended_on: date | None = None


@dataclass
class HospitalHistory:
    departments: list[Department]
    visits: list[Visit]
    enforcements: list[EnforcementSpec]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def rating_for(score: float) -> str:
    for threshold, rating in shape.THRESHOLDS:
        if score >= threshold:
            return rating
    return shape.LOWEST


def aggregate(values: list[str]) -> str | None:
    return suggest(values).rating


class HospitalStory:
    """Builds one hospital's history from its own random stream."""

    def __init__(self, rng: random.Random, *, services: tuple[str, ...], start: date, today: date) -> None:
        self.rng = rng
        self.start = start
        self.today = today
        self.levels: dict[int, float] = {}
        level = rng.gauss(0.0, 0.45)
        for year in range(start.year, today.year + 1):
            level += rng.gauss(0.03, 0.12)  # trusts improve slowly on average
            self.levels[year] = level
        self.departments = self._departments(services)
        self.by_service = {d.service: d for d in self.departments}

    # -- departments -------------------------------------------------------------------------

    def _departments(self, services: tuple[str, ...]) -> list[Department]:
        rng = self.rng
        current = [
            Department(s, SERVICES[s].name, shape.SERVICE_OFFSET.get(s, 0.0) + rng.gauss(0, 0.35))
            for s in services
        ]
        old: list[Department] = []
        for service, (first, last) in shape.RENAMES.items():
            renamed_on = _day_between(rng, first, last)
            successors = tuple(s for s in SERVICES[service].successors if s in services)
            if not successors or renamed_on <= self.start:
                continue
            name = SERVICES[service].name
            if any(d.name == name for d in current):
                name = f"{name} (before the {renamed_on.year} rename)"
            offset = next(d.offset for d in current if d.service == successors[0])
            old.append(Department(service, name, offset, successors, renamed_on))
        return current + old

    def services_on(self, day: date) -> list[Department]:
        """The departments an inspection visiting on `day` rates: old services before the
        hospital's rename, their successors from it."""
        replaced = {s for d in self.departments if d.renamed_on and day < d.renamed_on for s in d.predecessor_of}
        return [
            d for d in self.departments
            if (d.renamed_on is None and d.service not in replaced) or (d.renamed_on and day < d.renamed_on)
        ]

    # -- ratings -----------------------------------------------------------------------------

    def score(self, department: Department | None, key_question: str, day: date, bias: float = 0.0) -> str:
        level = self.levels[min(max(day.year, self.start.year), self.today.year)]
        offset = department.offset if department else 0.0
        return rating_for(level + offset + shape.KEY_QUESTION_OFFSET[key_question] + bias + self.rng.gauss(0, 0.5))

    def rate_row(self, department: Department, key_questions: tuple[str, ...], day: date,
                 state: dict[tuple[str, str], str], bias: float = 0.0) -> list[Cell]:
        """New ratings for some key questions of a department row, then its Overall aggregated
        over the row as it now stands."""
        cells = []
        for key_question in key_questions:
            if (department.service, key_question) in shape.NO_CELL:
                continue
            if (department.service, key_question) in shape.NOT_RATED:
                cells.append(Cell(department.service, key_question, "Inspected but not rated"))
                continue
            rating = self.score(department, key_question, day, bias)
            state[(department.service, key_question)] = rating
            cells.append(Cell(department.service, key_question, rating))
        row = [state[(department.service, kq)] for kq in KEY_QUESTIONS if (department.service, kq) in state]
        cells.append(self._overall(department.service, row, state))
        return cells

    def _overall(self, row: str, ratings: list[str], state: dict[tuple[str, str], str]) -> Cell:
        published = aggregate(ratings) or "Good"
        reason = None
        # Inspectors depart from the aggregation rules now and then, with a reason.
        if self.rng.random() < 0.04:
            index = RATINGS.index(published) + self.rng.choice((-1, 1))
            if 0 <= index < len(RATINGS):
                published = RATINGS[index]
                reason = "Inspectors' judgement: the service's trajectory since the visit."
        state[(row, OVERALL)] = published
        return Cell(row, OVERALL, published, reason)

    def rate_hospital_row(self, key_questions: tuple[str, ...], rows: list[Department],
                          state: dict[tuple[str, str], str]) -> list[Cell]:
        """The hospital's row: each key question aggregated over its services, then Overall."""
        cells = []
        for key_question in key_questions:
            values = [state[(d.service, key_question)] for d in rows if (d.service, key_question) in state]
            rating = aggregate(values)
            if rating is None:
                continue
            state[(HOSPITAL_ROW, key_question)] = rating
            cells.append(Cell(HOSPITAL_ROW, key_question, rating))
        own = [state[(HOSPITAL_ROW, kq)] for kq in KEY_QUESTIONS if (HOSPITAL_ROW, kq) in state]
        if own:
            cells.append(self._overall(HOSPITAL_ROW, own, state))
        return cells

    # -- findings ----------------------------------------------------------------------------

    def finding(self, kind: str, row: str | None, key_question: str) -> FindingSpec:
        rng = self.rng
        topic = rng.choice(shape.FINDING_TOPICS[key_question])
        where = self.by_service[row].name if row else "Across the hospital"
        verb = "must" if kind == "must_do" else "should"
        regulation = rng.choice(shape.REGULATIONS_BY_KEY_QUESTION[key_question]) if kind == "must_do" else None
        if kind == "outstanding_practice":
            return FindingSpec(kind, row, key_question, None, f"{where}: staff {topic}, and other services learn from it.")
        return FindingSpec(kind, row, key_question, regulation, f"{where}: the service {verb} {topic}.")

    def findings_for(self, visit: Visit, must_chance: dict[str, float], should: tuple[int, int],
                     outstanding_chance: float = 0.0) -> None:
        rng = self.rng
        rated = [c for c in visit.cells if c.row != HOSPITAL_ROW and c.key_question != OVERALL and c.rating in RATINGS]
        for cell in rated:
            if rng.random() < must_chance.get(cell.rating, 0.0):
                visit.findings.append(self.finding("must_do", cell.row, cell.key_question))
            elif cell.rating == "Outstanding" and rng.random() < outstanding_chance:
                visit.findings.append(self.finding("outstanding_practice", cell.row, cell.key_question))
        rows = sorted({c.row for c in rated})
        for _ in range(rng.randint(*should)):
            row = None if not rows or rng.random() < 0.1 else rng.choice(rows)
            key_question = "Well-led" if row is None else rng.choice(KEY_QUESTIONS)
            visit.findings.append(self.finding("should_do", row, key_question))

    # -- the inspections ---------------------------------------------------------------------

    def official(self) -> list[Visit]:
        """Comprehensive inspections every few years, focused or responsive ones between,
        each visit after the previous report was published."""
        rng, visits, state = self.rng, [], {}
        cursor = self.start + timedelta(days=rng.randint(0, 400))
        next_comprehensive = cursor
        while cursor <= self.today:
            comprehensive = cursor >= next_comprehensive
            length = rng.randint(2, 4) if comprehensive else rng.randint(0, 2)
            visit_end = cursor + timedelta(days=length)
            published: date | None = visit_end + timedelta(days=rng.randint(60, 150))
            if visit_end > self.today:
                break
            if published > self.today:  # type: ignore[operator]
                published = None
            kind = "comprehensive" if comprehensive else rng.choice(("focused", "focused", "responsive"))
            notice = rng.choice(("announced", "short_notice", "unannounced", "unannounced"))
            visit = Visit("official", kind, notice, cursor, visit_end, published)
            rows = self.services_on(cursor)
            if comprehensive:
                for department in rows:
                    visit.cells += self.rate_row(department, KEY_QUESTIONS, cursor, state)
                visit.cells += self.rate_hospital_row(KEY_QUESTIONS, rows, state)
                self.findings_for(visit, {"Requires improvement": 0.3, "Inadequate": 0.8}, (7, 14), 0.15)
                next_comprehensive = cursor + timedelta(days=rng.randint(*(m * 30 for m in shape.COMPREHENSIVE_MONTHS)))
            else:
                chosen = rng.sample(rows, k=min(len(rows), rng.choice((1, 1, 2))))
                touched: list[str] = []
                for department in chosen:
                    questions = tuple(sorted(rng.sample(KEY_QUESTIONS, k=rng.randint(2, 5)), key=KEY_QUESTIONS.index))
                    touched += [q for q in questions if q not in touched]
                    visit.cells += self.rate_row(department, questions, cursor, state)
                if rng.random() < 0.5:
                    visit.cells += self.rate_hospital_row(
                        tuple(q for q in KEY_QUESTIONS if q in touched), rows, state
                    )
                self.findings_for(visit, {"Requires improvement": 0.4, "Inadequate": 0.9}, (1, 3))
                visit.summary = "Focused on " + ", ".join(d.name for d in chosen) + "."
            visits.append(visit)
            if published is None:
                break
            gap = max(30, int(rng.expovariate(shape.FOCUSED_PER_YEAR / 365)))
            cursor = min(published + timedelta(days=gap), max(next_comprehensive, published + timedelta(days=30)))
        return visits

    def internal(self) -> list[Visit]:
        """The trust's own mock inspections (the whole grid) and peer reviews (a few services),
        about once a year each; never part of the official grid."""
        rng, visits = self.rng, []
        mock_state: dict[tuple[str, str], str] = {}
        for source, per_year in (("mock", shape.MOCK_PER_YEAR), ("peer_review", shape.PEER_REVIEWS_PER_YEAR)):
            cursor = self.start + timedelta(days=rng.randint(0, 200))
            while True:
                cursor += timedelta(days=max(60, int(rng.expovariate(per_year / 365))))
                visit_end = cursor + timedelta(days=rng.randint(0, 1))
                published = visit_end + timedelta(days=rng.randint(7, 35))
                if published > self.today:
                    break
                visit = Visit(source, "comprehensive" if source == "mock" else "focused", "announced",
                              cursor, visit_end, published)
                rows = self.services_on(cursor)
                if source == "mock":
                    for department in rows:
                        visit.cells += self.rate_row(department, KEY_QUESTIONS, cursor, mock_state, bias=-0.1)
                    visit.cells += self.rate_hospital_row(KEY_QUESTIONS, rows, mock_state)
                    self.findings_for(visit, {"Requires improvement": 0.03, "Inadequate": 0.3}, (1, 4))
                    visit.summary = "Internal mock inspection of every service."
                else:
                    state: dict[tuple[str, str], str] = {}
                    chosen = rng.sample(rows, k=min(len(rows), rng.randint(2, 4)))
                    for department in chosen:
                        visit.cells += self.rate_row(department, KEY_QUESTIONS, cursor, state, bias=-0.05)
                    self.findings_for(visit, {}, (0, 2))
                    visit.summary = "Peer review of " + ", ".join(d.name for d in chosen) + "."
                visits.append(visit)
        return visits

    def retire_old_departments(self, visits: list[Visit]) -> None:
        """An old service is retired when a successor is first rated in a published official
        report, never before its own last published rating."""
        for department in self.departments:
            if not department.predecessor_of:
                continue
            firsts = [v.published_on for v in visits if v.source == "official" and v.published_on
                      and any(c.row in department.predecessor_of for c in v.cells)]
            if not firsts:
                continue
            own = [v.published_on for v in visits if v.published_on and any(c.row == department.service for c in v.cells)]
            department.retired_on = max([min(firsts), *own])

    def enforcement(self, visits: list[Visit]) -> list[EnforcementSpec]:
        """A requirement notice per regulation breached in an official report, ended by the
        next comprehensive report; a section 29A warning notice and special measures while
        the hospital is rated Inadequate overall."""
        result: list[EnforcementSpec] = []
        official = [v for v in visits if v.source == "official" and v.published_on]
        special: EnforcementSpec | None = None
        for index, visit in enumerate(official):
            later = [v.published_on for v in official[index + 1:] if v.inspection_type == "comprehensive"]
            ended = later[0] if later else None
            regulations = sorted({f.regulation for f in visit.findings if f.regulation}, key=lambda r: (len(r), r))
            for regulation in regulations:
                result.append(EnforcementSpec(
                    "requirement_notice", visit, regulation,
                    f"Requirement notice: breach of regulation {regulation}.", visit.published_on, ended_on=ended,
                ))
            overall = next((c.rating for c in visit.cells if c.row == HOSPITAL_ROW and c.key_question == OVERALL), None)
            if overall == "Inadequate":
                result.append(EnforcementSpec(
                    "section_29a", visit, None, "Section 29A warning notice: significant improvement needed.",
                    visit.published_on, deadline=visit.published_on + timedelta(days=90),
                    ended_on=official[index + 1].published_on if index + 1 < len(official) else None,
                ))
                if special is None:
                    special = EnforcementSpec("special_measures", visit, None, "Special measures.", visit.published_on)
                    result.append(special)
            elif overall is not None and special is not None:
                special.ended_on = visit.published_on
                special = None
        return result

    def history(self) -> HospitalHistory:
        visits = self.official() + self.internal()
        self.retire_old_departments(visits)
        return HospitalHistory(self.departments, visits, self.enforcement(visits))


def trust_review_cells(rng: random.Random, level: float) -> list[Cell]:
    """A trust-level well-led review's ratings of the trust's row."""
    cells = [
        Cell("trust", kq, rating_for(level + shape.KEY_QUESTION_OFFSET[kq] + rng.gauss(0, 0.5)))
        for kq in KEY_QUESTIONS
    ]
    cells.append(Cell("trust", OVERALL, aggregate([c.rating for c in cells]) or "Good"))
    return cells
