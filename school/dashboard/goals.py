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
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

from school.settings import WholeNumbers

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
