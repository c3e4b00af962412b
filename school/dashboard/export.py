"""The dashboard per class as CSV, for the team meeting.

Made for Excel as Belgian schools have it: UTF-8 with a byte-order mark (or
accents break), ';' between the cells (the list separator where the decimal
mark is a comma), CRLF line ends. Every text cell that a spreadsheet could
take for a formula (starting with = + - @, a tab or a carriage return) gets a
leading single quote: a class name is typed by people and imported from
rosters, never trusted (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from school.grid import QUADRANTS

from .figures import Dashboard

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _share(value: int | None) -> str:
    return "" if value is None else str(value)


def header() -> list[str]:
    return [
        _("Class"), _("Level"), _("Families"),
        _("Tailored contact (families)"), _("Tailored contact (%)"),
        *[_("Reached: %(quadrant)s (%%)", quadrant=q.label) for q in QUADRANTS],
        _("Reached in any way (%)"), _("Contacts that reached the family"), _("Personal conversations"),
        _("Flagged families"), _("Flagged, with a follow-up plan"),
        _("Class activities"), _("Best-attended class activity (%)"),
        _("Follow-ups open"), _("Follow-ups overdue"),
    ]


def rows(dashboard: Dashboard) -> list[list[str]]:
    out = []
    for r in dashboard.classes:
        out.append([
            r.name, r.level.label, str(r.families),
            str(r.tailored), _share(r.tailored_share),
            *[_share(r.share(q)) for q in QUADRANTS],
            _share(r.reached_any_share),
            str(r.moments), str(r.personal),
            str(r.flagged), str(r.flagged_with_plan),
            str(r.activities), _share(r.best_activity_share),
            str(r.open_follow_ups), str(r.overdue_follow_ups),
        ])
    return out


def to_csv(dashboard: Dashboard) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([safe_cell(c) for c in header()])
    for row in rows(dashboard):
        writer.writerow([safe_cell(c) for c in row])
    return "\ufeff" + buffer.getvalue()
