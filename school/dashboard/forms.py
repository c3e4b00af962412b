"""The director's goals form."""

from __future__ import annotations

from school.forms import SchoolForm, whole_numbers

from .goals import LIMITS


@whole_numbers(LIMITS)
class GoalsForm(SchoolForm):
    """One percentage per goal; the labels and reasons are in the template."""
