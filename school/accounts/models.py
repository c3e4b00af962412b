"""Staff accounts and their roles."""

from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db, enum_type
from school.policy import Role
from school.schoolyear import utcnow

class_teachers = Table(
    "class_teachers",
    db.metadata,
    Column("class_id", ForeignKey("school_classes.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 16))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on logout, password change and deactivation: every session
    # carries the version it was made with and dies when it no longer matches.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    classes: Mapped[list[SchoolClass]] = relationship(  # noqa: F821
        secondary=class_teachers, back_populates="teachers", order_by="SchoolClass.sort_order"
    )

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginFailure(db.Model):
    """A login attempt that was (or is being) checked and failed, to slow down guessing.

    Counted per account and source (the client address), per source across accounts, and per
    account across sources (school.accounts.service.authenticate). In the database, so the limits
    hold across worker processes. Both columns are keyed hashes, of the typed e-mail address
    (known or not) and of the client address: no typed text and no address is stored.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_key_source_at", "key", "source", "at"),
        Index("ix_login_failures_source_at", "source", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
