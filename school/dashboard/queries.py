"""The dashboard's queries: every figure of the page, read from the database.

What the page shows is in `figures` (the dataclasses this fills), what a
request asks for in `filters`, the goals and what counts toward them in
`goals`. Everything here takes a FIXED number of queries, whatever the number of
families or classes: the per-family facts come from
`school.visibility.summary.summaries_for` (seven set-based queries) and the
signals from `school.visibility.signals`; the grid, the heatmap, the trend,
the balances and the class activities are aggregates grouped by class,
quadrant, day or group activity (the days are folded into weeks in Python, so
the SQL is the same on SQLite and PostgreSQL).

What counts as contact is what summary.py says (its `counted_moments` is the
one definition): removed moments never, moments of a removed group activity
never, broadcasts never; a moment *reached* the family when it was two-way or
one-way (NOT_REACHED never); a *personal* contact is an oral, two-way one.

Which families: the families with a child in one of the chosen school year's
classes on the end day of the period (today for the current year, 31 August
for an earlier one, unless a shorter period is chosen: school.families.enrolments),
within `school.families.scope` (director and care see all). A family with
children in two classes counts in both classes, once for the school; a pupil who
changed class in January counts in the class of the end day.

Two time frames, both shown on the page:
- the goals and the less-visible overview: the school year up to the end of
  the chosen period (the signals are evaluated as on that day);
- the grid, the heatmap, the trend and the balances: the chosen period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from sqlalchemy import Select, and_, case, func, or_, select, true, type_coerce
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from school.accounts.models import User
from school.catalogue import ContactForm
from school.contacts.models import ContactMoment, GroupContact, Initiative, Reach, Tone
from school.extensions import db
from school.families.enrolments import families_on
from school.families.models import (
    Caregiver,
    Household,
    Kinship,
    SchoolClass,
    SchoolYear,
)
from school.families.scope import visible_household_ids
from school.grid import QUADRANTS, Quadrant
from school.schoolyear import YearSpan
from school.visibility import store
from school.visibility.models import FollowUp, FollowUpStatus
from school.visibility.queries import load_thresholds
from school.visibility.signals import CODES, evaluate
from school.visibility.store import FamilyQuadrantSummary
from school.visibility.summary import (
    MANY,
    ORAL_QUADRANTS,
    REACHED,
    counted_moments,
    summaries_for,
)

from .figures import (
    Balance,
    ClassRow,
    Dashboard,
    FollowUpCounts,
    GoalFigure,
    Part,
    QuadrantFigure,
    Week,
    percent,
)
from .filters import Filters, parse_filters, selected_classes
from .goals import Goals, has_tailored_contact

OTHER_KINSHIPS = tuple(k for k in Kinship if k not in (Kinship.MOTHER, Kinship.FATHER))


def load_goals() -> Goals:
    return Goals.load()


# --- what the filter form offers ------------------------------------------------------


def school_years() -> list[SchoolYear]:
    return list(db.session.scalars(select(SchoolYear).order_by(SchoolYear.starts_on.desc())))


def classes_of(year: SchoolYear) -> list[SchoolClass]:
    return list(db.session.scalars(
        select(SchoolClass).where(SchoolClass.school_year_id == year.id)
        .order_by(SchoolClass.sort_order, SchoolClass.name)
    ))


def load(args: Mapping, today: dt.date | None = None
         ) -> tuple[Filters | None, list[SchoolYear], list[SchoolClass]]:
    """The filters of a request with the school years and the chosen year's classes (for the form)."""
    years = school_years()
    filters = parse_filters(args, years, today)
    if filters is None:
        return None, years, []
    classes = classes_of(filters.year)
    if filters.class_id is not None and filters.class_id not in {c.id for c in classes}:
        filters = replace(filters, class_id=None)
    return filters, years, classes


# --- the figures -----------------------------------------------------------------------


def _n(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _families_reached(condition):
    return func.count(func.distinct(case((condition, ContactMoment.household_id))))


def membership(user: User, filters: Filters, class_ids: list[int]) -> Select:
    """(household_id, class_id) of the families in view: the families with a child in these classes
    on the end day of the period (a class of an earlier year as it was then), in reach."""
    on_the_day = families_on(filters.end, class_ids).subquery()
    return (
        select(on_the_day.c.household_id, on_the_day.c.class_id)
        .join(Household, Household.id == on_the_day.c.household_id)
        .where(Household.anonymised_at.is_(None), Household.id.in_(visible_household_ids(user)))
        .distinct()
    )


def build(user: User, filters: Filters, classes: list[SchoolClass]) -> Dashboard:
    """Every figure of the dashboard for the families in view (a fixed number of queries)."""
    goals, thresholds = load_goals(), load_thresholds()
    chosen = selected_classes(classes, filters)
    members = membership(user, filters, [c.id for c in chosen])
    families_of: dict[int, set[int]] = {c.id: set() for c in chosen}
    for household_id, class_id in db.session.execute(members):
        families_of[class_id].add(household_id)
    everyone = set().union(*families_of.values()) if families_of else set()
    mem = members.subquery()
    ids = select(mem.c.household_id)

    period = YearSpan(filters.start, filters.end)
    year_so_far = YearSpan(filters.year.starts_on, filters.end)
    if filters.start == filters.year.starts_on and store.exact_until(filters.year.starts_on, filters.end):
        # The whole school year so far: from the per-family summaries (their cost follows the families).
        per_class_quadrant, per_class, per_quadrant, totals, kinds = _year_from_summaries(
            families_of, everyone, filters.year.starts_on
        )
        per_day = _trend_from_daily_counts(everyone, period, filters)
        per_activity = _class_activities_of(families_of, year_so_far)
    else:
        per_class_quadrant, per_class, per_quadrant, totals, kinds = _period_from_log(
            mem, ids, period, filters
        )
        per_day = _trend_from_log(ids, period, filters)
        per_activity = _class_activities(mem, ids, year_so_far, filters)
    follow_ups, planned, open_per = _follow_ups(filters, everyone)
    # The families' own facts, and the signals, as on the end day.
    summaries = summaries_for(everyone, filters.end, thresholds.recent_days)

    # --- folding, in Python -------------------------------------------------------
    flags = {hid: evaluate(s, thresholds) for hid, s in summaries.items()}
    flagged = {hid for hid, found in flags.items() if found}
    tailored = {hid for hid, s in summaries.items() if has_tailored_contact(s, thresholds)}
    with_plan = flagged & planned

    rows: dict[int, ClassRow] = {
        c.id: ClassRow(id=c.id, name=c.name, level=c.level, families=len(families_of[c.id])) for c in chosen
    }
    for row in per_class_quadrant:
        target = rows[row.class_id]
        target.reached[row.quadrant] = int(row.families)
        target.moments += int(row.moments)
        target.personal += int(row.personal)
    for class_id, n in per_class.items():
        rows[class_id].reached_any = int(n)
    for row in per_activity:
        target = rows[row.class_id]
        target.activities += 1
        target.best_activity = max(target.best_activity, int(row.came))
    for class_id, members_of in families_of.items():
        target = rows[class_id]
        target.tailored = len(members_of & tailored)
        target.flagged = len(members_of & flagged)
        target.flagged_with_plan = len(members_of & with_plan)
        target.open_follow_ups = sum(open_per.get(h, (0, 0))[0] for h in members_of)
        target.overdue_follow_ups = sum(open_per.get(h, (0, 0))[1] for h in members_of)
    class_rows = list(rows.values())
    with_families = [r for r in class_rows if r.families]

    goal_figures = [
        GoalFigure("tailored_contact", len(everyone & tailored), len(everyone), goals.tailored_contact),
        GoalFigure("follow_up_plans", len(with_plan), len(flagged), goals.follow_up_plans),
        GoalFigure(
            "activity_classes", sum(1 for r in with_families if r.activity_met(goals.activity_families)),
            len(with_families), goals.activity_classes,
        ),
    ]
    quadrants = [
        QuadrantFigure(
            q, per_quadrant[q].moments if q in per_quadrant else 0,
            per_quadrant[q].attempts if q in per_quadrant else 0,
            per_quadrant[q].families if q in per_quadrant else 0, len(everyone),
        )
        for q in QUADRANTS
    ]
    signal_counts = dict.fromkeys(CODES, 0)
    for found in flags.values():
        for signal in found:
            signal_counts[signal.code] += 1
    return Dashboard(
        filters=filters, goals=goals, thresholds=thresholds, classes=class_rows, families=len(everyone),
        tailored=len(everyone & tailored), flagged=len(flagged), flagged_with_plan=len(with_plan),
        goal_figures=goal_figures, quadrants=quadrants, reached_any=int(totals.families),
        personal=int(totals.personal), weeks=_weeks(filters, per_day), balances=_balances(kinds),
        signal_counts=signal_counts, follow_ups=follow_ups,
    )


def _follow_ups(filters: Filters, everyone: set[int]
                ) -> tuple[FollowUpCounts, set[int], dict[int, tuple[int, int]]]:
    """The follow-ups that ran during the school year up to the end, as they stood on the end day (the
    section says "school year up to <end>"): open when not closed by then, overdue when still open past
    its due date on that day; done or closed only when closed by then.

    Returns the counts, the families with a plan open on the end day, and per family its open and
    overdue follow-ups.
    """
    year_start = dt.datetime.combine(filters.year.starts_on, dt.time.min)
    after_end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min)
    open_at_end = or_(FollowUp.closed_at.is_(None), FollowUp.closed_at >= after_end)
    follow_up_rows = db.session.execute(
        select(
            FollowUp.household_id, FollowUp.status, func.count().label("n"),
            _n(and_(open_at_end, FollowUp.due_on.is_not(None), FollowUp.due_on < filters.end))
            .label("overdue"),
            _n(open_at_end).label("planned"),
        )
        .where(
            FollowUp.household_id.in_(sorted(everyone)) if len(everyone) <= MANY else true(),
            FollowUp.created_at < after_end,
            or_(FollowUp.closed_at.is_(None), FollowUp.closed_at >= year_start),
        )
        .group_by(FollowUp.household_id, FollowUp.status)
    ).all()
    follow_up_rows = [row for row in follow_up_rows if row.household_id in everyone]
    planned: set[int] = set()
    counts = FollowUpCounts()
    open_per: dict[int, tuple[int, int]] = {}
    for row in follow_up_rows:
        still_open, finished = int(row.planned), int(row.n) - int(row.planned)
        if still_open:
            planned.add(row.household_id)
            # A follow-up closed since the end day was open then (whether in progress is not kept).
            if row.status is FollowUpStatus.IN_PROGRESS:
                counts.in_progress += still_open
            else:
                counts.open += still_open
            was = open_per.get(row.household_id, (0, 0))
            open_per[row.household_id] = (was[0] + still_open, was[1] + int(row.overdue))
        if row.status is FollowUpStatus.DONE:
            counts.done += finished
        elif row.status is FollowUpStatus.CLOSED:
            counts.closed += finished
        counts.overdue += int(row.overdue)
    return counts, planned, open_per


# --- the contact figures: from the summaries (the school year so far) or from the log (a period) --------


@dataclass
class _Kinds:
    """The balances' counts of contacts that reached a family."""

    initiative: dict = field(default_factory=lambda: dict.fromkeys((Initiative.SCHOOL, Initiative.FAMILY), 0))
    tone: dict = field(default_factory=lambda: dict.fromkeys((Tone.POSITIVE, Tone.NEUTRAL, Tone.CONCERN), 0))
    adults: dict = field(default_factory=lambda: dict.fromkeys(("mother", "father", "other", "unknown"), 0))


def _year_from_summaries(families_of: dict[int, set[int]], everyone: set[int], year_start: dt.date):
    """The grid per class, the school's grid, the totals and the balances of the school year so far,
    added up from the stored per-family summaries (school.visibility.store).

    The school's figures are sums in SQL — over every family of the year, less the few not in view
    (or over the families in view, when they are the few); the grid per class adds up, per class,
    one row per family and quadrant.
    """
    q = FamilyQuadrantSummary
    in_year = q.year_start == year_start
    cells: dict[int, list[tuple[Quadrant, int, int]]] = {}
    with_contact: set[int] = set()
    for household_id, quadrant, reached, two_way in db.session.connection().execute(
        select(*(type_coerce(c, NullType()) for c in (q.household_id, q.quadrant, q.reached, q.two_way)))
        .where(in_year)
    ):
        with_contact.add(household_id)
        if household_id in everyone:
            quadrant = _QUADRANT_OF[quadrant]
            cells.setdefault(household_id, []).append(
                (quadrant, reached, two_way if quadrant in ORAL_QUADRANTS else 0)
            )
    others = with_contact - everyone
    sums = ("reached", "not_reached", "family_started", "positive", "neutral", "concern", "mothers",
            "fathers", "other_adults", "adult_unknown")

    def added_up(ids: list[int] | None) -> dict[Quadrant, dict[str, int]]:
        """Per quadrant, the sums over these families (None: every family of the year)."""
        where = [in_year] if ids is None else [in_year, q.household_id.in_(ids)]
        return {
            row.quadrant: {"families": int(row.families), **{c: int(getattr(row, c)) for c in sums}}
            for row in db.session.execute(
                select(q.quadrant, func.count(case((q.reached > 0, 1))).label("families"),
                       *(func.sum(getattr(q, c)).label(c) for c in sums))
                .where(*where).group_by(q.quadrant)
            )
        }

    if len(others) < len(everyone):
        school = added_up(None)
        for quadrant, values in added_up(sorted(others)).items() if others else ():
            for key, n in values.items():
                school[quadrant][key] -= n
    else:
        school = added_up(sorted(everyone & with_contact))
    per_quadrant = {}
    kinds = _Kinds()
    for quadrant, v in school.items():
        per_quadrant[quadrant] = _QuadrantRow(v["reached"], v["not_reached"], v["families"])
        kinds.initiative[Initiative.FAMILY] += v["family_started"]
        kinds.initiative[Initiative.SCHOOL] += v["reached"] - v["family_started"]
        for tone in (Tone.POSITIVE, Tone.NEUTRAL, Tone.CONCERN):
            kinds.tone[tone] += v[tone.value]
        for key, column in (("mother", "mothers"), ("father", "fathers"), ("other", "other_adults"),
                            ("unknown", "adult_unknown")):
            kinds.adults[key] += v[column]

    reached_any = {h for h, of in cells.items() if any(reached for _q, reached, _p in of)}
    per_class_quadrant = []
    per_class = {}
    for class_id, members in families_of.items():
        figures: dict[Quadrant, list[int]] = {}
        for household_id in members:
            for quadrant, reached, personal in cells.get(household_id, ()):
                figure = figures.get(quadrant)
                if figure is None:
                    figure = figures[quadrant] = [0, 0, 0]
                if reached:
                    figure[0] += 1
                    figure[1] += reached
                figure[2] += personal
        per_class_quadrant += [
            _ClassQuadrantRow(class_id, quadrant, families, moments, personal)
            for quadrant, (families, moments, personal) in figures.items()
        ]
        per_class[class_id] = len(members & reached_any)
    personal_total = sum(p for of in cells.values() for _q, _r, p in of)
    totals = _Totals(len(reached_any), personal_total)
    return per_class_quadrant, per_class, per_quadrant, totals, kinds


_QUADRANT_OF = {q.value: q for q in Quadrant}


@dataclass
class _ClassQuadrantRow:
    class_id: int
    quadrant: Quadrant
    families: int
    moments: int
    personal: int


@dataclass
class _Totals:
    families: int
    personal: int


class _Attendance(NamedTuple):
    class_id: int
    id: int
    came: int


def _class_activities_of(families_of: dict[int, set[int]], year_so_far: YearSpan) -> list[_Attendance]:
    """Per class activity of the school year so far, the families of that class that came: read from the
    attendance of the year's activities only (its cost follows the activities, not the whole log)."""
    m = ContactMoment
    activity = aliased(GroupContact)
    came: dict[tuple[int, int], int] = {}
    for class_id, activity_id, household_id in db.session.connection().execute(
        select(activity.class_id, activity.id, m.household_id)
        .join(m, m.group_id == activity.id)
        .join(ContactForm, ContactForm.id == m.form_id)
        .where(
            activity.class_id.in_(list(families_of)), activity.removed_at.is_(None),
            activity.occurred_on >= year_so_far.start, activity.occurred_on <= year_so_far.end,
            m.removed_at.is_(None), m.reach.in_(REACHED), ContactForm.is_broadcast.is_(False),
            m.occurred_on >= year_so_far.start, m.occurred_on <= year_so_far.end,
        )
        .distinct()
    ):
        if household_id in families_of[class_id]:
            came[(class_id, activity_id)] = came.get((class_id, activity_id), 0) + 1
    return [_Attendance(class_id, activity_id, n) for (class_id, activity_id), n in came.items()]


@dataclass
class _QuadrantRow:
    moments: int
    attempts: int
    families: int


def _period_from_log(mem, ids, period: YearSpan, filters: Filters):
    """The same figures for any period, counted from the contact log."""
    m = ContactMoment
    reached = m.reach.in_(REACHED)
    personal = and_(m.reach == Reach.TWO_WAY, ContactForm.quadrant.in_(ORAL_QUADRANTS))
    # Per class and quadrant (the heatmap): families reached, contacts, personal conversations.
    per_class_quadrant = db.session.execute(
        counted_moments(ids, period, filters.end)
        .join(mem, mem.c.household_id == m.household_id)
        .add_columns(
            mem.c.class_id, ContactForm.quadrant, _families_reached(reached).label("families"),
            _n(reached).label("moments"), _n(personal).label("personal"),
        )
        .group_by(mem.c.class_id, ContactForm.quadrant)
    ).all()
    # Per class: families reached at all (a family reached in two quadrants once).
    per_class = dict(db.session.execute(
        counted_moments(ids, period, filters.end)
        .join(mem, mem.c.household_id == m.household_id)
        .add_columns(mem.c.class_id, _families_reached(reached))
        .group_by(mem.c.class_id)
    ).all())
    # The school's grid: per quadrant, and families reached in any quadrant.
    per_quadrant = {
        row.quadrant: _QuadrantRow(int(row.moments), int(row.attempts), int(row.families))
        for row in db.session.execute(
            counted_moments(ids, period, filters.end)
            .add_columns(
                ContactForm.quadrant, _n(reached).label("moments"),
                _n(m.reach == Reach.NOT_REACHED).label("attempts"),
                _families_reached(reached).label("families"),
            )
            .group_by(ContactForm.quadrant)
        )
    }
    totals = db.session.execute(
        counted_moments(ids, period, filters.end)
        .add_columns(_families_reached(reached).label("families"), _n(personal).label("personal"))
    ).one()
    # The balances: initiative, tone, and which adult was reached.
    kinds = _Kinds()
    for row in db.session.execute(
        counted_moments(ids, period, filters.end)
        .outerjoin(Caregiver, Caregiver.id == m.caregiver_id)
        .add_columns(m.initiative, m.tone, Caregiver.kinship, func.count().label("n"))
        .where(reached)
        .group_by(m.initiative, m.tone, Caregiver.kinship)
    ):
        kinds.initiative[row.initiative] += row.n
        kinds.tone[row.tone] += row.n
        if row.kinship is Kinship.MOTHER:
            kinds.adults["mother"] += row.n
        elif row.kinship is Kinship.FATHER:
            kinds.adults["father"] += row.n
        elif row.kinship in OTHER_KINSHIPS:
            kinds.adults["other"] += row.n
        else:
            kinds.adults["unknown"] += row.n
    return per_class_quadrant, per_class, per_quadrant, totals, kinds


def _trend_from_log(ids, period: YearSpan, filters: Filters):
    """Contacts that reached a family per day and quadrant, counted from the log."""
    m = ContactMoment
    return db.session.execute(
        counted_moments(ids, period, filters.end)
        .add_columns(m.occurred_on, ContactForm.quadrant, func.count().label("n"))
        .where(m.reach.in_(REACHED))
        .group_by(m.occurred_on, ContactForm.quadrant)
    ).all()


def _trend_from_daily_counts(everyone: set[int], period: YearSpan, filters: Filters):
    """The same from the school's daily counts, less the contacts of the families not in view.

    The families with contact this school year that are not in view (they left, or another class
    or level was chosen) are counted from the log; when they are the many, the families in view are.
    """
    y = store.FamilyYearSummary
    with_contact = set(db.session.scalars(
        select(y.household_id).where(y.year_start == filters.year.starts_on)
    ))
    others = with_contact - everyone
    if len(others) >= len(everyone):
        return _trend_from_log(sorted(everyone & with_contact), period, filters)
    d = store.DailyContactCount
    counts: dict[tuple[dt.date, Quadrant], int] = {
        (row.day, row.quadrant): row.reached
        for row in db.session.execute(select(d).where(d.day >= period.start, d.day <= period.end)).scalars()
    }
    if others:
        for on, quadrant, n in _trend_from_log(sorted(others), period, filters):
            counts[(on, quadrant)] -= n
    return [(on, quadrant, n) for (on, quadrant), n in counts.items() if n]


def _class_activities(mem, ids, year_so_far: YearSpan, filters: Filters):
    """Class activities this school year: per class and activity, the class's families that came."""
    m = ContactMoment
    activity = aliased(GroupContact)
    return db.session.execute(
        counted_moments(ids, year_so_far, filters.end)
        .join(activity, activity.id == m.group_id)
        .join(mem, and_(mem.c.household_id == m.household_id, mem.c.class_id == activity.class_id))
        .add_columns(mem.c.class_id, activity.id, func.count(func.distinct(m.household_id)).label("came"))
        .where(m.reach.in_(REACHED))
        .group_by(mem.c.class_id, activity.id)
    ).all()


def _weeks(filters: Filters, per_day) -> list[Week]:
    """Monday-to-Sunday weeks from the period's first day to its last, every quadrant in each."""
    first = filters.start - dt.timedelta(days=filters.start.weekday())
    weeks: dict[dt.date, Week] = {}
    day = first
    while day <= filters.end:
        weeks[day] = Week(day, dict.fromkeys(QUADRANTS, 0))
        day += dt.timedelta(days=7)
    for on, quadrant, n in per_day:
        monday = on - dt.timedelta(days=on.weekday())
        weeks[monday].counts[quadrant] += int(n)
    return list(weeks.values())


def _balances(kinds: _Kinds) -> list[Balance]:
    def balance(key: str, values: Mapping) -> Balance:
        total = sum(values.values())
        return Balance(key, [Part(str(k), n, percent(n, total)) for k, n in values.items()])

    return [balance("initiative", kinds.initiative), balance("tone", kinds.tone),
            balance("adults", kinds.adults)]
