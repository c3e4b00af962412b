"""School years run from 1 September to 31 August."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

SCHOOL_TIME_ZONE = "Europe/Brussels"  # the default of BABEL_DEFAULT_TIMEZONE


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
    """Today in the school's time zone; one place so tests and the demo agree on 'now'.

    Not the server's date: a server clock in UTC is still on yesterday for the first hour or two
    of a Flemish school's day, while the audit trail and the timestamps are read in school time.
    """
    return dt.datetime.now(school_zone()).date()


def school_zone() -> ZoneInfo:
    """The school's time zone (BABEL_DEFAULT_TIMEZONE): the days the school lives in."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else SCHOOL_TIME_ZONE)


def utc_start_of(day: dt.date) -> dt.datetime:
    """The school's midnight at the start of `day`, as naive UTC (how timestamps are stored)."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=school_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
