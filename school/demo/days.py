"""The demo's calendar: school days (weekdays outside the holidays of data/calendar.toml) and stamps."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

from school.demo.data import HOLIDAYS
from school.demo.drafts import YearCtx


def is_school_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    md = (day.month, day.day)
    return not any(start <= md <= end for start, end in HOLIDAYS)


def school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if is_school_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def school_day_on_or_before(day: dt.date) -> dt.date:
    while not is_school_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_school_day(year: YearCtx, day: dt.date) -> dt.date | None:
    for _ in range(10):
        if day > year.end:
            return None
        if is_school_day(day):
            return day
        day += dt.timedelta(days=1)
    return None


def third_saturday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(5 - first.weekday()) % 7 + 14)


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    days = school_days(start, end) or [start]
    return rng.choice(days)


def spread(rng: random.Random, days: Sequence[dt.date], count: int) -> list[dt.date]:
    """`count` days, one in each equal stretch of `days`: contact comes and goes, but without long gaps."""
    if not days or count <= 0:
        return []
    stretch = len(days) / count
    return [days[min(len(days) - 1, int(i * stretch + rng.random() * stretch))] for i in range(count)]


def chunks(days: Sequence[dt.date], size: int) -> Iterable[Sequence[dt.date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


def stamp(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)
