"""Trust (CQC provider) -> hospital (CQC location) -> department (mapped to a CQC service)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models_support import one_of, utcnow

HOSPITAL_KINDS = ("hospital", "other")

# A department that CQC's renames replaced (Outpatients and diagnostic imaging -> Outpatients and
# Diagnostic imaging) keeps its history and points at the departments that took over.
department_successions = Table(
    "department_successions",
    db.metadata,
    Column("predecessor_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
    Column("successor_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class Trust(db.Model):
    __tablename__ = "trusts"

    id: Mapped[int] = mapped_column(primary_key=True)
    ods_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    formed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hospitals: Mapped[list[Hospital]] = relationship(
        back_populates="trust", order_by="Hospital.name"
    )

    def __repr__(self) -> str:
        return f"<Trust {self.ods_code}>"


class Hospital(db.Model):
    __tablename__ = "hospitals"
    __table_args__ = (one_of("kind", HOSPITAL_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id", ondelete="RESTRICT"), index=True)
    ods_code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(100))
    # The postal address as CQC publishes it (lines, town, county, postcode); set by the import.
    address: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="hospital")
    registration_status: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    trust: Mapped[Trust] = relationship(back_populates="hospitals")
    departments: Mapped[list[Department]] = relationship(
        back_populates="hospital", order_by="Department.name"
    )

    def __repr__(self) -> str:
        return f"<Hospital {self.ods_code}>"


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("hospital_id", "name"),
        Index("ix_departments_hospital_service", "hospital_id", "service_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The CQC service id (app.domain.catalogue); not a CHECK because imports may bring new ids.
    service_code: Mapped[str] = mapped_column(String(40))
    retired_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hospital: Mapped[Hospital] = relationship(back_populates="departments")
    successors: Mapped[list[Department]] = relationship(
        secondary=department_successions,
        primaryjoin=lambda: Department.id == department_successions.c.predecessor_id,
        secondaryjoin=lambda: Department.id == department_successions.c.successor_id,
        order_by=lambda: Department.name,
    )

    def __repr__(self) -> str:
        return f"<Department {self.code}>"
