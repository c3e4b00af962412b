"""The database read back as plain values, for assertions after a request (each in its own app context)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.catalogue import ContactForm
from school.contacts.models import ContactMoment
from school.extensions import db


def form_id(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ContactForm.id).where(ContactForm.code == code))


def moments(app: Flask, **where) -> list[dict]:
    """The contact moments (not removed unless asked), as plain dicts."""
    include_removed = where.pop("include_removed", False)
    with app.app_context():
        stmt = select(ContactMoment).order_by(ContactMoment.id)
        if not include_removed:
            stmt = stmt.where(ContactMoment.removed_at.is_(None))
        for name, value in where.items():
            stmt = stmt.where(getattr(ContactMoment, name) == value)
        return [
            {
                "id": m.id,
                "household_id": m.household_id,
                "form": m.form.code,
                "reach": m.reach.value,
                "tone": m.tone.value,
                "initiative": m.initiative.value,
                "mediator": m.mediator.value,
                "occurred_on": m.occurred_on,
                "note": m.note,
                "confidential": m.confidential,
                "caregiver_id": m.caregiver_id,
                "pupil_id": m.pupil_id,
                "group_id": m.group_id,
                "logged_by_id": m.logged_by_id,
                "removed_at": m.removed_at,
                "token": m.submission_token,
                "quadrant": m.form.quadrant.value,
            }
            for m in db.session.scalars(stmt)
        ]


def audit_actions(app: Flask, action: str) -> list[dict]:
    with app.app_context():
        return [
            {
                "object_id": e.object_id,
                "household_ref": e.household_ref,
                "detail": e.detail,
                "user_id": e.user_id,
            }
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
