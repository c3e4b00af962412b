"""Saving the school's goals, and the audit event of an export (what the dashboard writes)."""

from __future__ import annotations

from school import audit
from school.accounts.models import User

from .filters import Filters
from .goals import Goals


def save_goals(values: dict[str, int], user: User) -> Goals:
    return Goals.save(values, user)


def record_export(filters: Filters, fmt: str = "csv") -> None:
    """Exports are audited: who took which figures out (the filters only, never family data)."""
    audit.record_alone("dashboard.exported", object_type="dashboard", format=fmt, **filters.args())
