"""The offline bundle: a read-only copy of where things stand, as plain HTML files that open
from a USB stick or a shared drive in any browser when the network or the server is down.

index.html                 the trusts' grids, every hospital, the latest issued board packs
actions.html               every open action with its owner and due date, overdue in words
hospitals/<CODE>.html      one hospital's current official grid and its open actions
board-packs/<name>.pdf     the latest issued board pack of each trust and hospital, as issued

Every page carries its own small stylesheet and no script; every link is relative and stays
inside the bundle, so nothing is fetched from anywhere. The pages are built from plain data
(frozen dataclasses) with the same grid assembly as the app's pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.actions.models import Action
from app.boardpacks.models import IssuedPack, IssuedPackContent
from app.domain.actions import FINISHED, STATUSES
from app.extensions import db
from app.inspections.grids import HospitalGrid, TrustGrid, hospital_grid_from, published_cells, trust_grid_from
from app.inspections.models import RatingCell
from app.organisations.models import Department, Trust


@dataclass(frozen=True)
class OpenAction:
    id: int
    title: str
    hospital_code: str
    hospital_name: str
    hospital_href: str  # from the bundle's root
    department: str
    owner: str  # name and post
    status: str
    due_on: date
    days_late: int

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


@dataclass(frozen=True)
class HospitalPage:
    code: str
    name: str
    trust_name: str
    href: str  # from the bundle's root
    grid: HospitalGrid
    actions: tuple[OpenAction, ...]

    @property
    def overall(self) -> str | None:
        own = [row for row in self.grid.rows if row.service_code is None and row.key[0] == "hospital"]
        cell = own[0].cells[-1] if own else None
        return cell.rating if cell else None

    @property
    def overdue(self) -> int:
        return sum(1 for a in self.actions if a.overdue)


@dataclass(frozen=True)
class PackFile:
    title: str
    subject: str
    as_of: date
    generated_at: datetime
    sha256: str
    size: int
    href: str  # from the bundle's root
    pdf: bytes


@dataclass(frozen=True)
class TrustSection:
    code: str
    name: str
    grid: TrustGrid
    hospitals: tuple[HospitalPage, ...]


@dataclass(frozen=True)
class Bundle:
    as_of: date
    generated_at: datetime
    trusts: tuple[TrustSection, ...]
    actions: tuple[OpenAction, ...]
    packs: tuple[PackFile, ...]

    @property
    def hospitals(self) -> tuple[HospitalPage, ...]:
        return tuple(h for t in self.trusts for h in t.hospitals)


@dataclass(frozen=True)
class OfflineSummary:
    directory: Path
    pages: int
    hospitals: int
    actions: int
    packs: int


def file_name(code: str) -> str:
    """A code as a file name that is safe on every file system (ODS codes already are)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", code) or "unnamed"


def hospital_href(code: str) -> str:
    return f"hospitals/{file_name(code)}.html"


def _owner(action: Action) -> str:
    owner = action.owner
    if owner is None:
        return ""
    return f"{owner.name} ({owner.job_title})" if owner.job_title else owner.name


def open_actions(as_of: date) -> list[OpenAction]:
    """Every unfinished (open or in progress), unarchived action, by due date: one query."""
    actions = db.session.scalars(
        select(Action)
        .where(Action.status.not_in(FINISHED), Action.archived_at.is_(None))
        .options(selectinload(Action.owner), selectinload(Action.hospital), selectinload(Action.department))
        .order_by(Action.due_on, Action.id)
    )
    return [
        OpenAction(
            id=a.id,
            title=a.title,
            hospital_code=a.hospital.ods_code,
            hospital_name=a.hospital.name,
            hospital_href=hospital_href(a.hospital.ods_code),
            department=a.department.name if a.department else "Whole hospital",
            owner=_owner(a),
            status=STATUSES.get(a.status, a.status),
            due_on=a.due_on,
            days_late=a.days_late(as_of),
        )
        for a in actions
    ]


def latest_packs() -> list[PackFile]:
    """The latest issued board pack of each trust and of each hospital, with its bytes."""
    packs = db.session.scalars(
        select(IssuedPack)
        .options(selectinload(IssuedPack.trust), selectinload(IssuedPack.hospital))
        .order_by(IssuedPack.generated_at.desc(), IssuedPack.id.desc())
    )
    latest: dict[tuple[int, int | None], IssuedPack] = {}
    for pack in packs:
        latest.setdefault((pack.trust_id, pack.hospital_id), pack)
    chosen = sorted(latest.values(), key=lambda p: (p.trust.ods_code, p.hospital_id is not None, p.title))
    contents = dict(
        db.session.execute(
            select(IssuedPackContent.pack_id, IssuedPackContent.pdf).where(
                IssuedPackContent.pack_id.in_([p.id for p in chosen])
            )
        ).all()
    ) if chosen else {}
    return [
        PackFile(
            title=p.title,
            subject=p.hospital.name if p.hospital else p.trust.name,
            as_of=p.as_of,
            generated_at=p.generated_at,
            sha256=p.sha256,
            size=p.size,
            href=f"board-packs/{file_name(p.filename.removesuffix('.pdf'))}.pdf",
            pdf=contents[p.id],
        )
        for p in chosen
    ]


def build_bundle(as_of: date, generated_at: datetime) -> Bundle:
    """Everything the bundle shows, as plain data; a query or two per trust."""
    actions = open_actions(as_of)
    by_hospital: dict[str, list[OpenAction]] = {}
    for action in actions:
        by_hospital.setdefault(action.hospital_code, []).append(action)
    trusts = db.session.scalars(select(Trust).options(selectinload(Trust.hospitals)).order_by(Trust.name))
    departments: dict[int, list[Department]] = {}
    for department in db.session.scalars(select(Department).options(selectinload(Department.successors))):
        departments.setdefault(department.hospital_id, []).append(department)
    sections = []
    for trust in trusts:
        records = published_cells(RatingCell.trust_id == trust.id)
        records_of: dict[int, list[Any]] = {}
        for record in records:
            records_of.setdefault(record.hospital_id, []).append(record)
        pages = []
        for hospital in sorted(trust.hospitals, key=lambda h: h.name):
            grid = hospital_grid_from(hospital, departments.get(hospital.id, []), records_of.get(hospital.id, []), as_of)
            pages.append(HospitalPage(
                code=hospital.ods_code,
                name=hospital.name,
                trust_name=trust.name,
                href=hospital_href(hospital.ods_code),
                grid=grid,
                actions=tuple(by_hospital.get(hospital.ods_code, ())),
            ))
        sections.append(TrustSection(
            code=trust.ods_code,
            name=trust.name,
            grid=trust_grid_from(trust, trust.hospitals, records, as_of),
            hospitals=tuple(pages),
        ))
    return Bundle(as_of=as_of, generated_at=generated_at, trusts=tuple(sections), actions=tuple(actions),
                  packs=tuple(latest_packs()))


def _render(template: str, **context: object) -> str:
    # The app's Jinja environment (its filters and globals) without a request: the bundle is
    # made from the command line too, and its pages must not depend on who is signed in.
    return current_app.jinja_env.get_template(f"exports/offline/{template}").render(**context)


def write_offline(directory: Path, as_of: date, generated_at: datetime) -> OfflineSummary:
    """Write the bundle into `directory` (made if missing)."""
    bundle = build_bundle(as_of, generated_at)
    (directory / "hospitals").mkdir(parents=True, exist_ok=True)
    pages = 0

    def write(path: str, template: str, root: str, **context: object) -> None:
        nonlocal pages
        html = _render(template, bundle=bundle, root=root, **context)
        (directory / path).write_text(html, encoding="utf-8")
        pages += 1

    write("index.html", "index.html", "")
    write("actions.html", "actions.html", "")
    for hospital in bundle.hospitals:
        write(hospital.href, "hospital.html", "../", hospital=hospital)
    if bundle.packs:
        (directory / "board-packs").mkdir(exist_ok=True)
        for pack in bundle.packs:
            (directory / pack.href).write_bytes(pack.pdf)
    return OfflineSummary(
        directory=directory, pages=pages, hospitals=len(bundle.hospitals), actions=len(bundle.actions),
        packs=len(bundle.packs),
    )
