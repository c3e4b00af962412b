"""The append-only audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from school.extensions import db
from school.schoolyear import utcnow


class AuditEvent(db.Model):
    """Who did what to which record, when (UTC). Never the text of a note."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_household_at", "household_ref", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    # The household concerned, as a reference that survives erasure: the id
    # as text, replaced by a pseudonym when the household is erased.
    household_ref: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
