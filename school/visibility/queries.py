"""Reading less-visible families, follow-ups and the family page (always through the scope).

Every list here takes a bounded number of queries whatever the number of
families: the households come in as a SELECT of ids (the scope), never as one
query per family.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from school import schoolyear
from school.accounts.models import User, class_teachers
from school.catalogue import ContactForm
from school.contacts import queries as contact_queries
from school.contacts.models import ContactMoment
from school.extensions import db
from school.families.enrolments import at_school, families_on, in_force
from school.families.models import Enrolment, Household, Pupil, SchoolClass, household_pupils
from school.families.queries import current_school_year
from school.families.scope import get_household_or_404, sees_all_families, visible_household_ids, who_sees
from school.grid import GRID_COLUMNS, GRID_ROWS, Quadrant
from school.policy import FOLLOW_UP_ROLES, may_correct, may_entrust, may_read_note, reads_contacts
from school.visibility.models import FollowUp, FollowUpStatus
from school.visibility.signals import (
    CODES,
    SIGNAL_TITLES,
    Signal,
    Suggestion,
    Thresholds,
    evaluate,
    standing,
    start_period_ends,
    suggest,
)
from school.visibility.summary import (
    MANY,
    REACHED,
    FamilySummary,
    counted_moments,
    summaries_as_of,
    summaries_for,
)

OPEN_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
TIMELINE_PAGE_SIZE = 20
LIST_PAGE_SIZE = 50


def load_thresholds() -> Thresholds:
    return Thresholds.load()



# --- the less-visible list ---------------------------------------------------


@dataclass
class FamilyRow:
    id: int
    name: str
    summary: FamilySummary
    signals: list[Signal]
    children: list[tuple[str, str | None]] = field(default_factory=list)
    open_follow_ups: int = 0
    overdue_follow_ups: int = 0

    @property
    def has_plan(self) -> bool:
        return self.open_follow_ups > 0


@dataclass
class LessVisible:
    rows: list[FamilyRow]  # this page
    families: int  # families in the user's reach (and class filter)
    flagged: int
    without_plan: int
    shown: int  # after the signal / without-plan filter
    counts: dict[str, int]  # flagged families per signal
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.shown // self.per_page))


SORTS = ("personal", "name")


def families_in_reach(user: User, class_id: int | None = None, day: dt.date | None = None):
    """A SELECT of the ids of the families `user` may see with a child at school on `day` (today),
    optionally a child in one class that day."""
    day = day or schoolyear.today()
    if class_id is not None:
        in_class = families_on(day, [class_id]).subquery()
        current = select(in_class.c.household_id)
    else:
        current = (
            select(household_pupils.c.household_id)
            .join(Pupil, Pupil.id == household_pupils.c.pupil_id)
            .where(at_school(day))
        )
    return select(Household.id).where(
        Household.id.in_(visible_household_ids(user)),
        Household.anonymised_at.is_(None),
        Household.id.in_(current),
    )


def less_visible(
    user: User, *, signal: str | None = None, class_id: int | None = None, sort: str = "personal",
    without_plan: bool = False, page: int = 1, today: dt.date | None = None,
) -> LessVisible:
    """The flagged families in `user`'s reach, with reasons and counts (a fixed number of queries)."""
    today = today or schoolyear.today()
    thresholds = load_thresholds()
    ids = families_in_reach(user, class_id, today)
    summaries = summaries_for(ids, today, thresholds.recent_days)
    flagged = {hid: found for hid, s in summaries.items() if (found := evaluate(s, thresholds))}

    # Follow-ups, names and children: only for the flagged families (children only for the page shown).
    plans: dict[int, tuple[int, int]] = {
        row.household_id: (int(row.open), int(row.overdue))
        for row in db.session.execute(
            select(
                FollowUp.household_id,
                func.count().label("open"),
                func.coalesce(func.sum(
                    case((and_(FollowUp.due_on.is_not(None), FollowUp.due_on < today), 1), else_=0)
                ), 0).label("overdue"),
            )
            .where(FollowUp.status.in_(OPEN_STATUSES), _among(FollowUp.household_id, flagged))
            .group_by(FollowUp.household_id)
        )
        if row.household_id in flagged
    }
    counts = dict.fromkeys(CODES, 0)
    for found in flagged.values():
        for s in found:
            counts[s.code] += 1
    names = {
        hid: name for hid, name in db.session.execute(
            select(Household.id, Household.display_name).where(_among(Household.id, flagged))
        ) if hid in flagged
    }
    rows = [
        FamilyRow(
            id=hid, name=names.get(hid, ""), summary=summaries[hid], signals=found,
            open_follow_ups=plans.get(hid, (0, 0))[0], overdue_follow_ups=plans.get(hid, (0, 0))[1],
        )
        for hid, found in flagged.items()
    ]
    without = sum(1 for r in rows if not r.has_plan)
    if signal in CODES:
        rows = [r for r in rows if any(s.code == signal for s in r.signals)]
    if without_plan:
        rows = [r for r in rows if not r.has_plan]
    if sort == "name":
        rows.sort(key=lambda r: (r.name.lower(), r.id))
    else:
        # Longest without a personal conversation first; never (None) before everything.
        rows.sort(key=lambda r: (-(r.summary.days_since_personal if r.summary.last_personal else 10**6),
                                 r.name.lower(), r.id))
    page = max(1, page)
    shown = len(rows)
    start = (page - 1) * LIST_PAGE_SIZE
    page_rows = rows[start:start + LIST_PAGE_SIZE]
    by_id = {r.id: r for r in page_rows}
    if by_id:
        for row in db.session.execute(
            select(household_pupils.c.household_id, Pupil.first_name, SchoolClass.name)
            .join(Pupil, Pupil.id == household_pupils.c.pupil_id)
            .outerjoin(Enrolment, and_(Enrolment.pupil_id == Pupil.id, in_force(today)))
            .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(household_pupils.c.household_id.in_(sorted(by_id)), at_school(today))
            .order_by(Pupil.first_name)
        ):
            by_id[row.household_id].children.append((row.first_name, row.name))
    return LessVisible(
        rows=page_rows, families=len(summaries), flagged=len(flagged),
        without_plan=without, shown=shown, counts=counts, page=page, per_page=LIST_PAGE_SIZE,
    )


def _among(column, ids: Mapping[int, object] | set[int]):
    """WHERE column IN ids — or, for many ids, no filter (the caller keeps the wanted rows)."""
    return column.is_not(None) if len(ids) > MANY else column.in_(sorted(ids))


def class_choices(user: User) -> list[SchoolClass]:
    """The classes a user may filter on: a teacher's own, everyone else all of this school year."""
    year = current_school_year()
    if year is None:
        return []
    stmt = select(SchoolClass).where(SchoolClass.school_year_id == year.id)
    if not sees_all_families(user):
        mine = select(class_teachers.c.class_id).where(class_teachers.c.user_id == user.id)
        stmt = stmt.where(SchoolClass.id.in_(mine))
    return list(db.session.scalars(stmt.order_by(SchoolClass.sort_order, SchoolClass.name)))


# --- follow-ups ---------------------------------------------------------------


def _follow_up_query():
    return select(FollowUp).options(
        selectinload(FollowUp.household), selectinload(FollowUp.owner), selectinload(FollowUp.entrusted_by),
        selectinload(FollowUp.closed_by_moment).selectinload(ContactMoment.form),
    )


def my_follow_ups(user: User) -> list[FollowUp]:
    """The user's own open follow-ups, the earliest due (overdue) first."""
    return list(db.session.scalars(
        _follow_up_query()
        .join(Household, Household.id == FollowUp.household_id)
        .where(FollowUp.owner_id == user.id, FollowUp.status.in_(OPEN_STATUSES))
        .where(Household.anonymised_at.is_(None))
        .order_by(FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)
    ))


def my_recently_closed(user: User, limit: int = 10) -> list[FollowUp]:
    return list(db.session.scalars(
        _follow_up_query()
        .join(Household, Household.id == FollowUp.household_id)
        .where(FollowUp.owner_id == user.id, FollowUp.status.not_in(OPEN_STATUSES),
               Household.anonymised_at.is_(None))
        .order_by(FollowUp.closed_at.desc(), FollowUp.id.desc())
        .limit(limit)
    ))


def others_open_follow_ups(user: User) -> list[FollowUp]:
    """Open follow-ups of colleagues, for those who see all families and read contacts (not the admin)."""
    if not sees_all_families(user) or not reads_contacts(user):
        return []
    return list(db.session.scalars(
        _follow_up_query()
        .join(Household, Household.id == FollowUp.household_id)
        .where(FollowUp.status.in_(OPEN_STATUSES), Household.anonymised_at.is_(None),
               (FollowUp.owner_id != user.id) | FollowUp.owner_id.is_(None))
        .order_by(FollowUp.due_on.is_(None), FollowUp.due_on, FollowUp.id)
    ))


def follow_up_or_404(follow_up_id: int, user: User) -> FollowUp:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        abort(404)
    get_household_or_404(follow_up.household_id, user)
    return follow_up


@dataclass(frozen=True)
class Owners:
    """Whom a user may make the owner of one family's follow-up."""

    choices: list[User]
    seeing: frozenset[int]  # the ids of those who see the family already, without this follow-up

    def entrusts(self, owner: User) -> bool:
        """Whether making `owner` the owner gives them the family (care's or the director's decision)."""
        return owner.id not in self.seeing


def owner_choices(household: Household, user: User, current: User | None = None) -> Owners:
    """Who `user` may make the owner of a follow-up of `household`: active teachers, care staff and
    directors. A teacher chooses herself or a colleague who already sees the family; care and the
    director anybody (a teacher outside the family's reach is then entrusted with it). `current`, the
    follow-up's owner now, stays a choice until it is changed (also when deactivated)."""
    colleagues = list(db.session.scalars(
        select(User).where(User.active.is_(True), User.role.in_(FOLLOW_UP_ROLES)).order_by(User.name)
    ))
    seeing = who_sees(household.id, colleagues) | {user.id}
    choices = colleagues if may_entrust(user) else [c for c in colleagues if c.id in seeing]
    if current is not None and current not in choices:
        choices.append(current)
        seeing.add(current.id)  # keeping the owner it has is no new decision
    return Owners(choices=choices, seeing=frozenset(seeing))


def is_overdue(follow_up: FollowUp, today: dt.date | None = None) -> bool:
    today = today or schoolyear.today()
    return follow_up.status.is_open and follow_up.due_on is not None and follow_up.due_on < today


# --- the family page ------------------------------------------------------------


@dataclass
class GridCell:
    quadrant: Quadrant
    reached: int
    last_on: dt.date | None
    family_started: int


@dataclass
class TimelinePage:
    moments: list[ContactMoment]
    total: int
    page: int
    quadrant: Quadrant | None
    broadcasts: list = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // TIMELINE_PAGE_SIZE))


def grid_rows(summary: FamilySummary) -> list[tuple[object, list[GridCell]]]:
    """The 2x2 grid as rows (oral, written) of cells (informal, formal)."""
    rows = []
    for mode in GRID_ROWS:
        cells = []
        for formality in GRID_COLUMNS:
            q = Quadrant.of(formality, mode)
            stats = summary.quadrants[q]
            cells.append(GridCell(q, stats.reached, stats.last_reached_on, stats.family_started))
        rows.append((mode, cells))
    return rows



def parse_quadrant(value: str | None) -> Quadrant | None:
    try:
        return Quadrant(value) if value else None
    except ValueError:
        return None


def timeline(household: Household, *, quadrant: Quadrant | None = None, page: int = 1,
             today: dt.date | None = None) -> TimelinePage:
    """The family's contact moments, newest first (removed ones left out), one page."""
    stmt = (
        select(ContactMoment)
        .join(ContactForm, ContactForm.id == ContactMoment.form_id)
        .where(ContactMoment.household_id == household.id, ContactMoment.removed_at.is_(None))
    )
    if quadrant is not None:
        stmt = stmt.where(ContactForm.quadrant == quadrant)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // TIMELINE_PAGE_SIZE))
    page = min(max(1, page), pages)
    moments = list(db.session.scalars(
        stmt.options(
            selectinload(ContactMoment.form), selectinload(ContactMoment.logged_by),
            selectinload(ContactMoment.caregiver), selectinload(ContactMoment.pupil),
            selectinload(ContactMoment.group),
        )
        .order_by(ContactMoment.occurred_on.desc(), ContactMoment.id.desc())
        .limit(TIMELINE_PAGE_SIZE)
        .offset((page - 1) * TIMELINE_PAGE_SIZE)
    ))
    broadcasts = []
    if page == 1:
        broadcasts = _broadcasts(household, quadrant, today or schoolyear.today())
    return TimelinePage(moments, total, page, quadrant, broadcasts)


def _broadcasts(household: Household, quadrant: Quadrant | None, today: dt.date) -> list:
    """Broadcasts that went to this family this school year (shown, never counted)."""
    found = contact_queries.broadcasts_for_household(household.id, schoolyear.span_for(today).start, today)
    if quadrant is not None:
        found = [b for b in found if b.form.quadrant is quadrant]
    return found


def other_households(household: Household, user: User) -> dict[int, list[Household]]:
    """Per child of this household, the other households that child lives in (within the user's reach)."""
    pupil_ids = [p.id for p in household.pupils]
    if not pupil_ids:
        return {}
    rows = db.session.execute(
        select(household_pupils.c.pupil_id, Household)
        .join(Household, Household.id == household_pupils.c.household_id)
        .where(
            household_pupils.c.pupil_id.in_(pupil_ids),
            Household.id != household.id,
            Household.id.in_(visible_household_ids(user)),
            Household.anonymised_at.is_(None),
        )
        .order_by(Household.display_name)
    ).all()
    out: dict[int, list[Household]] = {}
    for pupil_id, other in rows:
        out.setdefault(pupil_id, []).append(other)
    return out


def family_follow_ups(household: Household) -> list[FollowUp]:
    """All follow-ups of the family: open ones first, then the closed ones, newest first."""
    rows = list(db.session.scalars(
        _follow_up_query().where(FollowUp.household_id == household.id).order_by(FollowUp.created_at.desc(),
                                                                                  FollowUp.id.desc())
    ))
    return sorted(rows, key=lambda f: not f.status.is_open)


@dataclass(frozen=True)
class Cleared:
    """Signals that the contacts of one day cleared: they fired the day before and no longer do."""

    on: dt.date
    moments: list[ContactMoment]
    signals: list[Signal]  # as they stood the day before


@dataclass
class FamilyReach:
    """What the school's contact with one family looks like this school year."""

    summary: FamilySummary
    signals: list[Signal]
    suggestions: list[Suggestion]
    grid: list
    follow_ups: list[FollowUp]
    cleared: Cleared | None = None
    start_period_ends: dt.date | None = None

    @property
    def standing(self) -> str:
        """What the school can truly say: signals, no contact yet, no personal contact yet, going well."""
        return standing(self.summary, self.signals)

    @property
    def open_follow_ups(self) -> list[FollowUp]:
        return [f for f in self.follow_ups if f.status.is_open]

    @property
    def signal_codes(self) -> set[str]:
        return {s.code for s in self.signals}


def family_reach(household: Household, today: dt.date | None = None) -> FamilyReach:
    today = today or schoolyear.today()
    thresholds = load_thresholds()
    summary = summaries_for([household.id], today, thresholds.recent_days)[household.id]
    found = evaluate(summary, thresholds)
    return FamilyReach(
        summary=summary, signals=found, suggestions=suggest(summary, found), grid=grid_rows(summary),
        follow_ups=family_follow_ups(household), cleared=cleared_by_last_contact(summary, found, thresholds),
        start_period_ends=start_period_ends(summary, thresholds),
    )


def cleared_by_last_contact(summary: FamilySummary, now: list[Signal], thresholds: Thresholds
                            ) -> Cleared | None:
    """The signals the latest day of contact cleared, with that day's contacts (DOMAIN.md: the family
    page shows which contact cleared a signal, also when no follow-up was waiting for it).

    The family as it stood the evening before (its summary on day D-1 with a window one day shorter, so
    both windows start on the same day) against the family with day D's contacts: what fired then and
    fires neither on D nor today was cleared by D's contacts. Time alone only makes signals fire (a
    start period ends, a rhythm runs late), so the difference is the contacts.
    """
    last = summary.last_contact
    if last is None or last.on <= summary.year.start:
        return None
    day = last.on
    household_id = summary.household_id
    points = [(day - dt.timedelta(days=1), summary.recent_days - 1)]
    if day != summary.today:
        points.append((day, summary.recent_days))
    on_the_eve, *on_the_day = summaries_as_of(summary, points)
    before = evaluate(on_the_eve, thresholds)
    if not before:
        return None
    after = evaluate(on_the_day[0], thresholds) if on_the_day else now
    still = {s.code for s in after} | {s.code for s in now}
    gone = [s for s in before if s.code not in still]
    if not gone:
        return None
    m = ContactMoment
    moments = db.session.scalars(
        counted_moments([household_id], summary.year, day).add_columns(m)
        .where(m.occurred_on == day, m.reach.in_(REACHED))
        .options(selectinload(m.form))
        .order_by(m.id)
    ).all()
    return Cleared(on=day, moments=list(moments), signals=gone)


def family_page(household: Household, user: User, args: Mapping) -> dict:
    """Everything the family page shows (templates/visibility/family.html)."""
    today = schoolyear.today()
    quadrant = parse_quadrant(args.get("quadrant"))
    try:
        page = int(args.get("page", 1))
    except (TypeError, ValueError):
        page = 1
    contacts = reads_contacts(user)  # the admin: the family's details, none of its contacts
    return {
        "household": household,
        "reach": family_reach(household, today) if contacts else None,
        "timeline": timeline(household, quadrant=quadrant, page=page, today=today) if contacts else None,
        "other_households": other_households(household, user),
        "can_read_note": lambda moment: may_read_note(user, moment),
        "can_correct": lambda moment: may_correct(user, moment),
        "may_plan": user.role in FOLLOW_UP_ROLES,
        "is_overdue": is_overdue,
        "quadrants": list(Quadrant),
        "signal_title": lambda code: str(SIGNAL_TITLES.get(code, code)),
        "today": today,
    }
