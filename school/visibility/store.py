"""The per-family summaries kept up to date as moments are written.

Three tables, each fact stored once:

- `family_quadrant_summaries` — the family's grid, one row per household,
  school year and quadrant: contacts that reached the family, the last one's
  date, how many the family started, the attempts that did not reach them, and
  the counts the dashboard adds up (two-way conversations, tone, which adult);
- `family_year_summaries` — the last dates the signals look at, one row per
  household and school year (the latest counted moment, the last personal
  contact and the last contact that reached the family, with their forms) and
  the school's own attempts since the last contact that reached them;
- `family_day_counts` — the contacts that reached the family, one row per
  household and day, with what the signals count in a window of "lately"
  (oral, informal, tone, through a go-between): any window is a SUM over its
  days, exact for any length.

What counts is what summary.py says (its `counted_moments`): removed moments,
moments of a removed group activity and broadcasts never count.

Kept up to date in the same transaction as the write, whoever writes: the
session events registered by `init_app` collect the households whose moments
(or whose group activity, caregiver or contact form) changed in a flush, and
`sync()` recounts those households from `contact_moments` before anything
reads the summaries and before the commit. A recount reads only that
household's moments, so a write costs the same at any length of history; on
PostgreSQL a transaction advisory lock per household keeps two concurrent
writers for one family in line. Bulk `insert(ContactMoment)` statements are
seen too; a bulk UPDATE or DELETE of contact moments must call `refresh()` (or
delete the households, as erasure does: their summaries go with them).

`rebuild_all()` recounts everything (the migrations and the benchmark's bulk
load use it, or `recount()` and `family_day_counts()`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import NamedTuple

from flask import Flask
from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column
from sqlalchemy.types import NullType

from school.catalogue import ContactForm
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db, enum_type
from school.families.models import Caregiver, Kinship
from school.grid import Quadrant
from school.schoolyear import utcnow

# Contact through somebody else than the school team itself (summary.GO_BETWEEN).
_GO_BETWEEN_MEDIATORS = (Mediator.BRIDGE_FIGURE, Mediator.CHILD)
_REACHED = (Reach.TWO_WAY, Reach.ONE_WAY)
_PENDING = "summary_households"
_PENDING_GROUPS = "summary_groups"
_PENDING_FORMS = "summary_forms"
_PENDING_DAYS = "summary_days"
_PENDING_KEYS = (_PENDING, _PENDING_GROUPS, _PENDING_FORMS, _PENDING_DAYS)
_LOCK_CLASS = 0x5350  # advisory lock namespaces on PostgreSQL: households ("SP"), days
_DAY_LOCK_CLASS = 0x5351


class FamilyQuadrantSummary(db.Model):
    """One cell of one family's grid for one school year."""

    __tablename__ = "family_quadrant_summaries"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    year_start: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, 20), primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    last_reached_on: Mapped[dt.date | None]
    family_started: Mapped[int] = mapped_column(Integer, default=0)
    not_reached: Mapped[int] = mapped_column(Integer, default=0)
    # Of the contacts that reached the family:
    two_way: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    concern: Mapped[int] = mapped_column(Integer, default=0)
    mothers: Mapped[int] = mapped_column(Integer, default=0)
    fathers: Mapped[int] = mapped_column(Integer, default=0)
    other_adults: Mapped[int] = mapped_column(Integer, default=0)
    adult_unknown: Mapped[int] = mapped_column(Integer, default=0)


class FamilyYearSummary(db.Model):
    """The last dates of one family for one school year."""

    __tablename__ = "family_year_summaries"

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    year_start: Mapped[dt.date] = mapped_column(Date, primary_key=True, index=True)
    last_on: Mapped[dt.date]  # the latest counted moment, whatever its reach
    reached: Mapped[int] = mapped_column(Integer, default=0)
    last_personal_on: Mapped[dt.date | None]
    last_personal_form_id: Mapped[int | None] = mapped_column(Integer)
    last_contact_on: Mapped[dt.date | None]
    last_contact_form_id: Mapped[int | None] = mapped_column(Integer)
    unanswered: Mapped[int] = mapped_column(Integer, default=0)
    first_unanswered_on: Mapped[dt.date | None]
    last_unanswered_on: Mapped[dt.date | None]
    # When the family was last recounted: every write that changes any of its stored rows writes this row
    # again, so a reader that kept what it built from them knows from this row alone whether it still holds.
    counted_at: Mapped[dt.datetime] = mapped_column(DateTime)


class FamilyDayCount(db.Model):
    """The contacts that reached one family on one day, counted the way the signals' window counts them."""

    __tablename__ = "family_day_counts"
    __table_args__ = (
        # A window over the whole school reads this index only (day range, then the counts).
        Index("ix_family_day_counts_day", "day", "household_id", "reached", "oral", "informal", "positive",
              "neutral", "concern", "go_between"),
    )

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    oral: Mapped[int] = mapped_column(Integer, default=0)
    informal: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    concern: Mapped[int] = mapped_column(Integer, default=0)
    go_between: Mapped[int] = mapped_column(Integer, default=0)


class DailyContactCount(db.Model):
    """Contacts that reached a family, per day and quadrant, for the whole school (the dashboard's trend)."""

    __tablename__ = "daily_contact_counts"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, 20), primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)


# --- the recount ---------------------------------------------------------------------


def moment_rows(household_ids: Iterable[int] | None):
    """Every counted moment of these households (or of all), oldest first per household."""
    m = ContactMoment
    g = aliased(GroupContact)
    stmt = (
        select(*(type_coerce(c, NullType()) for c in (  # as the driver gives them: millions of rows, at times
            m.household_id, m.id, m.occurred_on, ContactForm.quadrant, m.reach, m.initiative, m.tone,
            m.mediator, m.form_id, Caregiver.kinship, m.group_id,
        )))
        .join(ContactForm, ContactForm.id == m.form_id)
        .outerjoin(g, g.id == m.group_id)
        .outerjoin(Caregiver, Caregiver.id == m.caregiver_id)
        .where(
            m.removed_at.is_(None),
            ContactForm.is_broadcast.is_(False),
            or_(m.group_id.is_(None), g.removed_at.is_(None)),
        )
        .order_by(m.household_id, m.occurred_on, m.id)
    )
    if household_ids is not None:
        stmt = stmt.where(m.household_id.in_(list(household_ids)))
    return stmt


class _Moment(NamedTuple):
    household_id: int
    id: int
    occurred_on: dt.date
    quadrant: Quadrant
    reach: Reach
    initiative: Initiative
    tone: Tone
    mediator: Mediator
    form_id: int
    kinship: Kinship | None
    group_id: int | None  # a group activity's moment (an infoavond): not a personal attempt


_ENUMS = {
    cls: {member.value: member for member in cls}
    for cls in (Quadrant, Reach, Initiative, Tone, Mediator, Kinship)
}


def typed_row(raw) -> _Moment:
    """A row of `moment_rows` with its dates and enums (PostgreSQL's driver gives dates, SQLite's text)."""
    (household_id, moment_id, day, quadrant, reach, initiative, tone, mediator, form_id, kinship,
     group_id) = raw
    return _Moment(
        household_id, moment_id, day if isinstance(day, dt.date) else dt.date.fromisoformat(day),
        _ENUMS[Quadrant][quadrant], _ENUMS[Reach][reach], _ENUMS[Initiative][initiative], _ENUMS[Tone][tone],
        _ENUMS[Mediator][mediator], form_id, _ENUMS[Kinship][kinship] if kinship is not None else None,
        group_id,
    )


_ZERO_CELL = dict.fromkeys(
    ("reached", "family_started", "not_reached", "two_way", "positive", "neutral", "concern", "mothers",
     "fathers", "other_adults", "adult_unknown"), 0,
)


def summarise(household_id: int, rows: list) -> tuple[list[dict], list[dict]]:
    """The summary rows of one household from its counted moments (oldest first)."""
    years: dict[int, list] = {}
    for row in rows:  # by school year (span_for: 1 September - 31 August)
        day = row.occurred_on
        years.setdefault(day.year if day.month >= 9 else day.year - 1, []).append(row)
    cells, facts = [], []
    for first_year, moments in years.items():
        start = dt.date(first_year, 9, 1)
        grid: dict[Quadrant, dict] = {}
        last_personal = last_contact = None
        reached_total = 0
        for row in moments:
            cell = grid.get(row.quadrant)
            if cell is None:
                cell = grid[row.quadrant] = {
                    "household_id": household_id, "year_start": start, "quadrant": row.quadrant,
                    "last_reached_on": None, **_ZERO_CELL,
                }
            if row.reach is Reach.NOT_REACHED:
                cell["not_reached"] += 1
                continue
            reached_total += 1
            cell["reached"] += 1
            cell["last_reached_on"] = row.occurred_on
            if row.initiative is Initiative.FAMILY:
                cell["family_started"] += 1
            if row.reach is Reach.TWO_WAY:
                cell["two_way"] += 1
                if row.quadrant.is_oral:
                    last_personal = row
            cell[row.tone.value] += 1
            if row.kinship is Kinship.MOTHER:
                cell["mothers"] += 1
            elif row.kinship is Kinship.FATHER:
                cell["fathers"] += 1
            elif row.kinship is None:
                cell["adult_unknown"] += 1
            else:
                cell["other_adults"] += 1
            last_contact = row
        # The school's own personal attempts only (signal 4): a call of the family the school missed is
        # not one, nor a group activity the family did not come to (that shows in the timeline only).
        unanswered = [r for r in moments if r.reach is Reach.NOT_REACHED and r.initiative is Initiative.SCHOOL
                      and r.group_id is None
                      and (last_contact is None or r.occurred_on > last_contact.occurred_on)]
        cells.extend(grid.values())
        facts.append({
            "household_id": household_id, "year_start": start, "last_on": moments[-1].occurred_on,
            "reached": reached_total,
            "last_personal_on": last_personal.occurred_on if last_personal else None,
            "last_personal_form_id": last_personal.form_id if last_personal else None,
            "last_contact_on": last_contact.occurred_on if last_contact else None,
            "last_contact_form_id": last_contact.form_id if last_contact else None,
            "unanswered": len(unanswered),
            "first_unanswered_on": unanswered[0].occurred_on if unanswered else None,
            "last_unanswered_on": unanswered[-1].occurred_on if unanswered else None,
        })
    return cells, facts


def _write(session: Session, cells: list[dict], facts: list[dict]) -> None:
    counted_at = utcnow()
    facts = [{**row, "counted_at": counted_at} for row in facts]
    for table, rows in ((FamilyQuadrantSummary.__table__, cells), (FamilyYearSummary.__table__, facts)):
        for start in range(0, len(rows), 2000):
            session.execute(insert(table), rows[start:start + 2000])


def _delete(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for model in (FamilyQuadrantSummary, FamilyYearSummary, FamilyDayCount):
            session.execute(delete(model).where(model.household_id.in_(chunk)))


_DAY_COLUMNS = ["household_id", "day", "reached", "oral", "informal", "positive", "neutral", "concern",
                "go_between"]


def family_day_counts():
    """SELECT the rows of `family_day_counts` from the log (the counted moments that reached the family)."""
    m = ContactMoment
    g = aliased(GroupContact)

    def n(condition):
        return func.sum(case((condition, 1), else_=0))

    return (
        select(
            m.household_id, m.occurred_on, func.count(),
            n(ContactForm.quadrant.in_([q for q in Quadrant if q.is_oral])),
            n(ContactForm.quadrant.in_([q for q in Quadrant if not q.is_formal])),
            n(m.tone == Tone.POSITIVE), n(m.tone == Tone.NEUTRAL), n(m.tone == Tone.CONCERN),
            n(m.mediator.in_(_GO_BETWEEN_MEDIATORS)),
        )
        .join(ContactForm, ContactForm.id == m.form_id)
        .outerjoin(g, g.id == m.group_id)
        .where(
            m.removed_at.is_(None),
            ContactForm.is_broadcast.is_(False),
            or_(m.group_id.is_(None), g.removed_at.is_(None)),
            m.reach.in_(_REACHED),
        )
        .group_by(m.household_id, m.occurred_on)
    )


def refresh(household_ids: Iterable[int], session: Session | None = None) -> None:
    """Recount these households' summaries from their contact moments (in the current transaction)."""
    session = session or db.session()
    ids = sorted({int(h) for h in household_ids if h is not None})
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        # Two writers for one family: the second waits, then counts what the first committed.
        session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, k) FROM unnest(CAST(:ids AS integer[])) AS k"),
            {"cls": _LOCK_CLASS, "ids": ids},
        )
    cells, facts = [], []
    rows_of: dict[int, list] = {h: [] for h in ids}
    for start in range(0, len(ids), 500):
        for raw in session.execute(moment_rows(ids[start:start + 500])):
            rows_of[raw[0]].append(typed_row(raw))
    for household_id, rows in rows_of.items():
        c, f = summarise(household_id, rows)
        cells += c
        facts += f
    _delete(session, ids)
    _write(session, cells, facts)
    table = FamilyDayCount.__table__
    for start in range(0, len(ids), 500):
        session.execute(insert(table).from_select(
            _DAY_COLUMNS, family_day_counts().where(ContactMoment.household_id.in_(ids[start:start + 500]))
        ))


def _day_counts():
    """SELECT day, quadrant, contacts that reached a family (counted moments only)."""
    m = ContactMoment
    g = aliased(GroupContact)
    return (
        select(m.occurred_on, ContactForm.quadrant, func.count())
        .join(ContactForm, ContactForm.id == m.form_id)
        .outerjoin(g, g.id == m.group_id)
        .where(
            m.removed_at.is_(None),
            ContactForm.is_broadcast.is_(False),
            or_(m.group_id.is_(None), g.removed_at.is_(None)),
            m.reach.in_((Reach.TWO_WAY, Reach.ONE_WAY)),
        )
        .group_by(m.occurred_on, ContactForm.quadrant)
    )


def refresh_days(days: Iterable[dt.date], session: Session | None = None) -> None:
    """Recount the school's daily counts of these days (in the current transaction)."""
    session = session or db.session()
    days = sorted({d for d in days if d is not None})
    if not days:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, k) FROM unnest(CAST(:days AS integer[])) AS k"),
            {"cls": _DAY_LOCK_CLASS, "days": [d.toordinal() for d in days]},
        )
    table = DailyContactCount.__table__
    for start in range(0, len(days), 500):
        chunk = days[start:start + 500]
        session.execute(delete(table).where(table.c.day.in_(chunk)))
        session.execute(insert(table).from_select(
            ["day", "quadrant", "reached"], _day_counts().where(ContactMoment.occurred_on.in_(chunk))
        ))


def recount(execute) -> Iterator[tuple[list[dict], list[dict]]]:
    """Every household's summary rows, counted from the contact log, in chunks.

    `execute` runs a statement (a Session's or a Connection's `execute`): the
    migration that created the tables fills them with this too.
    """
    cells, facts = [], []
    current, rows = None, []
    for raw in execute(moment_rows(None).execution_options(yield_per=20_000)):
        row = typed_row(raw)
        if row.household_id != current:
            if rows:
                c, f = summarise(current, rows)
                cells += c
                facts += f
                if len(facts) >= 20_000:
                    yield cells, facts
                    cells, facts = [], []
            current, rows = row.household_id, []
        rows.append(row)
    if rows:
        c, f = summarise(current, rows)
        cells += c
        facts += f
    if facts:
        yield cells, facts


def rebuild_all() -> None:
    """Recount every household (never commits)."""
    session = db.session()
    for key in _PENDING_KEYS:
        session.info.pop(key, None)
    session.execute(delete(FamilyQuadrantSummary))
    session.execute(delete(FamilyYearSummary))
    session.execute(delete(FamilyDayCount))
    for cells, facts in list(recount(session.execute)):  # counted first, then written
        _write(session, cells, facts)
    session.execute(insert(FamilyDayCount.__table__).from_select(_DAY_COLUMNS, family_day_counts()))
    table = DailyContactCount.__table__
    session.execute(delete(table))
    session.execute(insert(table).from_select(["day", "quadrant", "reached"], _day_counts()))


def forget(household_ids: Iterable[int]) -> None:
    """Drop these households' summaries (their moments are being deleted)."""
    session = db.session()
    ids = list(household_ids)
    pending = session.info.get(_PENDING)
    if pending:
        pending.difference_update(ids)
    days = session.info.setdefault(_PENDING_DAYS, set())
    for start in range(0, len(ids), 500):
        days.update(session.scalars(
            select(ContactMoment.occurred_on)
            .where(ContactMoment.household_id.in_(ids[start:start + 500])).distinct()
        ))
    _delete(session, ids)


def exact_until(year_start: dt.date, day: dt.date) -> bool:
    """Whether the stored summaries of this school year are those as on `day` (no counted moment after it)."""
    sync()
    latest = db.session.scalar(
        select(func.max(FamilyYearSummary.last_on)).where(FamilyYearSummary.year_start == year_start)
    )
    return latest is None or latest <= day


def sync(session: Session | None = None) -> None:
    """Recount the households changed so far in this transaction (before reading or committing)."""
    session = session or db.session()
    if not any(session.info.get(key) for key in _PENDING_KEYS):
        return
    session.flush()
    ids = set(session.info.pop(_PENDING, set()))
    groups = session.info.pop(_PENDING_GROUPS, set())
    forms = session.info.pop(_PENDING_FORMS, set())
    days = set(session.info.pop(_PENDING_DAYS, set()))
    m = ContactMoment
    for kind, chosen in ((m.group_id, groups), (m.form_id, forms)):
        if chosen:
            for household_id, day in session.execute(
                select(m.household_id, m.occurred_on).where(kind.in_(chosen)).distinct()
            ):
                ids.add(household_id)
                days.add(day)
    refresh(ids, session)
    refresh_days(days, session)


# --- collecting what changed ------------------------------------------------------------------


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _collect(session: Session, _flush_context) -> None:
    pending = None
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, ContactMoment):
            pending = pending if pending is not None else session.info.setdefault(_PENDING, set())
            pending.add(obj.household_id)
            state = inspect(obj)
            pending.update(h for h in state.attrs.household_id.history.deleted if h is not None)
            days = session.info.setdefault(_PENDING_DAYS, set())
            days.add(obj.occurred_on)
            days.update(d for d in state.attrs.occurred_on.history.deleted if d is not None)
        elif isinstance(obj, Caregiver) and obj.household_id is not None and (
            obj in session.deleted or _changed(obj, "kinship")
        ):
            pending = pending if pending is not None else session.info.setdefault(_PENDING, set())
            pending.add(obj.household_id)
        elif isinstance(obj, GroupContact) and obj not in session.new and _changed(obj, "removed_at"):
            session.info.setdefault(_PENDING_GROUPS, set()).add(obj.id)
        elif isinstance(obj, ContactForm) and obj not in session.new and _changed(
            obj, "quadrant", "is_broadcast"
        ):
            session.info.setdefault(_PENDING_FORMS, set()).add(obj.id)


def _collect_bulk(state) -> None:
    """A bulk insert(ContactMoment) with its rows (the demo school loads that way)."""
    if not state.is_insert or state.bind_mapper is None or state.bind_mapper.class_ is not ContactMoment:
        return
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    rows = [row for row in rows if isinstance(row, dict)]
    state.session.info.setdefault(_PENDING, set()).update(
        row["household_id"] for row in rows if row.get("household_id") is not None)
    state.session.info.setdefault(_PENDING_DAYS, set()).update(
        row["occurred_on"] for row in rows if row.get("occurred_on") is not None)


def _before_commit(session: Session) -> None:
    # Flush first: moments added since the last flush are only collected by a flush, and the
    # commit's own flush comes after this hook, too late for their households to be recounted.
    session.flush()
    sync(session)


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint: what the outer transaction changed is still to be counted
    for key in _PENDING_KEYS:
        session.info.pop(key, None)


_LISTENERS = (
    ("after_flush", _collect),
    ("do_orm_execute", _collect_bulk),
    ("before_commit", _before_commit),
    ("after_soft_rollback", _after_rollback),
)


def init_app(app: Flask) -> None:
    """Keep the summaries up to date on every session's writes (once per process, whatever the apps)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
