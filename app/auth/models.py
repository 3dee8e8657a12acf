"""Users, their roles and department scopes, and the record of sign-in attempts."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import access
from app.extensions import db
from app.models_support import one_of, utcnow

from app.domain.access import ROLES

# A lead's departments: the actions they may update.
user_departments = Table(
    "user_departments",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    # Changed to end every session of the user at once (logout, password or role change).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments = relationship("Department", secondary=user_departments, order_by="Department.name")

    @property
    def department_ids(self) -> set[int]:
        return {department.id for department in self.departments}

    def can(self, permission: str) -> bool:
        return self.active and access.allowed(self.role, permission)

    def may_update_action(self, action: Any) -> bool:
        return self.active and access.may_update_action(
            self.role, self.department_ids, action.department_id
        )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class LoginAttempt(db.Model):
    """One sign-in attempt, kept in the database so the failure limit holds across workers.

    Keyed by the address typed, whether or not an account has it, so the limit reveals
    nothing about which accounts exist.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)
    remote_addr: Mapped[str | None] = mapped_column(String(45))
