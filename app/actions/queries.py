"""Reading improvement actions for the lists: My actions, the actions board and its CSV export.

Overdue is derived, never stored (app.domain.actions.is_overdue): here it is the same rule in
SQL, from the status and the due date against a `today` the caller passes, so filters, counts
and sorting agree with every page that shows an action. A page of the board costs a fixed
number of queries whatever the data size: one for the counts (the total among them), one for
the page's rows with their hospital, department and owner joined in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select, true

from app.actions.models import Action, action_findings
from app.auth.models import User
from app.domain.actions import FINISHED, PRIORITIES, STATUSES
from app.extensions import db
from app.inspections.models import Finding
from app.organisations.models import Department, Hospital, Trust

PER_PAGE = 25
DUE_SOON_DAYS = 30  # "due soon" in the counts: due today or within the next 30 days
UNFINISHED = "unfinished"  # the status filter for open or in progress


@dataclass(frozen=True)
class ActionFilters:
    """What a list of actions is narrowed to; None (or False) means any.

    `status` is a stored status or UNFINISHED; `due_within` keeps the unfinished actions due
    from today to that many days ahead (overdue ones are the `overdue` filter's); `scope_*` is
    My actions' scope: the actions of these departments or owned by this user.
    """

    trust_id: int | None = None
    hospital_id: int | None = None
    department_id: int | None = None
    status: str | None = None
    overdue: bool = False
    due_within: int | None = None
    must_do: bool = False
    owner_id: int | None = None
    archived: bool = False
    scope_department_ids: frozenset[int] | None = None
    scope_owner_id: int | None = None
    closed: bool = True  # False leaves out verified and cancelled actions (My actions)


def is_overdue(today: date) -> ColumnElement[bool]:
    """app.domain.actions.is_overdue in SQL: not finished and due before today."""
    return and_(Action.status.not_in(FINISHED), Action.due_on < today)


def answers_must_do() -> ColumnElement[bool]:
    """The action answers at least one must-do finding that is not archived."""
    return exists().where(
        action_findings.c.action_id == Action.id,
        action_findings.c.finding_id == Finding.id,
        Finding.kind == "must_do",
        Finding.archived_at.is_(None),
    )


def _due_within(today: date, days: int) -> ColumnElement[bool]:
    return and_(Action.status.not_in(FINISHED), Action.due_on >= today, Action.due_on <= today + timedelta(days=days))


def conditions(filters: ActionFilters, today: date) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if not filters.archived:
        found.append(Action.archived_at.is_(None))
    if filters.trust_id is not None:
        found.append(Hospital.trust_id == filters.trust_id)
    if filters.hospital_id is not None:
        found.append(Action.hospital_id == filters.hospital_id)
    if filters.department_id is not None:
        found.append(Action.department_id == filters.department_id)
    if filters.status == UNFINISHED:
        found.append(Action.status.not_in(FINISHED))
    elif filters.status:
        found.append(Action.status == filters.status)
    if not filters.closed:
        found.append(Action.status.not_in(("verified", "cancelled")))
    if filters.overdue:
        found.append(is_overdue(today))
    if filters.due_within is not None:
        found.append(_due_within(today, filters.due_within))
    if filters.must_do:
        found.append(answers_must_do())
    if filters.owner_id is not None:
        found.append(Action.owner_id == filters.owner_id)
    if filters.scope_department_ids is not None or filters.scope_owner_id is not None:
        scope: list[ColumnElement[bool]] = []
        if filters.scope_department_ids:
            scope.append(Action.department_id.in_(sorted(filters.scope_department_ids)))
        if filters.scope_owner_id is not None:
            scope.append(Action.owner_id == filters.scope_owner_id)
        found.append(or_(*scope) if scope else false())
    return found


# The sort orders a list may ask for: key -> (label, order). Anything else is refused by the
# forms, so no request can put its own text into ORDER BY. Each ends with the id, so that pages
# never overlap or skip a row when values tie.
_STATUS_ORDER = case({status: n for n, status in enumerate(STATUSES)}, value=Action.status, else_=len(STATUSES))
_PRIORITY_ORDER = case({p: n for n, p in enumerate(PRIORITIES)}, value=Action.priority, else_=len(PRIORITIES))


def _overdue_first(today: date) -> list[Any]:
    return [case((is_overdue(today), 0), else_=1), Action.due_on, Action.id]


SORTS: dict[str, tuple[str, Callable[[date], list[Any]]]] = {
    "overdue": ("Overdue first, then due date", _overdue_first),
    "due": ("Due date, soonest first", lambda today: [Action.due_on, Action.id]),
    "due_desc": ("Due date, latest first", lambda today: [Action.due_on.desc(), Action.id.desc()]),
    "priority": ("Priority, high first, then due date", lambda today: [_PRIORITY_ORDER, Action.due_on, Action.id]),
    "status": ("Status, then due date", lambda today: [_STATUS_ORDER, Action.due_on, Action.id]),
    "hospital": ("Hospital and department", lambda today: [
        Hospital.name, Department.name.is_(None), Department.name, Action.due_on, Action.id]),
    "owner": ("Owner", lambda today: [User.name, User.email, Action.due_on, Action.id]),
    "newest": ("Newest raised first", lambda today: [Action.id.desc()]),
}
DEFAULT_SORT = "overdue"


@dataclass(frozen=True)
class ActionRow:
    """One action as a list shows it: plain values, overdue worked out in SQL."""

    id: int
    title: str
    status: str
    priority: str
    due_on: date
    original_due_on: date
    completed_on: date | None
    verified_on: date | None
    hospital_code: str
    hospital_name: str
    department_code: str | None
    department_name: str | None
    owner_name: str
    owner_email: str
    overdue: bool
    must_do: bool
    archived: bool
    days_late: int

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def priority_label(self) -> str:
        return PRIORITIES.get(self.priority, self.priority)


def _rows_query(filters: ActionFilters, today: date) -> Select[Any]:
    return (
        select(
            Action.id, Action.title, Action.status, Action.priority, Action.due_on,
            Action.original_due_on, Action.completed_on, Action.verified_on,
            Hospital.ods_code, Hospital.name, Department.code, Department.name,
            User.name, User.email,
            case((is_overdue(today), true()), else_=false()).label("overdue"),
            case((answers_must_do(), true()), else_=false()).label("must_do"),
            Action.archived_at.is_not(None).label("archived"),
        )
        .join(Hospital, Hospital.id == Action.hospital_id)
        .outerjoin(Department, Department.id == Action.department_id)
        .join(User, User.id == Action.owner_id)
        .where(*conditions(filters, today))
    )


def _row(values: Sequence[Any], today: date) -> ActionRow:
    (id_, title, status, priority, due_on, original_due_on, completed_on, verified_on,
     hospital_code, hospital_name, department_code, department_name, owner_name, owner_email,
     overdue, must_do, archived) = values
    return ActionRow(
        id=id_, title=title, status=status, priority=priority, due_on=due_on,
        original_due_on=original_due_on, completed_on=completed_on, verified_on=verified_on,
        hospital_code=hospital_code, hospital_name=hospital_name,
        department_code=department_code, department_name=department_name,
        owner_name=owner_name, owner_email=owner_email,
        overdue=bool(overdue), must_do=bool(must_do), archived=bool(archived),
        days_late=(today - due_on).days if overdue else 0,
    )


@dataclass(frozen=True)
class Counts:
    """How many of the matching actions are in each state that needs attention."""

    total: int
    unfinished: int  # open or in progress
    overdue: int
    due_soon: int  # unfinished, due from today to DUE_SOON_DAYS ahead
    awaiting_verification: int  # completed, not yet verified


def counts(filters: ActionFilters, today: date) -> Counts:
    """The counts of the matching actions, in one query."""
    def number(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            func.count(Action.id),
            number(Action.status.not_in(FINISHED)),
            number(is_overdue(today)),
            number(_due_within(today, DUE_SOON_DAYS)),
            number(Action.status == "completed"),
        )
        .join(Hospital, Hospital.id == Action.hospital_id)
        .where(*conditions(filters, today))
    ).one()
    return Counts(*(int(value) for value in row))


@dataclass(frozen=True)
class ActionPage:
    rows: tuple[ActionRow, ...]
    counts: Counts
    page: int
    per_page: int
    sort: str

    @property
    def total(self) -> int:
        return self.counts.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def _order(sort: str, today: date) -> list[Any]:
    if sort not in SORTS:
        raise ValueError(f"{sort!r} is not a sort order of the actions")
    return SORTS[sort][1](today)


def actions_page(
    filters: ActionFilters, today: date, *, page: int = 1, sort: str = DEFAULT_SORT, per_page: int = PER_PAGE
) -> ActionPage:
    """One page of the matching actions, and the counts of all of them: two queries."""
    page = max(page, 1)
    order = _order(sort, today)
    found = counts(filters, today)
    rows = db.session.execute(
        _rows_query(filters, today).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return ActionPage(tuple(_row(r, today) for r in rows), found, page, per_page, sort)


def all_rows(filters: ActionFilters, today: date, *, sort: str = DEFAULT_SORT, batch: int = 500) -> Iterator[ActionRow]:
    """Every matching action, in order, fetched in batches so a long list is never held in
    memory at once (the CSV export)."""
    result = db.session.execute(
        _rows_query(filters, today).order_by(*_order(sort, today)).execution_options(yield_per=batch)
    )
    for values in result:
        yield _row(values, today)


# A drop-down longer than this is not offered whole (a national dataset has 1,000 hospitals and
# 9,000 departments): it lists what belongs to the trust or hospital chosen, so the choice
# narrows step by step, and never drops the value already chosen.
CHOICES_LIMIT = 200


@dataclass(frozen=True)
class Choices:
    """The filter form's choices, as (value, label): trusts and hospitals by ODS code,
    departments by code, owners by user id (only people who own an action); the ids the codes
    stand for; and which lists were too long to offer before a trust or hospital is chosen."""

    trusts: list[tuple[str, str]]
    hospitals: list[tuple[str, str]]
    departments: list[tuple[str, str]]
    owners: list[tuple[str, str]]
    ids: dict[str, dict[str, int]]  # "trust" | "hospital" | "department" -> code -> id
    narrowed: frozenset[str] = frozenset()  # "hospital", "department", "owner"


def filter_choices(
    trust: str | None = None, hospital: str | None = None, department: str | None = None,
    owner: str | None = None,
) -> Choices:
    """Three queries: hospitals with their trusts, departments, and owners; each list within
    the chosen trust or hospital (the values chosen, as given in the request, always stay)."""
    trusts: dict[str, str] = {}
    every_hospital: list[tuple[str, str, str]] = []  # (code, name, trust code)
    ids: dict[str, dict[str, int]] = {"trust": {}, "hospital": {}, "department": {}}
    for trust_id, trust_code, trust_name, hospital_id, code, name in db.session.execute(
        select(Trust.id, Trust.ods_code, Trust.name, Hospital.id, Hospital.ods_code, Hospital.name)
        .join(Hospital, Hospital.trust_id == Trust.id, isouter=True)
        .order_by(Trust.name, Hospital.name)
    ):
        trusts[trust_code] = trust_name
        ids["trust"][trust_code] = trust_id
        if code is not None:
            every_hospital.append((code, name, trust_code))
            ids["hospital"][code] = hospital_id
    narrowed: set[str] = set()
    in_trust = [h for h in every_hospital if trust in ids["trust"] and h[2] == trust]
    if in_trust or len(every_hospital) <= CHOICES_LIMIT:
        listed = in_trust or every_hospital
    else:
        narrowed.add("hospital")
        listed = []
    hospitals = [(code, name) for code, name, _trust in listed]
    hospitals += [(code, name) for code, name, _trust in every_hospital
                  if code == hospital and (code, name) not in hospitals]  # the chosen one stays
    hospitals.sort(key=lambda choice: choice[1])

    scope = []
    if hospital in ids["hospital"]:
        scope.append(Department.hospital_id == ids["hospital"][hospital])
    elif trust in ids["trust"]:
        scope.append(Hospital.trust_id == ids["trust"][trust])
    rows = db.session.execute(
        select(Department.id, Department.code, Department.name, Hospital.name, Department.retired_on)
        .join(Hospital, Hospital.id == Department.hospital_id)
        .where(*scope)
        .order_by(Hospital.name, Department.name)
        .limit(None if scope else CHOICES_LIMIT + 1)
    ).all()
    if not scope and len(rows) > CHOICES_LIMIT:
        narrowed.add("department")
        rows = []
    if department and department not in {row[1] for row in rows}:
        # The department chosen is not among those listed: it stays a choice.
        rows += db.session.execute(
            select(Department.id, Department.code, Department.name, Hospital.name, Department.retired_on)
            .join(Hospital, Hospital.id == Department.hospital_id)
            .where(Department.code == department)
        ).all()
    departments = []
    for department_id, code, name, hospital_name, retired in rows:
        departments.append((code, f"{hospital_name} – {name}" + (" (retired)" if retired else "")))
        ids["department"][code] = department_id

    # The owners of the chosen hospital's (or trust's) actions, found from the actions by their
    # hospital (indexed), not by testing every user.
    if hospital in ids["hospital"]:
        owning = select(Action.owner_id).where(Action.hospital_id == ids["hospital"][hospital])
    elif trust in ids["trust"]:
        owning = select(Action.owner_id).join(Hospital, Hospital.id == Action.hospital_id).where(
            Hospital.trust_id == ids["trust"][trust])
    else:
        owning = select(Action.owner_id)
    owner_rows = db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(owning.distinct()))
        .order_by(User.name, User.email).limit(None if scope else CHOICES_LIMIT + 1)
    ).all()
    if not scope and len(owner_rows) > CHOICES_LIMIT:
        narrowed.add("owner")
        owner_rows = [r for r in owner_rows if str(r[0]) == owner]
    owners = [(str(user_id), f"{name} ({email})") for user_id, name, email in owner_rows]
    if owner and owner.isascii() and owner.isdigit() and owner not in {value for value, _ in owners}:
        chosen = db.session.execute(select(User.id, User.name, User.email).where(User.id == int(owner))).first()
        if chosen is not None:
            owners.append((str(chosen[0]), f"{chosen[1]} ({chosen[2]})"))
    return Choices(sorted(trusts.items(), key=lambda c: c[1]), hospitals, departments, owners, ids,
                   frozenset(narrowed))
