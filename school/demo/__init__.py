"""The demo school "Basisschool De Linde", loaded by `flask seed-demo`.

A Flemish city primary school: twelve classes, about 250 families and 330
pupils, staff accounts for every role, and two school years of contact moments
with the skew real schools have (much formal written contact, less oral, less
informal). A few families in each of the ways DOMAIN.md lists are deliberately
left "less visible", so the flags, lists and follow-ups have something to show.

Deterministic (one seeded random.Random, never the global one) and idempotent:
`seed()` does nothing when the demo admin or the "demo_school" setting exists.
Everything is added in one transaction and committed at the end.

Privacy rules hold for the demo too: the name pools only make names and a
plausible language for contact; nothing about origin, religion, health, debts
or parenting is stored, and every note is short, neutral and factual.

Where things are:
- `data/*.toml`: the tables (staff, classes, name pools, household shapes,
  rates and rules per contact form, notes, calendar, less-visible signals);
  `data.py` reads them into typed constants.
- `drafts.py`: the working structures (families and moments before they are rows).
- `staff.py`: staff accounts, school years and classes; `households.py` and
  `families.py`: the households and children, their intake and agreements;
  `moments.py` and `groups.py`: contact moments and group activities;
  `less_visible.py`: the families each signal gets; `follow_ups.py`: follow-ups.
- `days.py` and `draws.py`: the calendar and the random draws they share.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select

from school import schoolyear
from school.accounts.models import User
from school.demo.data import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    DEMO_URL,
    LOGIN_TEACHER_CLASS,
    MARKER_KEY,
    POOLS,
    RANDOM_SEED,
    SCHOOL_NAME,
    STAFF,
    STAFF_DOMAIN,
)
from school.demo.drafts import Ctx, HouseholdDraft
from school.demo.families import create_families, decide_contact_profiles, plan_agreements, plan_intakes
from school.demo.follow_ups import create_follow_ups, resolved_case
from school.demo.groups import group_contacts
from school.demo.households import draft_households, draft_leavers, mark_newcomers, place_children
from school.demo.less_visible import choose_less_visible, shape_less_visible
from school.demo.moments import household_moments, insert_moments
from school.demo.staff import login_teacher_name, make_context, staff_email
from school.extensions import db
from school.families.models import Household
from school.policy import Role
from school.settings import Setting

__all__ = [
    "ADMIN_EMAIL",
    "DEMO_PASSWORD",
    "DEMO_URL",
    "LOGIN_TEACHER_CLASS",
    "MARKER_KEY",
    "POOLS",
    "SCHOOL_NAME",
    "STAFF_DOMAIN",
    "is_loaded",
    "login_teacher_name",
    "print_logins",
    "seed",
    "staff_email",
]

# The names the test suites have long used for these two.
_staff_email = staff_email
_login_teacher_name = login_teacher_name


def seed() -> bool:
    """Load the demo school into an empty database; False (and no change) otherwise."""
    if not _database_is_empty():
        return False
    try:
        _build(random.Random(RANDOM_SEED), schoolyear.today())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def print_logins(echo: Callable[[str], object]) -> None:
    """A short block with the URL and one login per role."""
    teacher = login_teacher_name()
    rows = [(s.role.value, s.email, s.title) for s in STAFF]
    rows.append((Role.TEACHER.value, staff_email(teacher), f"klas {LOGIN_TEACHER_CLASS}"))
    echo(f"{SCHOOL_NAME} (demo) — {DEMO_URL}")
    for role, email, what in rows:
        echo(f"  {role:<10} {email:<32} {DEMO_PASSWORD}   {what}")


def is_loaded() -> bool:
    """Whether this database holds the demo school."""
    return db.session.get(Setting, MARKER_KEY) is not None


def _database_is_empty() -> bool:
    """No staff and no families yet: a real school's data is never mixed with the demo."""
    has_user = db.session.scalar(select(User.id).limit(1)) is not None
    has_family = db.session.scalar(select(Household.id).limit(1)) is not None
    return not (has_user or has_family or is_loaded())


def _build(rng: random.Random, today: dt.date) -> None:
    """Every step in the order that keeps the seeded random draws (and so the school) the same."""
    ctx = make_context(rng, today)
    drafts = draft_households(rng)
    place_children(rng, drafts, ctx)
    mark_newcomers(rng, drafts)
    decide_contact_profiles(rng, drafts)
    reasons = choose_less_visible(rng, drafts)
    plan_intakes(ctx, drafts)
    plan_agreements(rng, drafts)
    leavers_ctx, leavers = _last_years_sixth_graders(ctx, first_key=len(drafts))
    create_families(ctx, drafts + leavers)

    specs = [s for hh in drafts for s in household_moments(ctx, hh)]
    specs += group_contacts(ctx, drafts)
    specs = shape_less_visible(ctx, specs)
    done_case = resolved_case(ctx, drafts, specs)
    specs += [s for hh in leavers for s in household_moments(leavers_ctx, hh)]
    insert_moments(ctx, specs)
    create_follow_ups(ctx, reasons, done_case)
    _mark_loaded(today, reasons)


def _last_years_sixth_graders(ctx: Ctx, first_key: int) -> tuple[Ctx, list[HouseholdDraft]]:
    """The families of last year's sixth grade, who left on 1 September (school.demo.households
    .draft_leavers), with their own random stream: the rest of the school is drawn as before."""
    own = replace(ctx, rng=random.Random(RANDOM_SEED + 1))
    leavers = draft_leavers(own.rng, own, first_key)
    decide_contact_profiles(own.rng, leavers)
    plan_intakes(own, leavers)
    plan_agreements(own.rng, leavers)
    return own, leavers


def _mark_loaded(today: dt.date, reasons: dict[str, list[HouseholdDraft]]) -> None:
    """The marker setting: that the demo is here, and which families each signal was given."""
    db.session.add(Setting(key=MARKER_KEY, value={
        "school": SCHOOL_NAME,
        "seeded_for": today.isoformat(),
        "login_teacher": staff_email(login_teacher_name()),
        "less_visible": {reason: [hh.row.id for hh in hhs] for reason, hhs in reasons.items()},
    }))
