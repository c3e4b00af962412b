"""School years run from 1 September to 31 August."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class YearSpan:
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.end.year}"

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def span_for(day: dt.date) -> YearSpan:
    """The school year that contains `day`."""
    first = day.year if day.month >= 9 else day.year - 1
    return YearSpan(dt.date(first, 9, 1), dt.date(first + 1, 8, 31))


def today() -> dt.date:
    """Today's date; one place so tests and the demo agree on 'now'."""
    return dt.date.today()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
