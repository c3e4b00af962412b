"""Saving the school's goals (the only thing the dashboard changes)."""

from __future__ import annotations

from school.accounts.models import User

from .goals import Goals


def save_goals(values: dict[str, int], user: User) -> Goals:
    return Goals.save(values, user)
