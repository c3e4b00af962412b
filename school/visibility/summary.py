"""The per-family contact summary.

`summaries_for(household_ids, day, recent_days)` is the one way in: it answers
for any number of households in a FIXED number of queries, whatever that
number is. It reads the per-family summaries kept up to date on write
(school.visibility.store: the grid per household, school year and quadrant, the
last dates per household and school year, the contacts per household and day),
so its cost follows the number of families, not the length of their history;
the few families the stored summary cannot answer for — those with moments
after `day`, when the day is an earlier one — are counted from
`contact_moments` joined to `contact_forms`, grouped by household
(`_counted_from_log`). `summaries_as_of` serves the family page's look back at
one family on earlier days (one query for all of them, see there).
The signals (signals.py) are pure functions over the `FamilySummary` it
returns, so the same code serves the family page, a teacher's list and the
director's dashboard.

What counts as contact (DOMAIN.md, "only real contact clears a signal"):
- a removed moment (`removed_at`) never counts, nor a moment of a removed
  group activity;
- a broadcast never counts (its form `is_broadcast`; broadcasts have no
  per-family rows anyway, this is a safety net);
- attending a group activity counts for the families that came (ordinary
  moments with `group_id`);
- a moment "reached" the family when it was a two-way exchange or a one-way
  message; NOT_REACHED never counts as reached;
- a *personal* contact is an oral, two-way one;
- only moments of the current school year (1 September - 31 August) up to
  today count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import ClassVar

from sqlalchemy import Select, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from school.catalogue import ContactForm, label_for
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import ContactAgreement, Household, IntakeStatus
from school.grid import QUADRANTS, Quadrant
from school.schoolyear import YearSpan, span_for
from school.visibility import store
from school.visibility.store import FamilyDayCount, FamilyQuadrantSummary, FamilyYearSummary

REACHED = (Reach.TWO_WAY, Reach.ONE_WAY)
# Contact through somebody else than the school team itself. An interpreter
# helps the team speak with the family: that is the team's own contact.
GO_BETWEEN = (Mediator.BRIDGE_FIGURE, Mediator.CHILD)
ORAL_QUADRANTS = tuple(q for q in QUADRANTS if q.is_oral)


@dataclass(frozen=True, slots=True)
class QuadrantStats:
    """One cell of the family's grid for the school year."""

    reached: int = 0
    last_reached_on: dt.date | None = None
    family_started: int = 0
    not_reached: int = 0


@dataclass(frozen=True, slots=True)
class Recent:
    """Contacts that reached the family in the recent window."""

    reached: int = 0
    oral: int = 0
    informal: int = 0
    positive: int = 0
    neutral: int = 0
    concern: int = 0
    go_between: int = 0

    @property
    def written(self) -> int:
        return self.reached - self.oral

    @property
    def formal(self) -> int:
        return self.reached - self.informal

    @property
    def direct(self) -> int:
        return self.reached - self.go_between


@dataclass(frozen=True, slots=True)
class LastContact:
    on: dt.date
    form_code: str | None
    form_name: str

    @property
    def form_label(self) -> str:
        return label_for(self)

    # label_for() reads `.code` and `.name`
    @property
    def code(self) -> str | None:
        return self.form_code

    @property
    def name(self) -> str:
        return self.form_name


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    """An active contact agreement (contact op maat) and how it has gone."""

    id: int
    form_code: str | None
    form_name: str
    quadrant: Quadrant
    every_days: int | None
    occasion: str | None
    since: dt.date  # agreed_on, or the day it was recorded

    @property
    def code(self) -> str | None:
        return self.form_code

    @property
    def name(self) -> str:
        return self.form_name

    @property
    def form_label(self) -> str:
        return label_for(self)


@dataclass(frozen=True, slots=True)
class FamilySummary:
    household_id: int
    today: dt.date
    year: YearSpan
    # The day the school's watch starts for this family this year: 1 September,
    # or the intake (or, without one, the day the family was recorded) if later.
    watch_from: dt.date
    recent_from: dt.date
    recent_days: int
    quadrants: Mapping[Quadrant, QuadrantStats]
    recent: Recent = field(default_factory=Recent)
    last_personal: LastContact | None = None
    last_contact: LastContact | None = None
    # The school's personal attempts (not a group activity) that did not reach the family after the last
    # contact that did.
    unanswered: int = 0
    first_unanswered_on: dt.date | None = None
    last_unanswered_on: dt.date | None = None
    agreements: tuple[AgreementFacts, ...] = ()
    intake_done: bool = False
    # What the school knows about how to reach them (for suggested approaches).
    interpreter_needed: bool = False
    interpreter_language: str | None = None
    written_ok: bool | None = None
    digital_ok: bool | None = None

    @property
    def reached_total(self) -> int:
        return sum(s.reached for s in self.quadrants.values())

    @property
    def family_started_total(self) -> int:
        return sum(s.family_started for s in self.quadrants.values())

    @property
    def days_watched(self) -> int:
        return (self.today - self.watch_from).days

    @property
    def days_since_personal(self) -> int | None:
        if self.last_personal is None:
            return None
        return (self.today - self.last_personal.on).days

    def last_reached_in(self, quadrant: Quadrant) -> dt.date | None:
        return self.quadrants[quadrant].last_reached_on


def empty_summary(household_id: int, today: dt.date, recent_days: int, watch_from: dt.date | None = None,
                  **facts) -> FamilySummary:
    """A summary with no contact at all (a base for tests and new families)."""
    year = span_for(today)
    return FamilySummary(
        household_id=household_id, today=today, year=year,
        watch_from=max(year.start, watch_from or year.start),
        recent_from=max(year.start, today - dt.timedelta(days=recent_days)), recent_days=recent_days,
        quadrants={q: QuadrantStats() for q in QUADRANTS}, **facts,
    )


# --- the SQL ----------------------------------------------------------------


def _ids_filter(column, household_ids: Select | Iterable[int]):
    if isinstance(household_ids, Select):
        return column.in_(household_ids)
    return column.in_(list(household_ids))


def counted_moments(household_ids, year: YearSpan, today: dt.date):
    """FROM moments JOIN forms (LEFT JOIN group): the rows that count as contact."""
    m = ContactMoment
    g = aliased(GroupContact)
    base = (
        select()
        .select_from(m)
        .join(ContactForm, ContactForm.id == m.form_id)
        .outerjoin(g, g.id == m.group_id)
        .where(
            _ids_filter(m.household_id, household_ids),
            m.removed_at.is_(None),
            ContactForm.is_broadcast.is_(False),
            or_(m.group_id.is_(None), g.removed_at.is_(None)),
            m.occurred_on >= year.start,
            m.occurred_on <= today,
        )
    )
    return base


def _n(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# Above this many households, a read takes the whole school's rows and keeps the wanted ones in Python:
# cheaper than asking the database to match each row against a long list (or a subquery) again.
MANY = 300
_NO_CONTACT = QuadrantStats()
_NO_RECENT = Recent()
_NO_GRID = MappingProxyType(dict.fromkeys(QUADRANTS, _NO_CONTACT))
_DONE = IntakeStatus.DONE.value


def summaries_for(
    household_ids: Select | Iterable[int], day: dt.date, recent_days: int, *, stored: bool = True
) -> dict[int, FamilySummary]:
    """The summary of each household in `household_ids` (a SELECT of ids or a list) as on `day`, with a
    window of "lately" of `recent_days` days.

    Read from the summaries kept up to date on write (school.visibility.store):
    a fixed number of queries whose cost follows the number of families, not
    the length of their history. A family whose stored summary cannot answer
    for `day` exactly — it has moments after `day` (a summary as on an earlier
    day) — is counted from the contact log instead (`_counted_from_log`), in
    one more fixed set of queries for all such families together.
    `stored=False` counts every family from the log (what the stored summaries
    are checked against).

    A FamilySummary is a pure function of the rows it is built from (the
    household's, its stored summary rows, its agreements' and the catalogue's)
    and of `day` and `recent_days`: for a call over many families this worker
    keeps the summary it built last for each family with the hash of those rows
    as its key, and builds it again only when they differ (see `_Memo`). The
    rows are read on every call.
    """
    today = day
    store.sync()
    year = span_for(today)
    recent_from = max(year.start, today - dt.timedelta(days=recent_days))
    core = db.session.connection()  # Core rows: thousands of them, without the ORM's per-row work
    ids = set(core.scalars(household_ids).all()) if isinstance(household_ids, Select) else set(household_ids)
    if not ids:
        return {}
    many = len(ids) > MANY

    def only(column):
        """The WHERE clause for the wanted households (none when reading everybody's rows)."""
        return column.is_not(None) if many else column.in_(sorted(ids))

    # 1. what the school knows about the households
    households = [
        tuple(h) for h in core.execute(
            select(*(_raw(c) for c in (
                Household.id, Household.intake_on, Household.created_at, Household.intake_status,
                Household.interpreter_needed, Household.interpreter_language,
                Household.written_ok, Household.digital_ok,
            ))).where(only(Household.id))
        ).all() if h[0] in ids
    ]
    if not households:
        return {}

    # 2. the active agreements (contact op maat), as rows per household
    forms = _forms()
    agreement_rows: dict[int, list[tuple]] = {}
    for row in core.execute(
        select(*(_raw(c) for c in (
            ContactAgreement.household_id, ContactAgreement.id, ContactAgreement.every_days,
            ContactAgreement.occasion, ContactAgreement.agreed_on, ContactAgreement.created_at,
            ContactAgreement.form_id,
        )))
        .where(only(ContactAgreement.household_id), ContactAgreement.active.is_(True))
        .order_by(ContactAgreement.id)
    ).all():
        if row[0] in ids and row[6] in forms:
            agreement_rows.setdefault(row[0], []).append(tuple(row))

    # 3. the stored last dates of this school year (or the contact log)
    memo = None
    if stored:
        year_rows = _stored_rows(only, ids, year)
        memo = _Memo.of(today, recent_days, forms) if len(ids) >= _Memo.FROM else None
    else:
        facts = _counted_from_log(household_ids if isinstance(household_ids, Select) else sorted(ids),
                                  year, today, recent_from)

    empty = _Facts()
    build = _Builder(today, year, recent_from, recent_days, forms)
    summaries: dict[int, FamilySummary] = {}
    from_log: list[tuple] = []
    to_build: list[tuple] = []  # (household, agreements, year row, memo key)
    for household in households:
        hid = household[0]
        agreed = tuple(agreement_rows.get(hid, ()))
        if not stored:
            summaries[hid] = build(household, facts.get(hid, empty), agreed)
            continue
        year_row = year_rows.get(hid)
        # The year row is written again whenever any stored row of the family changes (its counted_at).
        key = hash((household, year_row, agreed)) if memo is not None else None
        known = memo.get(hid, key) if memo is not None else None
        if known is not None:
            summaries[hid] = known
        elif year_row is not None and _day(year_row[1]) > today:
            from_log.append(household)  # the stored summary cannot answer for this day
        else:
            to_build.append((household, agreed, year_row, key))

    # 4. the stored grid and window of the families built now (not those the memo gave back)
    counted = {row[0][0] for row in to_build if row[2] is not None}
    grid_rows = _stored_grids(counted, year) if counted else {}
    recent_rows = _stored_recent(counted, recent_from, today) if counted else {}
    stored_facts = _StoredFacts(today, forms)
    for household, agreed, year_row, key in to_build:
        hid = household[0]
        f = stored_facts.of(year_row, grid_rows.get(hid, ()), recent_rows.get(hid)) if year_row else empty
        summaries[hid] = summary = build(household, f, agreed)
        if memo is not None:
            memo.keep(hid, key, summary)
    if from_log:
        log_ids = household_ids if len(from_log) > MANY and isinstance(household_ids, Select) \
            else sorted(h[0] for h in from_log)
        log_facts = _counted_from_log(log_ids, year, today, recent_from)
        for household in from_log:
            hid = household[0]
            summaries[hid] = build(household, log_facts.get(hid, empty), tuple(agreement_rows.get(hid, ())))
    return summaries


@dataclass(frozen=True)
class _Builder:
    """Builds one family's summary from its household row, its contact facts and its agreement rows."""

    today: dt.date
    year: YearSpan
    recent_from: dt.date
    recent_days: int
    forms: Mapping[int, tuple[str | None, str, Quadrant]]

    def __call__(self, household: tuple, f: _Facts, agreed: tuple) -> FamilySummary:
        (hid, intake_on, created_at, intake_status, interpreter_needed, interpreter_language, written_ok,
         digital_ok) = household
        agreements = []
        for (_hid, agreement_id, every_days, occasion, agreed_on, agreement_created_at, form_id) in agreed:
            code, name, quadrant = self.forms[form_id]
            agreements.append(AgreementFacts(
                id=agreement_id, form_code=code, form_name=name, quadrant=quadrant, every_days=every_days,
                occasion=occasion, since=_day(agreed_on) or _moment_day(agreement_created_at),
            ))
        known_from = _day(intake_on) or _moment_day(created_at)
        return FamilySummary(
            household_id=hid,
            today=self.today,
            year=self.year,
            watch_from=min(self.today, max(self.year.start, known_from)),
            recent_from=self.recent_from,
            recent_days=self.recent_days,
            quadrants=f.grid or _NO_GRID,
            recent=f.recent,
            last_personal=f.last_personal,
            last_contact=f.last_contact,
            unanswered=f.unanswered,
            first_unanswered_on=f.first_unanswered_on,
            last_unanswered_on=f.last_unanswered_on,
            agreements=tuple(agreements),
            intake_done=intake_status == _DONE,
            interpreter_needed=bool(interpreter_needed),
            interpreter_language=interpreter_language,
            written_ok=None if written_ok is None else bool(written_ok),
            digital_ok=None if digital_ok is None else bool(digital_ok),
        )


class _Memo:
    """The summaries this worker built last for the lists over many families, per (today,
    recent_days, catalogue) and household, each with the hash of the household's,
    its year summary's and its agreements' rows.

    A summary is reused only when the rows read now hash the same, so it is
    not out of date: a write changes the rows (the family is recounted in the
    write's transaction and its year row written again with a new `counted_at`,
    whatever else changed; a household's or an agreement's change is its own
    row), and a new day or another window is another memo. A reused summary
    spares reading its grid and window rows as well as building it again:
    without the memo a list over 10 000 families costs about three times the
    CPU (measured on the benchmark's data: see the branch's note).
    The key is the rows' 64-bit hash rather than the rows themselves (which
    held some 10 MB per worker at 10 000 families); two different sets of rows
    share a hash with odds of one in 2**64. It holds at most one summary per
    family for a few (day, window) pairs: its size follows the families.
    Reading a family or a few (the family page) neither uses nor fills it.
    """

    FROM = MANY  # families in one call before the memo is used
    KEEP = 3  # (day, window, catalogue) combinations kept: today's lists, a dashboard's end day, ...
    _all: ClassVar[dict[tuple, _Memo]] = {}

    def __init__(self) -> None:
        self.entries: dict[int, tuple[int, FamilySummary]] = {}

    @classmethod
    def of(cls, today: dt.date, recent_days: int, forms: Mapping) -> _Memo:
        key = (today, recent_days, tuple(sorted(forms.items())))
        memo = cls._all.pop(key, None) or cls()
        cls._all[key] = memo  # the most recently used last
        while len(cls._all) > cls.KEEP:
            del cls._all[next(iter(cls._all))]
        return memo

    def get(self, household_id: int, key: int) -> FamilySummary | None:
        entry = self.entries.get(household_id)
        return entry[1] if entry is not None and entry[0] == key else None

    def keep(self, household_id: int, key: int, summary: FamilySummary) -> None:
        self.entries[household_id] = (key, summary)


def _forms() -> dict[int, tuple[str | None, str, Quadrant]]:
    """Every contact form: (code, name, quadrant) by id (the catalogue is small)."""
    return {f.id: (f.code, f.name, f.quadrant) for f in db.session.connection().execute(
        select(ContactForm.id, ContactForm.code, ContactForm.name, ContactForm.quadrant))}


def _moment_day(value) -> dt.date:
    """The day of a raw timestamp column (a datetime, or SQLite's ISO text)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value[:10])


@dataclass
class _Facts:
    """The contact part of one family's summary (the grid, the window, the last dates)."""

    grid: Mapping[Quadrant, QuadrantStats] | None = None  # None: no contact at all
    recent: Recent = _NO_RECENT
    last_personal: LastContact | None = None
    last_contact: LastContact | None = None
    unanswered: int = 0
    first_unanswered_on: dt.date | None = None
    last_unanswered_on: dt.date | None = None


_QUADRANT_OF = {q.value: q for q in QUADRANTS}


def _raw(column):
    """The column as the driver gives it (no conversion): reading thousands of rows, that is the cost."""
    return type_coerce(column, NullType())


def _day(value) -> dt.date | None:
    """A date from a raw column: PostgreSQL's driver gives a date, SQLite's the ISO text."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _among(column, ids: set[int]):
    """The WHERE clause for these households: none when they are many (the caller keeps the wanted rows)."""
    return column.is_not(None) if len(ids) > MANY else column.in_(sorted(ids))


def _stored_rows(only, ids: set[int], year: YearSpan) -> dict[int, tuple]:
    """The stored year summary of each household (its last dates), as a raw row."""
    y = FamilyYearSummary
    return {
        row[0]: tuple(row)
        for row in db.session.connection().execute(
            select(*(_raw(c) for c in (
                y.household_id, y.last_on, y.last_personal_on, y.last_personal_form_id, y.last_contact_on,
                y.last_contact_form_id, y.unanswered, y.first_unanswered_on, y.last_unanswered_on,
                y.counted_at,
            )))
            .where(only(y.household_id), y.year_start == year.start)
        ).all()
        if row[0] in ids
    }


def _stored_grids(ids: set[int], year: YearSpan) -> dict[int, list[tuple]]:
    """The stored grid of each household: (quadrant, reached, last reached on, family started, not
    reached) per quadrant with any moment, as raw rows."""
    q = FamilyQuadrantSummary
    grids: dict[int, list[tuple]] = {}
    for row in db.session.connection().execute(
        select(*(_raw(c) for c in (
            q.household_id, q.quadrant, q.reached, q.last_reached_on, q.family_started, q.not_reached,
        )))
        .where(_among(q.household_id, ids), q.year_start == year.start)
    ):
        if row[0] in ids:
            grids.setdefault(row[0], []).append(row[1:])
    return grids


def _stored_recent(ids: set[int], since: dt.date, today: dt.date) -> dict[int, tuple[int, ...]]:
    """The contacts of each household in the window (the fields of Recent), from the per-day counts."""
    d = FamilyDayCount
    return {
        row[0]: tuple(int(n) for n in row[1:])
        for row in db.session.connection().execute(
            select(
                d.household_id, func.sum(d.reached), func.sum(d.oral), func.sum(d.informal),
                func.sum(d.positive), func.sum(d.neutral), func.sum(d.concern), func.sum(d.go_between),
            )
            .where(_among(d.household_id, ids), d.day >= since, d.day <= today)
            .group_by(d.household_id)
        ).all()
        if row[0] in ids
    }


class _StoredFacts:
    """Turns stored summary rows into facts, sharing the equal parts between families."""

    def __init__(self, today: dt.date, forms: Mapping) -> None:
        self.today = today
        self.forms = {form_id: (code, name) for form_id, (code, name, _q) in forms.items()}
        self.last_contacts: dict[tuple, LastContact] = {}  # many families have the same last report day
        self.recents: dict[tuple, Recent] = {}

    def of(self, row: tuple, cells, counts: tuple[int, ...] | None) -> _Facts:
        """The facts of one family from its stored year row (as far as counted_at, which is not a fact),
        grid rows and window counts, as on a day no earlier than the year row's last_on."""
        (_household_id, _last_on, personal_on, personal_form, contact_on, contact_form, unanswered,
         first_unanswered, last_unanswered) = row[:9]
        grid = dict(_NO_GRID)
        for quadrant, reached, last_reached_on, family_started, not_reached in cells:
            grid[_QUADRANT_OF[quadrant]] = QuadrantStats(
                reached, _day(last_reached_on), family_started, not_reached
            )
        return _Facts(
            grid=grid,
            recent=(self.recents.get(counts) or self.recents.setdefault(counts, Recent(*counts))) if counts
            else _NO_RECENT,
            last_personal=_last(personal_on, personal_form, self.forms, self.last_contacts),
            last_contact=_last(contact_on, contact_form, self.forms, self.last_contacts),
            unanswered=unanswered,
            first_unanswered_on=_day(first_unanswered),
            last_unanswered_on=_day(last_unanswered),
        )


def _last(on, form_id: int | None, forms: Mapping[int, tuple[str | None, str]], made: dict
          ) -> LastContact | None:
    """The LastContact of a raw (date, form) pair; equal pairs share one (frozen) object."""
    if on is None:
        return None
    found = made.get((on, form_id))
    if found is None:
        code, name = forms.get(form_id, (None, ""))
        found = made[(on, form_id)] = LastContact(on=_day(on), form_code=code, form_name=name)
    return found


def _counted_from_log(household_ids: Select | list[int], year: YearSpan, today: dt.date,
                      recent_from: dt.date) -> dict[int, _Facts]:
    """The facts counted from `contact_moments` (five queries, for any number of households)."""
    m = ContactMoment
    reached = m.reach.in_(REACHED)

    # the grid and the recent window, per household and quadrant
    recent_reached = and_(reached, m.occurred_on >= recent_from)
    cells = db.session.execute(
        counted_moments(household_ids, year, today)
        .add_columns(
            m.household_id,
            ContactForm.quadrant,
            _n(reached).label("reached"),
            func.max(case((reached, m.occurred_on))).label("last_reached_on"),
            _n(and_(reached, m.initiative == Initiative.FAMILY)).label("family_started"),
            _n(m.reach == Reach.NOT_REACHED).label("not_reached"),
            _n(recent_reached).label("recent"),
            _n(and_(recent_reached, m.tone == Tone.POSITIVE)).label("positive"),
            _n(and_(recent_reached, m.tone == Tone.NEUTRAL)).label("neutral"),
            _n(and_(recent_reached, m.tone == Tone.CONCERN)).label("concern"),
            _n(and_(recent_reached, m.mediator.in_(GO_BETWEEN))).label("go_between"),
        )
        .group_by(m.household_id, ContactForm.quadrant)
    ).all()

    # the last personal contact, and the last contact that reached them
    last_personal = _last_contacts(
        household_ids, year, today, and_(m.reach == Reach.TWO_WAY, ContactForm.quadrant.in_(ORAL_QUADRANTS))
    )
    last_contact = _last_contacts(household_ids, year, today, reached)

    # the school's personal attempts that did not reach the family since the last contact that did
    last_reach = (
        counted_moments(household_ids, year, today)
        .add_columns(m.household_id.label("household_id"), func.max(m.occurred_on).label("on"))
        .where(reached)
        .group_by(m.household_id)
        .subquery()
    )
    unanswered = {
        row.household_id: row
        for row in db.session.execute(
            counted_moments(household_ids, year, today)
            .add_columns(
                m.household_id,
                func.count().label("n"),
                func.min(m.occurred_on).label("first_on"),
                func.max(m.occurred_on).label("last_on"),
            )
            .outerjoin(last_reach, last_reach.c.household_id == m.household_id)
            .where(
                m.reach == Reach.NOT_REACHED,
                m.initiative == Initiative.SCHOOL,
                m.group_id.is_(None),  # a missed group activity is not a personal attempt
                or_(last_reach.c.on.is_(None), m.occurred_on > last_reach.c.on),
            )
            .group_by(m.household_id)
        )
    }

    grid: dict[int, dict[Quadrant, QuadrantStats]] = {}
    recent: dict[int, dict[str, int]] = {}
    for row in cells:
        grid.setdefault(row.household_id, {})[row.quadrant] = QuadrantStats(
            reached=int(row.reached), last_reached_on=row.last_reached_on,
            family_started=int(row.family_started), not_reached=int(row.not_reached),
        )
        totals = recent.setdefault(row.household_id, dict.fromkeys(
            ("reached", "oral", "informal", "positive", "neutral", "concern", "go_between"), 0
        ))
        totals["reached"] += int(row.recent)
        if row.quadrant.is_oral:
            totals["oral"] += int(row.recent)
        if not row.quadrant.is_formal:
            totals["informal"] += int(row.recent)
        for key in ("positive", "neutral", "concern", "go_between"):
            totals[key] += int(getattr(row, key))

    out = {}
    for hid in set(grid) | set(last_personal) | set(last_contact) | set(unanswered):
        open_attempts = unanswered.get(hid)
        cells_of = grid.get(hid, {})
        out[hid] = _Facts(
            grid={q: cells_of.get(q, _NO_CONTACT) for q in QUADRANTS},
            recent=Recent(**recent[hid]) if hid in recent else Recent(),
            last_personal=last_personal.get(hid),
            last_contact=last_contact.get(hid),
            unanswered=int(open_attempts.n) if open_attempts else 0,
            first_unanswered_on=open_attempts.first_on if open_attempts else None,
            last_unanswered_on=open_attempts.last_on if open_attempts else None,
        )
    return out


def _last_contacts(household_ids, year: YearSpan, today: dt.date, condition) -> dict[int, LastContact]:
    """Per household, the latest counted moment matching `condition` (one query, a window function)."""
    m = ContactMoment
    rank = func.row_number().over(
        partition_by=m.household_id, order_by=(m.occurred_on.desc(), m.id.desc())
    ).label("rank")
    ranked = (
        counted_moments(household_ids, year, today)
        .add_columns(m.household_id, m.occurred_on, ContactForm.code, ContactForm.name, rank)
        .where(condition)
        .subquery()
    )
    rows = db.session.execute(select(ranked).where(ranked.c.rank == 1))
    return {
        row.household_id: LastContact(on=row.occurred_on, form_code=row.code, form_name=row.name)
        for row in rows
    }


def summary_for(household_id: int, today: dt.date, recent_days: int) -> FamilySummary:
    """One family's summary: summaries_for([household_id], ...) (the name the tests of other modules use)."""
    return summaries_for([household_id], today, recent_days)[household_id]


build_summaries = summaries_for  # the former name, still imported by tests outside this module's files


def summaries_as_of(summary: FamilySummary, points: Iterable[tuple[dt.date, int]]) -> list[FamilySummary]:
    """The family of `summary` as it stood on earlier days of its school year: one summary per
    (day, recent_days) in `points`, each equal to summaries_for([household], day, recent_days).

    Not through summaries_for: on an earlier day the stored summaries of a family
    with later contacts cannot answer, and counting the log costs five queries
    per day. Here one query reads the family's counted moments, and each day's
    figures are summed up from them in Python the way the stored summaries are
    (school.visibility.store.summarise; the family page asks for two days).
    """
    year = summary.year
    moments = [store.typed_row(raw) for raw in db.session.execute(store.moment_rows([summary.household_id]))]
    forms = _forms()
    out = []
    for day, recent_days in points:
        if not year.start <= day <= summary.today:
            raise ValueError(f"{day} is not a day of the summary's school year up to {summary.today}")
        recent_from = max(year.start, day - dt.timedelta(days=recent_days))
        counted = [m for m in moments if year.start <= m.occurred_on <= day]
        f = _Facts()
        if counted:
            cells, [facts] = store.summarise(summary.household_id, counted)
            f = _StoredFacts(day, forms).of(
                tuple(facts[c] for c in _YEAR_ROW),
                tuple((c["quadrant"].value, c["reached"], c["last_reached_on"], c["family_started"],
                       c["not_reached"]) for c in cells),
                _recent_counts(m for m in counted if m.occurred_on >= recent_from),
            )
        out.append(replace(
            summary, today=day, recent_from=recent_from, recent_days=recent_days,
            watch_from=min(day, summary.watch_from), quadrants=f.grid or _NO_GRID, recent=f.recent,
            last_personal=f.last_personal, last_contact=f.last_contact, unanswered=f.unanswered,
            first_unanswered_on=f.first_unanswered_on, last_unanswered_on=f.last_unanswered_on,
        ))
    return out


def _recent_counts(moments) -> tuple[int, ...] | None:
    """The fields of Recent over these typed moments (store.typed_row), as store.family_day_counts sums
    them; None when none reached the family."""
    counts = [0] * 7
    for m in moments:
        if m.reach not in REACHED:
            continue
        for i, hit in enumerate((True, m.quadrant.is_oral, not m.quadrant.is_formal, m.tone is Tone.POSITIVE,
                                 m.tone is Tone.NEUTRAL, m.tone is Tone.CONCERN, m.mediator in GO_BETWEEN)):
            counts[i] += hit
    return tuple(counts) if counts[0] else None


# The columns of a stored year summary in the order _StoredFacts reads them.
_YEAR_ROW = (
    "household_id", "last_on", "last_personal_on", "last_personal_form_id", "last_contact_on",
    "last_contact_form_id", "unanswered", "first_unanswered_on", "last_unanswered_on",
)
