"""Improvement actions, their progress updates and evidence, and the incidents some of them answer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import actions as rules
from app.extensions import db
from app.models_support import Archivable, one_of, utcnow

action_findings = Table(
    "action_findings",
    db.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    # The actions answering a hospital's findings (the primary key serves an action's findings).
    Index("ix_action_findings_finding", "finding_id", "action_id"),
)


class Incident(db.Model):
    """Something that happened outside an inspection and needs actions (e.g. an IT failure)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"), index=True)
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Action(Archivable, db.Model):
    __tablename__ = "actions"
    __table_args__ = (
        one_of("status", rules.STATUSES),
        one_of("priority", rules.PRIORITIES),
        CheckConstraint(
            "status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"
        ),
        # Serves "actions by department and due date" (My actions, the board, overdue lists).
        Index("ix_actions_department_due", "department_id", "due_on"),
        Index("ix_actions_hospital_status_due", "hospital_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="RESTRICT")
    )
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="RESTRICT"), index=True
    )
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    status: Mapped[str] = mapped_column(String(20), default="open")
    original_due_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    verified_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: a stale edit is refused instead of silently overwriting.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    hospital = relationship("Hospital")
    department = relationship("Department")
    owner = relationship("User", foreign_keys=[owner_id])
    incident = relationship("Incident")
    findings = relationship("Finding", secondary=action_findings, order_by="Finding.id")
    updates: Mapped[list[ActionUpdate]] = relationship(
        back_populates="action",
        order_by="ActionUpdate.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="action", order_by="Evidence.id", passive_deletes=True
    )

    def is_overdue(self, today: date) -> bool:
        return rules.is_overdue(self.status, self.due_on, today)

    def days_late(self, today: date) -> int:
        return rules.days_late(self.status, self.due_on, today)


class ActionUpdate(db.Model):
    """A progress note; may move the due date (with a reason) or the status."""

    __tablename__ = "action_updates"
    __table_args__ = (
        one_of("status_from", rules.STATUSES),
        one_of("status_to", rules.STATUSES),
        CheckConstraint(
            "percent_complete IS NULL OR (percent_complete >= 0 AND percent_complete <= 100)",
            name="percent_range",
        ),
        CheckConstraint(
            "new_due_on IS NULL OR due_change_reason IS NOT NULL", name="due_change_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    percent_complete: Mapped[int | None]
    new_due_on: Mapped[date | None] = mapped_column(Date)
    due_change_reason: Mapped[str | None] = mapped_column(Text)
    status_from: Mapped[str | None] = mapped_column(String(20))
    status_to: Mapped[str | None] = mapped_column(String(20))

    action: Mapped[Action] = relationship(back_populates="updates")
    author = relationship("User")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="update", order_by="Evidence.id", passive_deletes=True
    )


class Evidence(db.Model):
    """One version of a document that shows an action's progress (a PDF, an image, an Office
    document or a CSV file), on the action or on one of its updates. A new version of a
    document names the version it replaces; earlier versions stay listed and downloadable."""

    __tablename__ = "evidence"
    __table_args__ = (CheckConstraint("version_number >= 1", name="version_number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_updates.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_files.id", ondelete="RESTRICT"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    # Unique: a version is replaced at most once, so two people replacing the same version at
    # the same moment cannot both succeed (the versions of a document form one line).
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="RESTRICT"), unique=True
    )
    version_number: Mapped[int] = mapped_column(default=1)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    action: Mapped[Action] = relationship(back_populates="evidence")
    update = relationship("ActionUpdate", back_populates="evidence")
    file = relationship("StoredFile")
    uploaded_by = relationship("User")
    replaces = relationship("Evidence", remote_side=[id], foreign_keys=[replaces_id])
