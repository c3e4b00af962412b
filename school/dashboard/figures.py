"""What the dashboard shows: the figures of the page, the print view and the export.

Plain dataclasses that `queries.build` fills and the templates read, with the
shares (whole percentages) and labels derived from their counts. No queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from school.families.models import Level
from school.grid import Quadrant
from school.visibility.signals import Thresholds

from .filters import Filters
from .goals import Goals

# The share buckets of the heatmap (a single-hue scale, the number always written in the cell).
HEAT_STEPS = (1, 25, 50, 75, 90)


def percent(part: int, whole: int) -> int | None:
    """A whole percentage (rounded half up), or None when there is nothing to divide."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


@dataclass
class GoalFigure:
    key: str
    done: int
    total: int
    goal: int

    @property
    def share(self) -> int | None:
        return percent(self.done, self.total)

    @property
    def met(self) -> bool:
        """Reached the goal (nothing to count counts as met: no flagged family needs a plan)."""
        return self.total == 0 or 100 * self.done >= self.goal * self.total


@dataclass
class QuadrantFigure:
    quadrant: Quadrant
    moments: int  # contacts that reached a family
    attempts: int  # attempts that did not reach the family
    families: int  # families reached at least once in this quadrant
    of_families: int

    @property
    def share(self) -> int | None:
        return percent(self.families, self.of_families)


@dataclass
class ClassRow:
    id: int
    name: str
    level: Level
    families: int
    reached: dict[Quadrant, int] = field(default_factory=dict)  # families reached, per quadrant (period)
    reached_any: int = 0  # families reached in any quadrant (period)
    moments: int = 0  # contacts that reached the class's families (period)
    personal: int = 0  # personal conversations with the class's families (period)
    tailored: int = 0  # families with contact op maat (year up to the end)
    flagged: int = 0
    flagged_with_plan: int = 0
    activities: int = 0  # class activities with at least one family (year up to the end)
    best_activity: int = 0  # families at the best-attended class activity
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0

    def share(self, quadrant: Quadrant) -> int | None:
        return percent(self.reached.get(quadrant, 0), self.families)

    def heat(self, quadrant: Quadrant) -> int:
        """0 (nobody reached) to 5 (90% or more): the step of the single-hue scale."""
        share = self.share(quadrant)
        if share is None:
            return 0
        return sum(1 for step in HEAT_STEPS if share >= step)

    @property
    def tailored_share(self) -> int | None:
        return percent(self.tailored, self.families)

    @property
    def reached_any_share(self) -> int | None:
        return percent(self.reached_any, self.families)

    @property
    def best_activity_share(self) -> int | None:
        return percent(self.best_activity, self.families) if self.activities else None

    def activity_met(self, goal: int) -> bool:
        return bool(self.families) and 100 * self.best_activity >= goal * self.families


@dataclass
class Week:
    start: dt.date
    counts: dict[Quadrant, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


PART_LABELS = {
    "school": _l("started by the school"),
    "family": _l("started by the family"),
    "positive": _l("positive"),
    "neutral": _l("neutral"),
    "concern": _l("concern"),
    "mother": _l("mothers"),
    "father": _l("fathers"),
    "other": _l("other caregivers"),
    "unknown": _l("adult not recorded"),
}
BALANCE_TITLES = {
    "initiative": _l("Who took the initiative"),
    "tone": _l("The tone"),
    "adults": _l("Which adults the school spoke to"),
}


@dataclass
class Part:
    key: str
    count: int
    share: int | None = None

    @property
    def label(self) -> str:
        return str(PART_LABELS[self.key])


@dataclass
class Balance:
    key: str
    parts: list[Part]

    @property
    def title(self) -> str:
        return str(BALANCE_TITLES[self.key])

    @property
    def total(self) -> int:
        return sum(p.count for p in self.parts)


@dataclass
class FollowUpCounts:
    open: int = 0
    in_progress: int = 0
    overdue: int = 0
    done: int = 0  # closed by a contact that reached the family
    closed: int = 0  # closed by hand, with a reason

    @property
    def still_open(self) -> int:
        return self.open + self.in_progress


@dataclass
class Dashboard:
    filters: Filters
    goals: Goals
    thresholds: Thresholds
    classes: list[ClassRow]
    families: int
    tailored: int
    flagged: int
    flagged_with_plan: int
    goal_figures: list[GoalFigure]
    quadrants: list[QuadrantFigure]
    reached_any: int
    personal: int
    weeks: list[Week]
    balances: list[Balance]
    signal_counts: dict[str, int]
    follow_ups: FollowUpCounts

    @property
    def moments(self) -> int:
        return sum(q.moments for q in self.quadrants)

    @property
    def reached_share(self) -> int | None:
        return percent(self.reached_any, self.families)

    def goal(self, key: str) -> GoalFigure:
        return next(g for g in self.goal_figures if g.key == key)
