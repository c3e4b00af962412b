"""The per-family contact summary, built with set-based SQL.

`build_summaries(household_ids, today, recent_days)` answers for any number of
households in a FIXED number of queries (six), whatever that number is: every
query groups by household over `contact_moments` joined to `contact_forms`.
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
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from school.contacts.models import (
    ContactAgreement,
    ContactForm,
    ContactMoment,
    GroupContact,
    Initiative,
    Mediator,
    Reach,
    Tone,
)
from school.extensions import db
from school.families.models import Household, IntakeStatus
from school.grid import QUADRANTS, Quadrant
from school.schoolyear import YearSpan, span_for

REACHED = (Reach.TWO_WAY, Reach.ONE_WAY)
# Contact through somebody else than the school team itself. An interpreter
# helps the team speak with the family: that is the team's own contact.
GO_BETWEEN = (Mediator.BRIDGE_FIGURE, Mediator.CHILD)
ORAL_QUADRANTS = tuple(q for q in QUADRANTS if q.is_oral)


@dataclass(frozen=True)
class QuadrantStats:
    """One cell of the family's grid for the school year."""

    reached: int = 0
    last_reached_on: dt.date | None = None
    family_started: int = 0
    not_reached: int = 0


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class LastContact:
    on: dt.date
    form_code: str | None
    form_name: str

    @property
    def form_label(self) -> str:
        from school.contacts.catalogue import label_for

        return label_for(self)

    # label_for() reads `.code` and `.name`
    @property
    def code(self) -> str | None:
        return self.form_code

    @property
    def name(self) -> str:
        return self.form_name


@dataclass(frozen=True)
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
        from school.contacts.catalogue import label_for

        return label_for(self)


@dataclass(frozen=True)
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
    # Attempts that did not reach the family after the last contact that did.
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


def _counted_moments(household_ids, year: YearSpan, today: dt.date):
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


def build_summaries(
    household_ids: Select | Iterable[int], today: dt.date, recent_days: int
) -> dict[int, FamilySummary]:
    """The summary of each household in `household_ids` (a SELECT of ids or a list)."""
    m = ContactMoment
    year = span_for(today)
    recent_from = max(year.start, today - dt.timedelta(days=recent_days))
    reached = m.reach.in_(REACHED)

    # 1. what the school knows about the households
    households = db.session.execute(
        select(
            Household.id, Household.intake_on, Household.created_at, Household.intake_status,
            Household.interpreter_needed, Household.interpreter_language,
            Household.written_ok, Household.digital_ok,
        ).where(_ids_filter(Household.id, household_ids))
    ).all()
    if not households:
        return {}

    # 2. the grid and the recent window, per household and quadrant
    recent_reached = and_(reached, m.occurred_on >= recent_from)
    cells = db.session.execute(
        _counted_moments(household_ids, year, today)
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

    # 3 and 4. the last personal contact, and the last contact that reached them
    last_personal = _last_contacts(
        household_ids, year, today, and_(m.reach == Reach.TWO_WAY, ContactForm.quadrant.in_(ORAL_QUADRANTS))
    )
    last_contact = _last_contacts(household_ids, year, today, reached)

    # 5. attempts that did not reach the family since the last contact that did
    last_reach = (
        _counted_moments(household_ids, year, today)
        .add_columns(m.household_id.label("household_id"), func.max(m.occurred_on).label("on"))
        .where(reached)
        .group_by(m.household_id)
        .subquery()
    )
    unanswered = {
        row.household_id: row
        for row in db.session.execute(
            _counted_moments(household_ids, year, today)
            .add_columns(
                m.household_id,
                func.count().label("n"),
                func.min(m.occurred_on).label("first_on"),
                func.max(m.occurred_on).label("last_on"),
            )
            .outerjoin(last_reach, last_reach.c.household_id == m.household_id)
            .where(
                m.reach == Reach.NOT_REACHED,
                or_(last_reach.c.on.is_(None), m.occurred_on > last_reach.c.on),
            )
            .group_by(m.household_id)
        )
    }

    # 6. the active agreements (contact op maat)
    agreements: dict[int, list[AgreementFacts]] = {}
    for row in db.session.execute(
        select(
            ContactAgreement.id, ContactAgreement.household_id, ContactAgreement.every_days,
            ContactAgreement.occasion, ContactAgreement.agreed_on, ContactAgreement.created_at,
            ContactForm.code, ContactForm.name, ContactForm.quadrant,
        )
        .join(ContactForm, ContactForm.id == ContactAgreement.form_id)
        .where(_ids_filter(ContactAgreement.household_id, household_ids), ContactAgreement.active.is_(True))
        .order_by(ContactAgreement.id)
    ):
        since = row.agreed_on or row.created_at.date()
        agreements.setdefault(row.household_id, []).append(
            AgreementFacts(
                id=row.id, form_code=row.code, form_name=row.name, quadrant=row.quadrant,
                every_days=row.every_days, occasion=row.occasion, since=since,
            )
        )

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

    summaries = {}
    for h in households:
        known_from = h.intake_on or h.created_at.date()
        cells_of = grid.get(h.id, {})
        open_attempts = unanswered.get(h.id)
        summaries[h.id] = FamilySummary(
            household_id=h.id,
            today=today,
            year=year,
            watch_from=min(today, max(year.start, known_from)),
            recent_from=recent_from,
            recent_days=recent_days,
            quadrants={q: cells_of.get(q, QuadrantStats()) for q in QUADRANTS},
            recent=Recent(**recent[h.id]) if h.id in recent else Recent(),
            last_personal=last_personal.get(h.id),
            last_contact=last_contact.get(h.id),
            unanswered=int(open_attempts.n) if open_attempts else 0,
            first_unanswered_on=open_attempts.first_on if open_attempts else None,
            last_unanswered_on=open_attempts.last_on if open_attempts else None,
            agreements=tuple(agreements.get(h.id, ())),
            intake_done=h.intake_status is IntakeStatus.DONE,
            interpreter_needed=bool(h.interpreter_needed),
            interpreter_language=h.interpreter_language,
            written_ok=h.written_ok,
            digital_ok=h.digital_ok,
        )
    return summaries


def _last_contacts(household_ids, year: YearSpan, today: dt.date, condition) -> dict[int, LastContact]:
    """Per household, the latest counted moment matching `condition` (one query, a window function)."""
    m = ContactMoment
    rank = func.row_number().over(
        partition_by=m.household_id, order_by=(m.occurred_on.desc(), m.id.desc())
    ).label("rank")
    ranked = (
        _counted_moments(household_ids, year, today)
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
    return build_summaries([household_id], today, recent_days)[household_id]
