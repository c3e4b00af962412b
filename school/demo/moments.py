"""Contact moments per family: the calendar, everyday rates and agreed rhythms, and their bulk insert.

`make_spec` gives every moment the everyday mix of initiative, reach, tone, mediator, logger and
note; the rates and rules per form come from data/contacts.toml.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert

from school.accounts.models import User
from school.contacts.models import ContactMoment, Initiative, Reach, Tone
from school.demo.data import (
    CONCERN_NOTES,
    CONFIDENTIAL_NOTE,
    CONFIDENTIAL_SHARE,
    FORM_RULES,
    INFORMAL_RATE_FORMS,
    INTERPRETER_LANGUAGES,
    KLEUTER_FORMS,
    MISSED_NOTES,
    NO_CAREGIVER_FORMS,
    NOTE_SHARE,
    NOTES,
    PARENT_MEETING_WEEKS,
    POSITIVE_NOTES,
    RATES,
    REPORT_DATES,
    FormRule,
)
from school.demo.days import next_school_day, school_day_on_or_before, spread, stamp
from school.demo.drafts import (
    AgreementPlan,
    CaregiverDraft,
    ChildDraft,
    Ctx,
    HouseholdDraft,
    Spec,
    YearCtx,
    youngest,
)
from school.demo.draws import poisson_like
from school.demo.staff import level_of
from school.extensions import db
from school.families.models import IntakeStatus, Level
from school.grid import Mediator


def household_moments(ctx: Ctx, hh: HouseholdDraft) -> list[Spec]:
    specs: list[Spec] = []
    if hh.intake_on and hh.intake_status is not IntakeStatus.NONE and ctx.prev.span.start <= hh.intake_on:
        youngest = min(hh.children, key=lambda c: c.grade)
        specs.append(make_spec(ctx, hh, ctx.cur if hh.intake_on >= ctx.cur.span.start else ctx.prev,
                           "enrolment_interview", hh.intake_on, youngest, reach=Reach.TWO_WAY))
    for year in ctx.years:
        present = [c for c in hh.children if year.class_of(hh, c)]
        start = max(year.span.start, hh.join_day)
        if not present or start > year.end:
            continue
        specs += _calendar_moments(ctx, hh, year, present, start)
        specs += _rate_moments(ctx, hh, year, present, start)
        specs += _agreement_moments(ctx, hh, year, present, start)
    return specs


def _calendar_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                      start: dt.date) -> list[Spec]:
    """Reports, parent meetings, start conversations, KOM conversations."""
    rng, specs = ctx.rng, []
    for child in present:
        level = level_of(year.class_of(hh, child))
        for offset, month, day in REPORT_DATES[level]:
            when = school_day_on_or_before(year.at(offset, month, day))
            if start <= when <= year.end:
                specs.append(make_spec(ctx, hh, year, "report", when, child))
        for offset, month, day in PARENT_MEETING_WEEKS[level]:
            week = year.days_between(year.at(offset, month, day), year.at(offset, month, day + 4))
            if week and start <= week[0]:
                missed = 0.03 if hh.has_agreement("parent_meeting") else None
                day_of_meeting = rng.choice(week)
                specs.append(make_spec(ctx, hh, year, "parent_meeting", day_of_meeting, child, missed=missed))
        if child.grade - (0 if year.current else 1) >= 7 and rng.random() < 0.5:  # L5 and L6
            days = year.days_between(max(start, year.at(1, 2, 1)), year.at(1, 3, 20))
            if days:
                specs.append(make_spec(ctx, hh, year, "kom_conversation", rng.choice(days), child))
    september = year.days_between(max(start, year.span.start), year.at(0, 9, 25))
    if september and rng.random() < 0.35 and hh.newcomer != "arrived":
        specs.append(make_spec(ctx, hh, year, "start_conversation", rng.choice(september), youngest(present)))
    return specs


def _rate_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                  start: dt.date) -> list[Spec]:
    """Everyday contacts, spread over the school days the family was at school."""
    rng, specs = ctx.rng, []
    days = year.days_between(start, year.end)
    if not days:
        return specs
    share = len(days) / year.full_days
    kleuter = any(level_of(year.class_of(hh, c)) is Level.KLEUTER for c in present)
    for form, (with_kleuter, lager_only) in RATES.items():
        if any(a.form == form and a.every_days for a in hh.agreements):
            continue  # an agreed rhythm drives this form instead
        rate = (with_kleuter if kleuter else lager_only) * share
        if form in INFORMAL_RATE_FORMS:
            rate *= hh.engagement
        if form == "helping_in_class" and hh.help_offer:
            rate *= 4
        if form == "home_visit" and hh.interpreter:
            rate *= 8
        for day in spread(rng, days, poisson_like(rng, rate)):
            child = _child_for(rng, hh, year, present, form)
            specs.append(make_spec(ctx, hh, year, form, day, child))
    return specs


def _agreement_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                       start: dt.date) -> list[Spec]:
    """What was agreed mostly happens: every n days, before each report, once a year."""
    rng, specs = ctx.rng, []
    for plan in hh.agreements:
        begin = max(start, hh.intake_on or start)
        if plan.every_days:
            specs += _rhythm(ctx, hh, year, present, plan, begin)
        elif plan.occasion == "voor elk rapport":
            for offset, month, day_of_month in REPORT_DATES[Level.LAGER]:
                before = year.days_between(year.at(offset, month, day_of_month) - dt.timedelta(days=9),
                                           year.at(offset, month, day_of_month) - dt.timedelta(days=2))
                if before and begin <= before[0] and rng.random() < 0.85:
                    specs.append(make_spec(ctx, hh, year, plan.form, rng.choice(before), youngest(present)))
        elif plan.occasion == "eenmaal per schooljaar":
            autumn = year.days_between(max(begin, year.at(0, 10, 1)), year.at(0, 11, 30))
            if autumn:
                specs.append(make_spec(ctx, hh, year, plan.form, rng.choice(autumn), youngest(present)))
    return specs


def _rhythm(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft], plan: AgreementPlan,
            begin: dt.date) -> list[Spec]:
    """Every n days, give or take; this year the rhythm is kept up to today."""
    rng, specs = ctx.rng, []
    every = plan.every_days or 14
    day = begin + dt.timedelta(days=rng.randrange(every))
    while day <= year.end:
        school_day = next_school_day(year, day)
        if school_day and rng.random() < 0.88:
            child = _child_for(rng, hh, year, present, plan.form)
            specs.append(make_spec(ctx, hh, year, plan.form, school_day, child))
        day += dt.timedelta(days=every + rng.randint(-3, 3))
    last = max((s.day for s in specs if s.reach is not Reach.NOT_REACHED), default=None)
    lately = year.days_between(year.end - dt.timedelta(days=every - 1), year.end)
    if year.current and lately and (last is None or last < lately[0]):
        child = _child_for(rng, hh, year, present, plan.form)
        reach = reached_by(ctx, plan.form)
        specs.append(make_spec(ctx, hh, year, plan.form, rng.choice(lately), child, reach=reach))
    return specs


def reached_by(ctx: Ctx, form: str) -> Reach:
    return Reach.TWO_WAY if ctx.forms[form].quadrant.is_oral else Reach.ONE_WAY


def make_spec(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, form: str, day: dt.date, child: ChildDraft | None,
          *, reach: Reach | None = None, missed: float | None = None) -> Spec:
    """One moment with the everyday mix of initiative, reach, tone, mediator and note."""
    rng, rule = ctx.rng, FORM_RULES[form]
    oral = ctx.forms[form].quadrant.is_oral
    family = reach is None and rng.random() < rule.family_share
    if reach is None:
        reach = _reach(rng, rule, oral, family, missed)
    tone = _tone(rng, form) if reach is not Reach.NOT_REACHED else Tone.NEUTRAL
    caregiver = None if form in NO_CAREGIVER_FORMS else _caregiver(rng, hh)
    reached_orally = oral and reach is not Reach.NOT_REACHED
    formal = ctx.forms[form].quadrant.is_formal
    mediator = _mediator(rng, hh, caregiver, formal) if reached_orally else Mediator.NONE
    spec = Spec(
        hh=hh, form=form, day=day, child=child, caregiver=caregiver,
        initiative=Initiative.FAMILY if family else Initiative.SCHOOL, reach=reach, tone=tone,
        mediator=mediator, logged_by=_logger(ctx, hh, year, rule, child, family, mediator),
    )
    _add_note(rng, spec, oral)
    return spec


def _reach(rng: random.Random, rule: FormRule, oral: bool, family: bool, missed: float | None) -> Reach:
    if family:
        return Reach.TWO_WAY if oral else Reach.ONE_WAY
    if oral:
        return Reach.NOT_REACHED if rng.random() < (rule.missed_share if missed is None else missed) \
            else Reach.TWO_WAY
    return Reach.TWO_WAY if rng.random() < rule.reply_share else Reach.ONE_WAY


def _tone(rng: random.Random, form: str) -> Tone:
    if form in ("reminder_sms", "official_letter", "enrolment_interview"):
        return Tone.NEUTRAL
    roll = rng.random()
    return Tone.POSITIVE if roll < 0.2 else Tone.CONCERN if roll < 0.3 else Tone.NEUTRAL


def _caregiver(rng: random.Random, hh: HouseholdDraft) -> CaregiverDraft:
    weights = (0.55, 0.4, 0.05)[: len(hh.caregivers)]
    return rng.choices(hh.caregivers, weights=weights)[0]


def _mediator(rng: random.Random, hh: HouseholdDraft, caregiver: CaregiverDraft | None,
              formal: bool) -> Mediator:
    """Interpreter families mostly with a professional interpreter for formal talks."""
    roll = rng.random()
    if hh.interpreter:
        if formal:
            return (Mediator.PROFESSIONAL_INTERPRETER if roll < 0.7 else Mediator.BRIDGE_FIGURE if roll < 0.8
                    else Mediator.INFORMAL_INTERPRETER if roll < 0.9 else Mediator.NONE)
        return (Mediator.INFORMAL_INTERPRETER if roll < 0.35 else Mediator.CHILD if roll < 0.45
                else Mediator.BRIDGE_FIGURE if roll < 0.55 else Mediator.NONE)
    if caregiver and caregiver.language in INTERPRETER_LANGUAGES and roll < 0.3:
        return Mediator.INFORMAL_INTERPRETER
    if hh.language in INTERPRETER_LANGUAGES:
        return Mediator.INFORMAL_INTERPRETER if roll < 0.1 else Mediator.BRIDGE_FIGURE if roll < 0.15 \
            else Mediator.NONE
    return Mediator.NONE


def _logger(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, rule: FormRule, child: ChildDraft | None,
            family: bool, mediator: Mediator) -> User:
    rng, staff = ctx.rng, ctx.staff
    class_name = (year.class_of(hh, child) if child else None) or youngest(hh.children).class_name
    teacher = ctx.titularis[class_name]
    if mediator is Mediator.BRIDGE_FIGURE:
        return staff["bridge"]
    match rule.logger:
        case "reception" | "care" | "director" | "bridge":
            return staff[rule.logger]
        case "office":
            return staff["reception"] if rng.random() < 0.5 else staff["director"]
        case "teacher_or_reception":
            return staff["reception"] if family and rng.random() < 0.5 else teacher
        case "teacher_or_care":
            return staff["care"] if rng.random() < 0.35 else teacher
        case "teacher_mostly":
            roll = rng.random()
            return staff["director"] if roll < 0.08 else staff["care"] if roll < 0.15 else teacher
    return teacher


def _add_note(rng: random.Random, spec: Spec, oral: bool) -> None:
    if oral and rng.random() < CONFIDENTIAL_SHARE and spec.reach is Reach.TWO_WAY:
        spec.note, spec.confidential = CONFIDENTIAL_NOTE, True
        return
    if rng.random() >= NOTE_SHARE:
        return
    if spec.reach is Reach.NOT_REACHED:
        spec.note = rng.choice(MISSED_NOTES)
    elif spec.tone is Tone.CONCERN:
        spec.note = rng.choice(CONCERN_NOTES)
    elif spec.tone is Tone.POSITIVE and oral:
        spec.note = rng.choice(POSITIVE_NOTES)
    elif spec.form in NOTES:
        spec.note = rng.choice(NOTES[spec.form])


def _child_for(rng: random.Random, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
               form: str) -> ChildDraft:
    if form in KLEUTER_FORMS:
        kleuters = [c for c in present if level_of(year.class_of(hh, c)) is Level.KLEUTER]
        if kleuters:
            return rng.choice(kleuters)
    return rng.choice(present)




def insert_moments(ctx: Ctx, specs: list[Spec]) -> None:
    """Bulk insert, oldest first, each with its own submission token."""
    specs = [s for s in specs if ctx.prev.span.start <= s.day <= ctx.today]  # never in the future
    specs.sort(key=lambda s: (s.day, s.hh.key, s.form))
    rows = []
    for n, spec in enumerate(specs, start=1):
        spec.token = f"demo-{n}"
        created = stamp(spec.day, hour=15, minute=n % 60)
        rows.append({
            "household_id": spec.hh.row.id,
            "pupil_id": spec.child.row.id if spec.child and spec.child.row else None,
            "caregiver_id": spec.caregiver.row.id if spec.caregiver and spec.caregiver.row else None,
            "form_id": ctx.forms[spec.form].id,
            "occurred_on": spec.day,
            "initiative": spec.initiative,
            "reach": spec.reach,
            "tone": spec.tone,
            "mediator": spec.mediator,
            "note": spec.note,
            "confidential": spec.confidential,
            "group_id": spec.group.id if spec.group else None,
            "logged_by_id": spec.logged_by.id if spec.logged_by else None,
            "submission_token": spec.token,
            "created_at": created,
            "updated_at": created,
            "version": 1,
        })
    db.session.execute(insert(ContactMoment), rows)
