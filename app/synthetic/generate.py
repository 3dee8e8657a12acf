"""The synthetic dataset as rows: what to build (Plan), the trusts and hospitals it lays out,
and each table's rows, handed to a sink in an order the foreign keys accept.

Deterministic: every random choice comes from a random.Random seeded with the plan's seed and
the record it is for (never the global generator), ids are counted up from the first free id
of each table, and nothing iterates a set. Only the users' session tokens are random (they are
secrets); the caller supplies them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Protocol

from app.synthetic import shape
from app.synthetic.timeline import HOSPITAL_ROW, FindingSpec, HospitalStory, Visit, trust_review_cells
from app.synthetic.work import simulate

# Parents before children: the order rows are written in.
TABLES: tuple[str, ...] = (
    "trusts", "hospitals", "departments", "department_successions", "users", "user_departments",
    "inspections", "rating_cells", "findings", "enforcements", "actions", "action_findings",
    "action_updates",
)
MAX_DEPARTMENTS = len(shape.DEPARTMENT_SERVICES)
UTC = timezone.utc


@dataclass(frozen=True)
class Plan:
    """What to build. `actions` is the total over all hospitals (default 30 a hospital a year);
    `hospitals_per_trust` fixes every trust's size (default: about 6.7, varying)."""

    hospitals: int
    years: int
    seed: int
    departments_per_hospital: int = 9
    hospitals_per_trust: int | None = None
    actions: int | None = None
    today: date = shape.DEFAULT_TODAY

    def problems(self) -> dict[str, str]:
        errors = {}
        if self.hospitals < 1:
            errors["hospitals"] = "The number of hospitals must be 1 or more."
        if not 1 <= self.years <= 30:
            errors["years"] = "The number of years must be between 1 and 30."
        if not 1 <= self.departments_per_hospital <= MAX_DEPARTMENTS:
            errors["departments"] = f"The number of departments a hospital must be between 1 and {MAX_DEPARTMENTS}."
        if self.hospitals_per_trust is not None and self.hospitals_per_trust < 1:
            errors["hospitals_per_trust"] = "The number of hospitals a trust must be 1 or more."
        if self.actions is not None and self.actions < 0:
            errors["actions"] = "The number of actions must be 0 or more."
        return errors

    @property
    def start(self) -> date:
        try:
            return self.today.replace(year=self.today.year - self.years)
        except ValueError:  # 29 February
            return self.today.replace(year=self.today.year - self.years, day=28)

    @property
    def total_actions(self) -> int:
        return self.actions if self.actions is not None else shape.ACTIONS_PER_HOSPITAL_YEAR * self.years * self.hospitals


class Sink(Protocol):
    def add(self, table: str, row: dict[str, Any]) -> None: ...


class Ids:
    """The next id of each table, from the first free one."""

    def __init__(self, first: dict[str, int]) -> None:
        self._next = dict(first)

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


def trust_sizes(plan: Plan) -> list[int]:
    """How many hospitals each trust runs."""
    if plan.hospitals_per_trust:
        full, rest = divmod(plan.hospitals, plan.hospitals_per_trust)
        return [plan.hospitals_per_trust] * full + ([rest] if rest else [])
    rng = random.Random(f"{plan.seed}:layout")
    count = max(1, round(plan.hospitals * shape.TRUSTS_PER_HOSPITAL))
    sizes = [1] * count
    for _ in range(plan.hospitals - count):
        sizes[rng.randrange(count)] += 1
    return sizes


def trust_codes(plan: Plan) -> list[str]:
    sizes = trust_sizes(plan)
    width = max(3, len(str(len(sizes))))
    return [f"{shape.CODE_PREFIX}{n:0{width}d}" for n in range(1, len(sizes) + 1)]


def hospital_codes(plan: Plan) -> list[str]:
    sizes = trust_sizes(plan)
    width = max(2, len(str(max(sizes))))
    return [f"{code}{k:0{width}d}" for code, size in zip(trust_codes(plan), sizes) for k in range(1, size + 1)]


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


class Generator:
    def __init__(self, plan: Plan, ids: Ids, sink: Sink, token: Callable[[], str]) -> None:
        self.plan, self.ids, self.sink, self.token = plan, ids, sink, token
        self.created = _at(plan.start, 8)
        rng = random.Random(f"{plan.seed}:names")
        places = [a + b for a in shape.PLACE_STARTS for b in shape.PLACE_ENDS]
        rng.shuffle(places)
        self.places = places
        self.hospital_names = [(p, k) for p in places for k in shape.HOSPITAL_KINDS]
        rng.shuffle(self.hospital_names)
        quotas = divmod(plan.total_actions, plan.hospitals)
        self.quota = lambda index: quotas[0] + (1 if index < quotas[1] else 0)

    def run(self) -> None:
        sizes = trust_sizes(self.plan)
        sites = hospital_codes(self.plan)
        index = 0
        for n, (code, size) in enumerate(zip(trust_codes(self.plan), sizes)):
            site_codes = sites[index:index + size]
            self.trust(n, code, site_codes, index)
            index += size

    def add(self, table: str, **row: Any) -> int | None:
        if "id" in row and row["id"] is None:
            row["id"] = self.ids.take(table)
        self.sink.add(table, row)
        return row.get("id")

    # -- people ------------------------------------------------------------------------------

    def user(self, rng: random.Random, trust_code: str, role: str, title: str) -> int:
        first, last = rng.choice(shape.FIRST_NAMES), rng.choice(shape.LAST_NAMES)
        user_id = self.ids.take("users")
        self.add(
            "users", id=user_id, email=f"{_slug(first)}.{_slug(last)}.{user_id}@{trust_code.lower()}.synthetic.example",
            name=f"{first} {last}", job_title=title, role=role, password_hash=None, active=True,
            session_token=self.token(), created_at=self.created,
        )
        return user_id

    # -- a trust -----------------------------------------------------------------------------

    def trust(self, n: int, code: str, site_codes: list[str], first_index: int) -> None:
        plan = self.plan
        rng = random.Random(f"{plan.seed}:trust:{code}")
        place = self.places[n % len(self.places)]
        suffix = "" if n < len(self.places) else f" {n // len(self.places) + 1}"
        trust_id = self.add("trusts", id=None, ods_code=code, name=f"{place}{suffix} Hospitals NHS Trust (synthetic)",
                            formed_on=plan.start - timedelta(days=rng.randint(365, 20 * 365)), created_at=self.created)
        quality = [self.user(rng, code, "quality", title) for title in ("Head of quality", "Quality lead", "Quality officer")]
        self.user(rng, code, "viewer", "Non-executive director")
        for offset, site in enumerate(site_codes):
            self.hospital(trust_id, site, first_index + offset, quality)  # type: ignore[arg-type]
        self.trust_reviews(rng, trust_id, code)  # type: ignore[arg-type]

    def trust_reviews(self, rng: random.Random, trust_id: int, code: str) -> None:
        level = rng.gauss(0.0, 0.5)
        low, high = (m * 30 for m in shape.WELL_LED_REVIEW_MONTHS)
        cursor = self.plan.start + timedelta(days=rng.randint(0, 600))
        number = 0
        while True:
            visit_end = cursor + timedelta(days=rng.randint(1, 3))
            published = visit_end + timedelta(days=rng.randint(60, 120))
            if published > self.plan.today:
                break
            number += 1
            visit = Visit("official", "well_led", "announced", cursor, visit_end, published,
                          cells=trust_review_cells(rng, level), summary="Trust-level well-led review.")
            well_led = next(c.rating for c in visit.cells if c.key_question == "Well-led")
            if well_led in ("Requires improvement", "Inadequate"):
                visit.findings.append(FindingSpec("must_do", None, "Well-led", rng.choice(("17", "17", "5")),
                                                  "The trust must strengthen board oversight of quality and risk."))
            self.inspection(trust_id, None, f"{code}-WL-{number}", visit, {})
            cursor += timedelta(days=rng.randint(low, high))
            level += rng.gauss(0.05, 0.2)

    # -- a hospital --------------------------------------------------------------------------

    def hospital(self, trust_id: int, site: str, index: int, quality: list[int]) -> None:
        plan = self.plan
        rng = random.Random(f"{plan.seed}:hospital:{site}")
        place, kind = self.hospital_names[index % len(self.hospital_names)]
        repeat = index // len(self.hospital_names)
        hospital_id = self.add("hospitals", id=None, trust_id=trust_id, ods_code=site,
                               name=f"{place} {kind}" + (f" {repeat + 1}" if repeat else ""), town=place,
                               kind="hospital", registration_status="Registered", created_at=self.created)
        services = shape.DEPARTMENT_SERVICES[:plan.departments_per_hospital]
        story = HospitalStory(rng, services=services, start=plan.start, today=plan.today)
        history = story.history()

        department_ids: dict[str, int] = {}
        for department in history.departments:
            department_ids[department.service] = self.add(  # type: ignore[assignment]
                "departments", id=None, hospital_id=hospital_id, code=f"{site}-{department.service}".upper(),
                name=department.name, service_code=department.service, retired_on=department.retired_on,
                created_at=self.created,
            )
        lead_of: dict[int, int] = {}
        for department in history.departments:
            if department.renamed_on is None:
                lead = self.user(rng, site, "lead", f"Lead, {department.name}")
                lead_of[department_ids[department.service]] = lead
                self.add("user_departments", user_id=lead, department_id=department_ids[department.service])
        for department in history.departments:
            for successor in department.predecessor_of:
                old, new = department_ids[department.service], department_ids[successor]
                self.add("department_successions", predecessor_id=old, successor_id=new)
            if department.predecessor_of:
                # The lead of the (first) successor inherits the old service's actions.
                heir = lead_of[department_ids[department.predecessor_of[0]]]
                lead_of[department_ids[department.service]] = heir
                self.add("user_departments", user_id=heir, department_id=department_ids[department.service])

        findings: list[tuple[int, str, int | None, date, str]] = []
        visits = sorted(history.visits, key=lambda v: (v.visit_start, v.source))
        counters: dict[str, int] = {}
        for visit in visits:
            counters[visit.source] = counters.get(visit.source, 0) + 1
            ref = f"{site}-{visit.source[0].upper()}{counters[visit.source]}"
            made = self.inspection(trust_id, hospital_id, ref, visit, department_ids)
            if visit.published_on:
                findings += [(fid, spec.kind, department_ids.get(spec.row or ""), visit.published_on, spec.text)
                             for fid, spec in made]
        self.enforcement(trust_id, hospital_id, history.enforcements)
        self.actions(random.Random(f"{plan.seed}:actions:{site}"), hospital_id, department_ids, history,
                     findings, lead_of, quality, self.quota(index))

    def inspection(self, trust_id: int, hospital_id: int | None, ref: str, visit: Visit,
                   department_ids: dict[str, int]) -> list[tuple[int, FindingSpec]]:
        inspection_id = self.add(
            "inspections", id=None, trust_id=trust_id, hospital_id=hospital_id, source=visit.source,
            inspection_type=visit.inspection_type, notice=visit.notice, visit_start=visit.visit_start,
            visit_end=visit.visit_end, published_on=visit.published_on, report_ref=ref, report_url=None,
            report_file_id=None, status="published" if visit.published_on else "draft",
            summary=visit.summary, illustrative=False, created_at=_at(visit.visit_end, 17),
            archived_at=None, archived_by_id=None, archive_reason=None,
        )
        visit.inspection_id = inspection_id
        for cell in visit.cells:
            if cell.row == "trust":
                scope, hospital, department = "trust", None, None
            elif cell.row == HOSPITAL_ROW:
                scope, hospital, department = "hospital", hospital_id, None
            else:
                scope, hospital, department = "department", hospital_id, department_ids[cell.row]
            self.add("rating_cells", id=None, inspection_id=inspection_id, scope=scope, trust_id=trust_id,
                     hospital_id=hospital, department_id=department, key_question=cell.key_question,
                     rating=cell.rating, override_reason=cell.override_reason, illustrative=False)
        made = []
        for spec in visit.findings:
            finding_id = self.add(
                "findings", id=None, inspection_id=inspection_id, kind=spec.kind,
                department_id=department_ids.get(spec.row) if spec.row else None,
                key_question=spec.key_question, regulation=spec.regulation, text=spec.text, illustrative=False,
                created_at=_at(visit.visit_end, 17), archived_at=None, archived_by_id=None, archive_reason=None,
            )
            made.append((finding_id, spec))
        return made  # type: ignore[return-value]

    def enforcement(self, trust_id: int, hospital_id: int, specs: list[Any]) -> None:
        for spec in specs:
            self.add("enforcements", id=None, trust_id=trust_id, hospital_id=hospital_id,
                     inspection_id=spec.visit.inspection_id, department_id=None, kind=spec.kind,
                     regulation=spec.regulation, description=spec.description, started_on=spec.started_on,
                     deadline=spec.deadline, ended_on=spec.ended_on, created_at=_at(spec.started_on, 12))

    # -- actions -----------------------------------------------------------------------------

    def actions(self, rng: random.Random, hospital_id: int, department_ids: dict[str, int], history: Any,
                findings: list[tuple[int, str, int | None, date, str]], lead_of: dict[int, int],
                quality: list[int], count: int) -> None:
        """`count` actions, mostly answering must-do findings (a few should-do ones, a few
        with no finding), owned by the department's lead or the quality team."""
        plan = self.plan
        by_kind = {kind: [f for f in findings if f[1] == kind] for kind in ("must_do", "should_do")}
        current = [department_ids[d.service] for d in history.departments if d.renamed_on is None]
        names = {department_ids[d.service]: d.name for d in history.departments}
        window = (plan.today - plan.start).days
        for _ in range(count):
            pick = rng.random()
            pool = by_kind["must_do"] if pick < 0.75 else by_kind["should_do"] if pick < 0.93 else []
            pool = pool or (by_kind["must_do"] + by_kind["should_do"] if pick < 0.93 else [])
            if pool:
                finding_id, kind, department_id, published, text = rng.choice(pool)
                created = min(plan.today, published + timedelta(days=rng.randint(3, 45)))
            else:
                finding_id, kind, text = None, None, "Raised by the quality team from internal assurance."
                department_id = rng.choice(current) if current and rng.random() < 0.8 else None
                created = plan.start + timedelta(days=rng.randint(0, window))
            owner = lead_of[department_id] if department_id in lead_of and rng.random() < 0.7 else rng.choice(quality)
            priority = (rng.choice(("high", "high", "medium", "medium", "low")) if kind == "must_do"
                        else rng.choice(("medium", "low", "low")))
            original_due = created + timedelta(days=rng.choice((30, 60, 90, 90, 120, 180, 180, 270, 365)))
            work = simulate(rng, created, original_due, plan.today)
            where = names.get(department_id, "Hospital-wide") if department_id else "Hospital-wide"
            action_id = self.add(
                "actions", id=None, hospital_id=hospital_id, department_id=department_id, incident_id=None,
                owner_id=owner, title=f"{where}: {rng.choice(shape.ACTION_VERBS).lower()}"[:200],
                description=text, priority=priority, status=work.status, original_due_on=original_due,
                due_on=work.due_on, cancel_reason=work.cancel_reason, completed_on=work.completed_on,
                verified_on=work.verified_on, created_at=_at(created, 10, rng.randint(0, 59)),
                version=1 + len(work.steps), archived_at=None, archived_by_id=None, archive_reason=None,
            )
            if finding_id is not None:
                self.add("action_findings", action_id=action_id, finding_id=finding_id)
            for n, step in enumerate(work.steps):
                author = rng.choice(quality) if step.by_quality else owner
                self.add("action_updates", id=None, action_id=action_id, author_id=author,
                         created_at=_at(step.on, 11 + min(n, 6), rng.randint(0, 59)), text=step.text,
                         percent_complete=step.percent, new_due_on=step.new_due_on,
                         due_change_reason=step.reason, status_from=step.status_from, status_to=step.status_to)

