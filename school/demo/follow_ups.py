"""Follow-ups: open ones for the first family of some signals, and one case closed by a reached call."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from school.contacts.models import ContactMoment, Reach, Tone
from school.demo.data import FOLLOW_UPS, MISSED_NOTES, RESOLVED_FOLLOW_UP_NOTE, RESOLVED_REACHED_NOTE
from school.demo.days import stamp
from school.demo.drafts import Ctx, HouseholdDraft, Spec, youngest
from school.demo.moments import make_spec
from school.extensions import db
from school.visibility.models import Approach, FollowUp, FollowUpStatus


def resolved_case(ctx: Ctx, drafts: list[HouseholdDraft], specs: list[Spec]) -> Spec | None:
    """A family whose calls went unanswered in the autumn, followed up and reached: a closed follow-up."""
    days = ctx.cur.days_between(ctx.today - dt.timedelta(days=50), ctx.today - dt.timedelta(days=10))
    candidates = [hh for hh in drafts if not hh.reasons and hh.newcomer is None and hh.shape == "two_parents"]
    if len(days) < 6 or not candidates:
        return None
    hh = ctx.rng.choice(candidates)
    child = youngest(hh.children)
    for day in days[:2]:
        missed = make_spec(ctx, hh, ctx.cur, "planned_call", day, child, reach=Reach.NOT_REACHED)
        missed.note = MISSED_NOTES[0]
        specs.append(missed)
    reached = make_spec(ctx, hh, ctx.cur, "planned_call", days[-1], child, reach=Reach.TWO_WAY)
    reached.tone, reached.logged_by = Tone.POSITIVE, ctx.staff["care"]
    reached.note = RESOLVED_REACHED_NOTE
    specs.append(reached)
    return reached


def create_follow_ups(ctx: Ctx, reasons: dict[str, list[HouseholdDraft]], done_case: Spec | None) -> None:
    today, care = ctx.today, ctx.staff["care"]
    for plan in FOLLOW_UPS:
        hh = reasons[plan.signal][0]
        approach = plan.approach
        if hh.interpreter and approach is Approach.FLEXIBLE_MOMENT:
            approach = Approach.INTERPRETER
        db.session.add(FollowUp(
            household_id=hh.row.id, signal_code=plan.signal, owner_id=ctx.staff[plan.owner].id,
            approach=approach, due_on=today + dt.timedelta(days=plan.due_in), status=plan.status,
            note=plan.note, created_by_id=ctx.staff["director"].id,
            created_at=stamp(today - dt.timedelta(days=12)),
        ))
    if done_case is not None:
        moment_id = db.session.scalar(select(ContactMoment.id).where(
            ContactMoment.submission_token == done_case.token,
            ContactMoment.household_id == done_case.hh.row.id,
        ))
        db.session.add(FollowUp(
            household_id=done_case.hh.row.id, signal_code="unanswered_attempts", owner_id=care.id,
            approach=Approach.PHONE, due_on=done_case.day, status=FollowUpStatus.DONE,
            note=RESOLVED_FOLLOW_UP_NOTE, closed_by_moment_id=moment_id, created_by_id=care.id,
            created_at=stamp(done_case.day - dt.timedelta(days=20)),
            closed_at=stamp(done_case.day, hour=16),
        ))
