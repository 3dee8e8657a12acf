"""Inspections (official CQC reports and the trust's own mock inspections), their rating cells,
findings and enforcement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import inspections as vocab
from app.domain.ratings import ALL_VALUES, GRID_COLUMNS, KEY_QUESTIONS, RATINGS
from app.domain.regulations import REGULATIONS
from app.extensions import db
from app.models_support import Archivable, one_of, utcnow


class Inspection(Archivable, db.Model):
    __tablename__ = "inspections"
    __table_args__ = (
        one_of("source", vocab.SOURCES),
        one_of("inspection_type", vocab.INSPECTION_TYPES),
        one_of("notice", vocab.NOTICE),
        one_of("status", vocab.STATUSES),
        CheckConstraint("visit_end >= visit_start", name="visit_order"),
        CheckConstraint("published_on >= visit_end", name="published_after_visit"),
        CheckConstraint("status = 'draft' OR published_on IS NOT NULL", name="published_has_date"),
        Index("ix_inspections_hospital_published", "hospital_id", "published_on"),
        # The list of inspections, newest first (queries.newest_first).
        Index("ix_inspections_published", "published_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"), index=True)
    # NULL for a trust-level review (the trust's well-led key question).
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(20), default="official")
    inspection_type: Mapped[str] = mapped_column(String(20))
    notice: Mapped[str] = mapped_column(String(20), default="announced")
    visit_start: Mapped[date | None] = mapped_column(Date)
    visit_end: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    report_ref: Mapped[str | None] = mapped_column(String(100))
    report_url: Mapped[str | None] = mapped_column(String(500))
    # The report document (a PDF). Replacing it points here at the new file; the old stays stored.
    report_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    summary: Mapped[str | None] = mapped_column(Text)
    # Demo data whose dates or details are filled in plausibly, not known; the UI says so.
    illustrative: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: every change bumps it, and a form opened on an older version is refused
    # with a 409 (two people correcting the same inspection never silently overwrite each other).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    trust = relationship("Trust")
    hospital = relationship("Hospital")
    report_file = relationship("StoredFile")
    cells: Mapped[list[RatingCell]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", passive_deletes=True
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="inspection",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Finding.id",
    )

    @property
    def official(self) -> bool:
        return vocab.is_official(self.source)

    @property
    def label(self) -> str:
        kind = vocab.INSPECTION_TYPES[self.inspection_type]
        day = self.published_on
        when = f"{day.day} {day:%B %Y}" if day else "draft"
        return f"{kind} inspection, {when}"


class RowScoped:
    """What one report gave one row of a grid: the trust's row, the hospital's own row or a
    department's (DOMAIN.md), and the key question. Rating cells and SAF scores share the row
    keys and their rule (`row_scope_checks`)."""

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(20))
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"), index=True)
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )
    key_question: Mapped[str] = mapped_column(String(20))


def row_scope_checks() -> tuple[CheckConstraint, CheckConstraint]:
    """The scope is one of the three rows, and each row has exactly its keys."""
    return (
        one_of("scope", vocab.SCOPES),
        CheckConstraint(
            "(scope = 'trust' AND hospital_id IS NULL AND department_id IS NULL)"
            " OR (scope = 'hospital' AND hospital_id IS NOT NULL AND department_id IS NULL)"
            " OR (scope = 'department' AND hospital_id IS NOT NULL AND department_id IS NOT NULL)",
            name="scope_keys",
        ),
    )


def unique_per_row(name: str, model: type[RowScoped], column: Any) -> Index:
    """One `column` per row of a report; COALESCE because NULL keys never collide."""
    return Index(
        name,
        model.inspection_id,
        model.scope,
        func.coalesce(model.hospital_id, 0),
        func.coalesce(model.department_id, 0),
        column,
        unique=True,
    )


class RatingCell(RowScoped, db.Model):
    """One rating an inspection gave: (scope row, key question) -> rating or non-rating."""

    __tablename__ = "rating_cells"
    __table_args__ = (
        *row_scope_checks(),
        one_of("key_question", GRID_COLUMNS),
        one_of("rating", ALL_VALUES),
        # Serves "latest rating per cell as of a date" for a hospital's grid.
        Index("ix_rating_cells_grid", "hospital_id", "department_id", "key_question"),
        # Every hospital's Overall on the home page (one key question of one scope).
        Index("ix_rating_cells_scope_question", "scope", "key_question", "hospital_id", "inspection_id"),
        # A trust's grid and board pack: the trust's own and its hospitals' rows.
        Index("ix_rating_cells_trust_scope", "trust_id", "scope", "inspection_id"),
        # A department's timeline (ix_rating_cells_grid starts with the hospital).
        Index("ix_rating_cells_department", "department_id", "key_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating: Mapped[str] = mapped_column(String(40))
    # Why the published Overall differs from the suggested aggregate, when it does.
    override_reason: Mapped[str | None] = mapped_column(Text)
    # Demo data: a cell the public record does not give, filled plausibly (DOMAIN.md).
    illustrative: Mapped[bool] = mapped_column(default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="cells")
    department = relationship("Department")


# One cell per row and key question in a report.
unique_per_row("uq_rating_cells_cell", RatingCell, RatingCell.key_question)


class Finding(Archivable, db.Model):
    __tablename__ = "findings"
    __table_args__ = (
        one_of("kind", vocab.FINDING_KINDS),
        one_of("key_question", KEY_QUESTIONS),
        one_of("regulation", REGULATIONS),
        CheckConstraint("kind <> 'must_do' OR regulation IS NOT NULL", name="must_do_regulation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT"), index=True
    )
    key_question: Mapped[str | None] = mapped_column(String(20))
    regulation: Mapped[str | None] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    # Demo data: a finding the public record does not give, written plausibly.
    illustrative: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    department = relationship("Department")


class Enforcement(db.Model):
    """A requirement notice, warning notice, conditions, or a spell of special measures."""

    __tablename__ = "enforcements"
    __table_args__ = (
        one_of("kind", vocab.ENFORCEMENT_KINDS),
        one_of("regulation", REGULATIONS),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ended_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"), index=True)
    hospital_id: Mapped[int | None] = mapped_column(
        ForeignKey("hospitals.id", ondelete="RESTRICT"), index=True
    )
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="SET NULL"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(String(30))
    regulation: Mapped[str | None] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text)
    started_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hospital = relationship("Hospital")
    department = relationship("Department")

    def in_force(self, on: date) -> bool:
        return self.started_on <= on and (self.ended_on is None or self.ended_on > on)


# ---------------------------------------------------------------------------------------------
# Single Assessment Framework scores. An inspection may score CQC's quality statements
# for a row (the hospital, a department, or the trust); each key question's result (percentage
# and resulting rating, app.domain.saf) is stored beside the scores it came from.

class QualityStatementScore(RowScoped, db.Model):
    """One quality statement's score (1 significant shortfalls … 4 exceptional) for one row."""

    __tablename__ = "quality_statement_scores"
    __table_args__ = (
        *row_scope_checks(),
        one_of("key_question", KEY_QUESTIONS),
        CheckConstraint("score >= 1 AND score <= 4", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The statement's code in app/domain/data/quality_statements.json (S1, E4, W8 ...).
    statement_code: Mapped[str] = mapped_column(String(20))
    score: Mapped[int]

    inspection = relationship("Inspection")


class KeyQuestionScore(RowScoped, db.Model):
    """A key question's SAF result for one row: the sum of its statement scores as a
    percentage of the maximum, and the rating that percentage gives (app.domain.saf)."""

    __tablename__ = "key_question_scores"
    __table_args__ = (
        *row_scope_checks(),
        one_of("key_question", KEY_QUESTIONS),
        one_of("rating", RATINGS),
        CheckConstraint("scored >= 1 AND maximum = 4 * scored", name="maximum_of_scored"),
        CheckConstraint("total >= scored AND total <= maximum", name="total_range"),
        CheckConstraint("percent >= 25 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scored: Mapped[int]  # how many of the key question's statements were scored
    total: Mapped[int]
    maximum: Mapped[int]
    percent: Mapped[int]
    rating: Mapped[str] = mapped_column(String(40))

    inspection = relationship("Inspection")


# One score per statement and one result per key question, per row of a report.
unique_per_row(
    "uq_quality_statement_scores_statement", QualityStatementScore, QualityStatementScore.statement_code
)
unique_per_row("uq_key_question_scores_key_question", KeyQuestionScore, KeyQuestionScore.key_question)
