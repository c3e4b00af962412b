"""The families' contact profile, intake and agreements, and writing them (with their pupils) as rows."""

from __future__ import annotations

import datetime as dt
import random

from school.demo.data import (
    ABOUT_CHILD,
    CHANNELS,
    CONSENT_SHARE,
    CONTACT_NOTES,
    DRAFT_INTAKES,
    HELP_OFFERS,
    INTERPRETER_LANGUAGES,
    INTERPRETER_SHARE,
    NEEDS_FROM_SCHOOL,
    SEPARATED_NOTE,
    TIMES,
)
from school.demo.days import random_day, stamp
from school.demo.drafts import AgreementPlan, ChildDraft, Ctx, HouseholdDraft
from school.demo.draws import pick_some, tri
from school.extensions import db
from school.families.models import Caregiver, ContactAgreement, Enrolment, Household, IntakeStatus, Pupil

# One pupil changed class in January last year, between the two first-grade classes.
CLASS_CHANGE = ("L1A", "L1B")


def decide_contact_profiles(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    """Interpreter, written/digital, preferred channels and times, intake answers."""
    candidates = [hh for hh in drafts if hh.language in INTERPRETER_LANGUAGES]
    wanted = round(INTERPRETER_SHARE * len(drafts))
    for hh in rng.sample(candidates, k=min(wanted, len(candidates))):
        hh.interpreter = True
    for hh in drafts:
        other_language = hh.language not in ("nl", "fr", "en")
        hh.written_ok = tri(rng, (0.55, 0.30) if other_language or hh.interpreter else (0.92, 0.03))
        hh.digital_ok = tri(rng, (0.60, 0.25) if other_language else (0.82, 0.08))
        hh.channels = _preferred_channels(rng, hh)
        hh.times = pick_some(rng, TIMES, (4, 5, 2, 3, 0.5), rng.choice((1, 1, 2)))
        hh.about_child = rng.choice(ABOUT_CHILD) if rng.random() < 0.3 else None
        hh.needs = rng.choice(NEEDS_FROM_SCHOOL) if rng.random() < 0.25 else None
        hh.help_offer = rng.choice(HELP_OFFERS) if rng.random() < 0.2 else None
        hh.contact_note = rng.choice(CONTACT_NOTES) if rng.random() < 0.1 else None
        if hh.shape == "separated":
            hh.contact_note = SEPARATED_NOTE
        hh.consent = rng.random() < CONSENT_SHARE


def _preferred_channels(rng: random.Random, hh: HouseholdDraft) -> list[str]:
    kleuter = any(c.grade <= 2 for c in hh.children)
    digital, written = hh.digital_ok is not False, hh.written_ok is not False
    weights = {
        "gate": 8 if kleuter else 4, "phone_call": 5, "text_message": 2, "chat_app": 4 if digital else 0,
        "email": 3 if digital and written else 0, "letter": 2 if written else 0,
        "platform": 4 if digital and written else 0, "appointment": 1 if hh.interpreter or not written else 0,
    }
    return pick_some(rng, CHANNELS, [weights[c] for c in CHANNELS], rng.choice((1, 2, 2, 3)))


def plan_intakes(ctx: Ctx, drafts: list[HouseholdDraft]) -> None:
    rng, cur = ctx.rng, ctx.cur
    arrived = [hh for hh in drafts if hh.newcomer == "arrived"]
    for hh in drafts:
        if "no_agreement" in hh.reasons:  # known from the roster import only
            hh.intake_status, hh.intake_on, hh.consent = IntakeStatus.NONE, None, False
            hh.written_ok = hh.digital_ok = None
            hh.channels, hh.times = [], []
            hh.about_child = hh.needs = hh.help_offer = None
            hh.join_day = cur.span.start if hh.newcomer else ctx.prev.span.start
            continue
        if hh.newcomer == "arrived":
            days = cur.days_between(cur.span.start, cur.span.start + dt.timedelta(days=45))
            hh.intake_on = rng.choice(days or [cur.span.start])
            hh.join_day = hh.intake_on
        else:
            entry_year = cur.span.start.year - max(c.grade for c in hh.children)
            hh.intake_on = random_day(rng, dt.date(entry_year, 3, 1), dt.date(entry_year, 6, 26))
            hh.join_day = cur.span.start if hh.newcomer == "k1" else ctx.prev.span.start
    for hh in arrived[:DRAFT_INTAKES]:
        hh.intake_status = IntakeStatus.DRAFT


def plan_agreements(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    """Contact op maat, agreed at every completed intake (DOMAIN.md: the startgesprek).

    Families without an agreement are flagged by the no_agreement signal, so only
    the deliberate ones (no intake yet, or an intake saved part-way) go without.
    The rhythm-not-kept families agreed gate talks every two weeks.
    """
    for hh in drafts:
        if hh.intake_status is not IntakeStatus.DONE:
            continue
        if "rhythm_not_kept" in hh.reasons:
            hh.agreements.append(AgreementPlan("gate_conversation", every_days=14))
        else:
            hh.agreements += _agreement_choices(rng, hh)


def _agreement_choices(rng: random.Random, hh: HouseholdDraft) -> list[AgreementPlan]:
    kleuter = any(c.grade <= 2 for c in hh.children)
    options = (
        (AgreementPlan("gate_conversation", every_days=14), 1.5 if kleuter else 0.5),
        (AgreementPlan("planned_call", occasion="voor elk rapport"), 2),
        (AgreementPlan("parent_meeting", occasion="bij elk oudercontact"), 4),
        (AgreementPlan("notebook", every_days=14), 1 if kleuter else 0),
        (AgreementPlan("planned_call", every_days=30), 0.5),
        (AgreementPlan("diary_message", every_days=14), 0 if kleuter else 0.5),
        (AgreementPlan("home_visit", occasion="eenmaal per schooljaar"), 1 if hh.interpreter else 0.05),
    )
    plans = pick_some(rng, [o[0] for o in options], [o[1] for o in options], rng.choice((1, 1, 2)))
    return [AgreementPlan(p.form, p.every_days, p.occasion) for p in plans]


def create_families(ctx: Ctx, drafts: list[HouseholdDraft]) -> None:
    pupils: dict[int, Pupil] = {}
    serial = 100
    for hh in drafts:
        for child in hh.children:
            if id(child) not in pupils:
                serial += 1
                child.row = Pupil(
                    first_name=child.first_name, last_name=child.last_name,
                    birth_date=child.birth_date, external_key=f"INF-{serial:06d}",
                    enrolments=_class_history(ctx, hh, child), left_on=child.left_on,
                    created_at=stamp(hh.join_day),
                )
                pupils[id(child)] = child.row
        hh.row = _household_row(ctx, hh)
        hh.row.pupils = [pupils[id(c)] for c in hh.children]
    _change_class_in_january(ctx, drafts)
    db.session.add_all(hh.row for hh in drafts)
    db.session.flush()


def _class_history(ctx: Ctx, hh: HouseholdDraft, child: ChildDraft) -> list[Enrolment]:
    """Last year's class for the whole of last year (the sixth graders left after it), this year's
    from the first day or from the day the family arrived."""
    history = []
    last_year, this_year = ctx.prev.class_of(hh, child), ctx.cur.class_of(hh, child)
    if last_year:
        history.append(Enrolment(school_class=ctx.prev.classes[last_year], started_on=ctx.prev.span.start,
                                 ended_on=ctx.prev.span.end))
    if this_year:
        history.append(Enrolment(school_class=ctx.cur.classes[this_year],
                                 started_on=max(ctx.cur.span.start, hh.join_day)))
    return history


def _change_class_in_january(ctx: Ctx, drafts: list[HouseholdDraft]) -> None:
    """The first child of last year's first class (not a less-visible family) moved to the parallel
    class on the first school day of January: two enrolments."""
    january = [d for d in ctx.prev.days if d.month == 1]
    old, new = CLASS_CHANGE
    mover = next((c for hh in drafts if not hh.reasons for c in hh.children
                  if c.row is not None and ctx.prev.class_of(hh, c) == old), None)
    if not january or mover is None:
        return
    first = mover.row.enrolments[0]
    first.ended_on = january[0] - dt.timedelta(days=1)
    mover.row.enrolments.insert(1, Enrolment(school_class=ctx.prev.classes[new], started_on=january[0],
                                             ended_on=ctx.prev.span.end))


def _household_row(ctx: Ctx, hh: HouseholdDraft) -> Household:
    youngest = min(hh.children, key=lambda c: c.grade)
    done = hh.intake_status is not IntakeStatus.NONE
    explained = ctx.topic_ids if hh.intake_status is IntakeStatus.DONE else ctx.topic_ids[:2]
    created = stamp(min(hh.join_day, hh.intake_on or hh.join_day))
    row = Household(
        display_name=hh.display_name,
        contact_language=hh.language,
        interpreter_needed=hh.interpreter,
        interpreter_language=hh.language if hh.interpreter else None,
        written_ok=hh.written_ok, digital_ok=hh.digital_ok,
        preferred_channels=hh.channels, preferred_times=hh.times,
        contact_note=hh.contact_note, about_child=hh.about_child,
        needs_from_school=hh.needs, help_offer=hh.help_offer,
        info_explained=list(explained) if done else [],
        contact_person=ctx.titularis[youngest.class_name],
        consent_external=hh.consent,
        consent_external_at=stamp(hh.intake_on, hour=10) if hh.consent and hh.intake_on else None,
        intake_status=hh.intake_status, intake_on=hh.intake_on,
        created_at=created, updated_at=created,
    )
    for i, carer in enumerate(hh.caregivers):
        carer.row = Caregiver(
            first_name=carer.first_name, last_name=carer.last_name, kinship=carer.kinship,
            phone=carer.phone, email=carer.email, contact_language=carer.language, sort_order=i,
        )
        row.caregivers.append(carer.row)
    for plan in hh.agreements:
        row.agreements.append(ContactAgreement(
            form=ctx.forms[plan.form], every_days=plan.every_days, occasion=plan.occasion,
            agreed_on=hh.intake_on, created_at=created,
        ))
    return row
