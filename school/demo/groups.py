"""Group activities with attendance (info evenings, the school party, parents' cafés) and broadcasts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from school.accounts.models import User
from school.contacts.models import GroupContact, Reach
from school.demo.data import CLASSES, LETTERS_TO_ALL, MONTHS_NL, PARENT_CAFES
from school.demo.days import chunks, school_day_on_or_before, stamp, third_saturday
from school.demo.drafts import ChildDraft, Ctx, HouseholdDraft, Spec, YearCtx
from school.demo.moments import make_spec
from school.extensions import db
from school.families.models import Level

# Makes one GroupContact: (year, form code, day, class name or None for the school, title, logged by).
GroupMaker = Callable[[YearCtx, str, dt.date, "str | None", str, User], GroupContact]


def group_contacts(ctx: Ctx, drafts: list[HouseholdDraft]) -> list[Spec]:
    """Info evenings, the school party and parents' cafés (with attendance); broadcasts (without)."""
    counter = iter(range(1, 100_000))
    groups: list[GroupContact] = []
    specs: list[Spec] = []

    def group(year: YearCtx, form: str, day: dt.date, class_name: str | None, title: str,
              logged_by: User) -> GroupContact:
        row = GroupContact(
            form=ctx.forms[form], school_class=year.classes[class_name] if class_name else None,
            occurred_on=day, title=title, logged_by=logged_by,
            submission_token=f"demo-group-{next(counter)}", created_at=stamp(day),
        )
        groups.append(row)
        return row

    for year in ctx.years:
        specs += _info_evenings(ctx, year, drafts, group)
        specs += _school_activities(ctx, year, drafts, group)
        _broadcasts(ctx, year, group)
    db.session.add_all(groups)
    db.session.flush()
    return specs


def _info_evenings(ctx: Ctx, year: YearCtx, drafts: list[HouseholdDraft], group: GroupMaker) -> list[Spec]:
    rng, specs = ctx.rng, []
    for i, plan in enumerate(CLASSES):
        days = year.days_between(year.at(0, 9, 8), year.at(0, 9, 19))
        if not days:
            continue
        day = days[i % len(days)]
        invited = [(hh, c) for hh in drafts for c in hh.children
                   if year.class_of(hh, c) == plan.name and hh.join_day <= day]
        if not invited:
            continue
        teacher = ctx.titularis[plan.name]
        evening = group(year, "info_evening", day, plan.name, f"Infoavond {plan.name}", teacher)
        for hh, child in invited:
            roll = rng.random() / hh.engagement
            if roll < 0.7:
                specs.append(_attendance(ctx, hh, year, evening, child, came=True))
            elif roll < 0.9:
                specs.append(_attendance(ctx, hh, year, evening, child, came=False))
    return specs


def _school_activities(ctx: Ctx, year: YearCtx, drafts: list[HouseholdDraft], group: GroupMaker
                       ) -> list[Spec]:
    rng, specs = ctx.rng, []
    party_day = third_saturday(year.span.start.year + 1, 5)
    if party_day <= year.end:
        party = group(year, "school_party", party_day, None, "Schoolfeest", ctx.staff["director"])
        for hh in drafts:
            if hh.join_day <= party_day and any(year.class_of(hh, c) for c in hh.children) \
                    and rng.random() < 0.55 * hh.engagement:
                specs.append(_attendance(ctx, hh, year, party, None, came=True))
    for offset, month, day in PARENT_CAFES:
        when = school_day_on_or_before(year.at(offset, month, day))
        if not (year.span.start <= when <= year.end):
            continue
        cafe = group(year, "parent_cafe", when, None, "Oudercafé", ctx.staff["bridge"])
        present = [hh for hh in drafts
                   if hh.join_day <= when and any(year.class_of(hh, c) for c in hh.children)]
        for hh in rng.sample(present, k=min(len(present), rng.randint(6, 14))):
            specs.append(_attendance(ctx, hh, year, cafe, None, came=True))
    return specs


def _broadcasts(ctx: Ctx, year: YearCtx, group: GroupMaker) -> None:
    """Newsletters, letters and class chat posts: logged once, no per-family moments."""
    rng, director = ctx.rng, ctx.staff["director"]
    if year.days:
        group(year, "school_rules", year.days[0], None, "Schoolreglement en afsprakennota", director)
    for month in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6):
        offset = 0 if month >= 9 else 1
        firsts = year.days_between(year.at(offset, month, 1), year.at(offset, month, 10))
        if firsts:
            group(year, "newsletter", firsts[0], None, f"Nieuwsbrief {MONTHS_NL[month]}", director)
    for offset, month, day, title in LETTERS_TO_ALL:
        when = school_day_on_or_before(year.at(offset, month, day))
        if year.span.start <= when <= year.end:
            group(year, "letter_all", when, None, title, ctx.staff["reception"])
    for plan in CLASSES:
        teacher = ctx.titularis[plan.name]
        every = 7 if plan.level is Level.KLEUTER else 14
        for chunk in chunks(year.days, every * 5 // 7):
            group(year, "class_chat_group", rng.choice(chunk), plan.name, "Bericht in de klasgroep", teacher)
        if plan.level is Level.KLEUTER:
            for chunk in chunks(year.days, 20):
                group(year, "photos", rng.choice(chunk), plan.name, "Foto's van de klas", teacher)


def _attendance(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, row: GroupContact, child: ChildDraft | None,
                *, came: bool) -> Spec:
    form = row.form.code or ""
    spec = make_spec(ctx, hh, year, form, row.occurred_on, child,
                 reach=Reach.TWO_WAY if came else Reach.NOT_REACHED)
    spec.group = row
    spec.logged_by = row.logged_by
    if not came:
        spec.note = None
    return spec
