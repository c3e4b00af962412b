"""The audit trail: its model, and events written in the caller's transaction (never the note text).

The trail is append-only: the ORM refuses to change or delete an event. The
one exception is erasure (school.privacy.service), which replaces a
household's reference by a pseudonym with a single UPDATE statement.
"""

from __future__ import annotations

import datetime as dt

from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, String, case, event, null, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from school.database import writing
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


class AuditTrailIsAppendOnly(RuntimeError):
    pass


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    household_id: int | None = None,
    user_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an event to the caller's transaction: it commits (or rolls back) with the change it
    records. Never commits by itself."""
    if user_id is None and current_user and current_user.is_authenticated:
        user_id = current_user.id
    event = AuditEvent(
        user_id=user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        household_ref=str(household_id) if household_id is not None else None,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_alone(action: str, **details) -> None:
    """An event in a write transaction of its own, after a page or an export was read: the reading
    transaction ends, and the event is the first statement of the next (school.database). Who did
    it is read before, while the user's row is still loaded."""
    if details.get("user_id") is None and current_user and current_user.is_authenticated:
        details["user_id"] = current_user.id
    with writing(reads_first=False):
        record(action, **details)


def pseudonymise(pseudonyms: dict[int, str]) -> None:
    """Put each household's pseudonym in place of its id, in every event about it.

    Events about the household itself lose the record id too (the pseudonym
    alone ties them together). One statement, whatever the number of households.
    """
    if not pseudonyms:
        return
    refs = {str(household_id): pseudonym for household_id, pseudonym in pseudonyms.items()}
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.household_ref.in_(list(refs)))
        .values(
            household_ref=case(refs, value=AuditEvent.household_ref),
            object_id=case((AuditEvent.object_type == "household", null()), else_=AuditEvent.object_id),
        )
        .execution_options(synchronize_session=False)
    )


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context, _instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly(f"audit event {obj.id} cannot be changed or removed")
