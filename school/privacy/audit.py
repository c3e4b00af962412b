"""Write audit events in the caller's transaction (never the note text)."""

from __future__ import annotations

from flask_login import current_user

from school.extensions import db
from school.privacy.models import AuditEvent


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    household_id: int | None = None,
    user_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an event to the current session; it commits with the change it records."""
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
