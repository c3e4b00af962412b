"""The school's goals for its contact with families, set by the director.

The Leidraad (policy goals, around line 3065 of the source) leaves the x to
the school: "van minimaal x% van de leerlingen en hun ouders heeft contact op
maat plaatsgevonden"; "voor wie dit niet is gelukt, is een plan van aanpak
bedacht en behaald — aantoonbaar"; "minimaal 1× per jaar een activiteit met een
vertegenwoordiging van x% van de gezinnen van de klas". The goals are stored
like the signal thresholds: one Setting row ("dashboard_goals", a JSON object),
so no table of their own.

Defaults, each with a reason:

tailored_contact = 90
    Share of families with contact op maat this school year. Not 100: a few
    families arrive late or move away mid-year; the rest is the point.
follow_up_plans = 100
    Share of flagged families with a follow-up plan: the source says every one
    of them, demonstrably.
activity_families = 50
    The share of a class's families that should come to one class activity
    (an info evening, a class meeting, an open classroom day).
activity_classes = 100
    Share of classes that had such an activity: "minimaal 1× per jaar" holds
    for every class.

The first goal counts families with contact op maat; what that is, per family,
is `has_tailored_contact` below (a pure rule over the family's summary).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from school.settings import WholeNumbers
from school.visibility.signals import Thresholds, rhythm_not_kept
from school.visibility.summary import FamilySummary

SETTING_KEY = "dashboard_goals"


@dataclass(frozen=True)
class Goals(WholeNumbers):
    KEY: ClassVar[str] = SETTING_KEY

    tailored_contact: int = 90
    follow_up_plans: int = 100
    activity_families: int = 50
    activity_classes: int = 100


DEFAULTS = Goals()
# Every goal is a percentage; 0 would be no goal at all.
LIMITS: dict[str, tuple[int, int]] = {f.name: (1, 100) for f in fields(Goals)}
Goals.LIMITS = LIMITS


# --- what the first goal counts: contact op maat ---------------------------------------


def has_tailored_contact(s: FamilySummary, t: Thresholds) -> bool:
    """Contact op maat this school year (up to the summary's day).

    With an agreement (the intake's agreed forms and rhythm): every active
    agreement kept — at least one contact that reached the family in the
    agreed form's quadrant since it was agreed, and a rhythm ("every 14 days")
    not overdue beyond the slack of signal 7. Without an agreement: at least
    one personal (oral, two-way) contact.
    """
    if not s.agreements:
        return s.last_personal is not None
    if rhythm_not_kept(s, t) is not None:
        return False
    for agreement in s.agreements:
        last = s.last_reached_in(agreement.quadrant)
        if last is None or last < max(agreement.since, s.year.start):
            return False
    return True
