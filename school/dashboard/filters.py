"""The dashboard's filters: which school year, period, class and level a request asks for.

Pure: the URL's values are checked against the school years the caller read
(`queries.load` reads them, with the chosen year's classes), so a filter is
never trusted as typed. Dates outside the chosen school year count as not
given; a period after today is cut at today, and the page says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from school import schoolyear
from school.families.models import Level, SchoolClass, SchoolYear
from school.schoolyear import YearSpan


@dataclass(frozen=True)
class Filters:
    year: SchoolYear
    start: dt.date
    end: dt.date
    class_id: int | None
    level: Level | None
    today: dt.date
    adjusted: bool = False  # the period asked for was moved inside the school year

    @property
    def span(self) -> YearSpan:
        return YearSpan(self.year.starts_on, self.year.ends_on)

    @property
    def is_current(self) -> bool:
        return self.today in self.span

    @property
    def default_end(self) -> dt.date:
        return _default_end(self.year, self.today)

    @property
    def whole_year(self) -> bool:
        return self.start == self.year.starts_on and self.end == self.default_end

    def args(self) -> dict[str, str]:
        """The query string that shows these figures (for links, the print view, the export)."""
        values = {
            "year": self.year.label, "from": self.start.isoformat(), "to": self.end.isoformat(),
            "class": str(self.class_id) if self.class_id else "",
            "level": self.level.value if self.level else "",
        }
        return {k: v for k, v in values.items() if v}


def _default_end(year: SchoolYear, today: dt.date) -> dt.date:
    return max(year.starts_on, min(today, year.ends_on))


def _parse_date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def parse_filters(args: Mapping, years: list[SchoolYear], today: dt.date | None = None) -> Filters | None:
    """The filters of a request, every value checked; None when the school has no school year yet."""
    today = today or schoolyear.today()
    if not years:
        return None
    by_label = {y.label: y for y in years}
    year = by_label.get(str(args.get("year") or ""))
    if year is None:
        started = [y for y in years if y.starts_on <= today]
        year = next((y for y in started if today <= y.ends_on), started[0] if started else years[-1])
    last = _default_end(year, today)
    # A date outside the chosen school year is as good as not given: changing the year in the
    # filter form sends the old year's from/to along, and clamping those would leave one day.
    span = YearSpan(year.starts_on, year.ends_on)
    asked_start, asked_end = (
        d if d is not None and d in span else None
        for d in (_parse_date(args.get("from")), _parse_date(args.get("to")))
    )
    start = asked_start or year.starts_on
    end = asked_end or last
    if start > end:
        start, end = end, start
    # Inside the year but after today (the current year): up to today, and the page says so.
    start = min(max(start, year.starts_on), last)
    end = min(max(end, year.starts_on), last)
    adjusted = (asked_start not in (None, start)) or (asked_end not in (None, end))
    try:
        level = Level(args.get("level")) if args.get("level") else None
    except ValueError:
        level = None
    try:
        class_id = int(args.get("class") or 0) or None
    except (TypeError, ValueError):
        class_id = None
    return Filters(year=year, start=start, end=end, class_id=class_id, level=level, today=today,
                   adjusted=adjusted)


def selected_classes(classes: list[SchoolClass], filters: Filters) -> list[SchoolClass]:
    return [
        c for c in classes
        if (filters.level is None or c.level is filters.level)
        and (filters.class_id is None or c.id == filters.class_id)
    ]
