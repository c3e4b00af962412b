"""The less-visible families: which families each signal gets, and how this year's moments bend to it.

DOMAIN.md lists eight ways a family can become less visible (the signal codes of
school.visibility.signals); a handful of families is chosen for each, and their moments of this
school year are shaped so that exactly that signal shows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from school.contacts.models import Reach, Tone
from school.demo.data import (
    CONCERN_NOTES,
    GO_BETWEEN_FORMS,
    INTERPRETER_LANGUAGES,
    LATELY_DAYS,
    LOGIN_CLASS_REASONS,
    LOGIN_TEACHER_CLASS,
    MISSED_NOTES,
    PER_REASON,
    REASONS,
    TOP_UP_DAYS,
)
from school.demo.days import spread
from school.demo.drafts import Ctx, HouseholdDraft, Spec, youngest
from school.demo.moments import make_spec, reached_by
from school.grid import Mediator


def choose_less_visible(rng: random.Random, drafts: list[HouseholdDraft]) -> dict[str, list[HouseholdDraft]]:
    """A handful of families per signal; one per LOGIN_CLASS_REASONS in the login teacher's class."""
    taken: set[int] = set()
    chosen: dict[str, list[HouseholdDraft]] = {}
    for reason in REASONS:
        candidates = [hh for hh in drafts if hh.key not in taken and _eligible(reason, hh)]
        rng.shuffle(candidates)
        picks: list[HouseholdDraft] = []
        if reason in LOGIN_CLASS_REASONS:
            picks += [hh for hh in candidates if _in_class(hh, LOGIN_TEACHER_CLASS)][:1]
        preferred = [hh for hh in candidates if hh not in picks and _prefers(reason, hh)]
        others = [hh for hh in candidates if hh not in picks and not _prefers(reason, hh)]
        picks += (preferred + others)[: PER_REASON - len(picks)]
        chosen[reason] = picks
        taken.update(hh.key for hh in picks)
    # Signals overlap in real life: one family without an intake has had no personal contact either.
    both = next(hh for hh in chosen["no_agreement"] if _eligible("no_personal_contact", hh))
    chosen["no_personal_contact"].append(both)
    for reason, hhs in chosen.items():
        for hh in hhs:
            hh.reasons.append(reason)
    return chosen


def _eligible(reason: str, hh: HouseholdDraft) -> bool:
    if reason in ("no_personal_contact", "rhythm_not_kept"):
        return hh.newcomer is None  # they had their intake and contacts in earlier years
    return hh.newcomer != "arrived"


def _prefers(reason: str, hh: HouseholdDraft) -> bool:
    if reason == "only_via_go_between":
        return hh.interpreter or hh.language in INTERPRETER_LANGUAGES
    return False


def _in_class(hh: HouseholdDraft, class_name: str) -> bool:
    return any(c.class_name == class_name for c in hh.children)


def shape_less_visible(ctx: Ctx, specs: list[Spec]) -> list[Spec]:
    """Each chosen family's moments of this school year, reshaped by the shaper of each of its signals."""
    by_household: dict[int, list[Spec]] = {}
    for spec in specs:
        by_household.setdefault(spec.hh.key, []).append(spec)
    shaped: list[Spec] = []
    for own in by_household.values():
        hh = own[0].hh
        earlier = [s for s in own if s.day < ctx.cur.span.start]
        this_year = [s for s in own if s.day >= ctx.cur.span.start]
        for reason in hh.reasons:
            this_year = SHAPERS[reason](ctx, hh, this_year)
        if "rhythm_not_kept" in hh.reasons:
            earlier = _keep_last_year_gate_talks(ctx, hh, earlier)
        shaped += earlier + this_year
    return shaped


def _is_oral(ctx: Ctx, spec: Spec) -> bool:
    return ctx.forms[spec.form].quadrant.is_oral


def _is_formal(ctx: Ctx, spec: Spec) -> bool:
    return ctx.forms[spec.form].quadrant.is_formal


def _lately_from(ctx: Ctx) -> dt.date:
    return max(ctx.cur.span.start, ctx.today - dt.timedelta(days=LATELY_DAYS))


def _no_personal_contact(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Only written this year; invitations to meetings were not answered."""
    kept = []
    for spec in specs:
        if not _is_oral(ctx, spec):
            kept.append(spec)
        elif spec.form in ("info_evening", "parent_meeting"):
            _did_not_come(spec)
            kept.append(spec)
    return kept


def _only_written(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Talked at the start of the year; lately only letters, reports and messages."""
    lately = _lately_from(ctx)
    kept = [s for s in specs if s.day < lately or not _is_oral(ctx, s)]
    early = ctx.cur.days_between(ctx.cur.span.start, lately - dt.timedelta(days=1))
    if early and not any(_is_oral(ctx, s) and s.reach is Reach.TWO_WAY for s in kept):
        kept.append(make_spec(ctx, hh, ctx.cur, "gate_conversation", ctx.rng.choice(early),
                          youngest(hh.children), reach=Reach.TWO_WAY))
    return _top_up(ctx, hh, kept, "platform_message", 3, lambda s: not _is_oral(ctx, s))


def _only_formal(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Lately only reports, letters and the parent meeting; no informal contact."""
    lately = _lately_from(ctx)
    kept = [s for s in specs if s.day < lately or _is_formal(ctx, s)]
    kept = _top_up(ctx, hh, kept, "parent_meeting", 1, lambda s: _is_oral(ctx, s))
    return _top_up(ctx, hh, kept, "platform_message", 4, lambda s: _is_formal(ctx, s))


def _top_up(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec], form: str, wanted: int,
            counts: Callable[[Spec], bool]) -> list[Spec]:
    """Add `form` moments until `wanted` recent, reached moments satisfy `counts`."""
    start = max(ctx.cur.span.start, ctx.today - dt.timedelta(days=TOP_UP_DAYS))
    days = ctx.cur.days_between(start, ctx.today)
    recent_from = days[0] if days else ctx.today
    have = sum(1 for s in specs if s.day >= recent_from and s.reach is not Reach.NOT_REACHED and counts(s))
    for day in spread(ctx.rng, days, max(0, wanted - have)):
        child = youngest(hh.children)
        specs.append(make_spec(ctx, hh, ctx.cur, form, day, child, reach=reached_by(ctx, form)))
    return specs


def _unanswered_attempts(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Three attempts in the last two weeks did not reach them, and nothing came after."""
    days = ctx.cur.days_between(ctx.today - dt.timedelta(days=14), ctx.today - dt.timedelta(days=1))
    if not days:
        return specs
    attempt_days = sorted({days[0], days[len(days) // 2], days[-1]})
    kept = [s for s in specs if s.day < attempt_days[0]]
    forms = ("parent_meeting", "planned_call", "planned_call")
    for form, day in zip(forms, attempt_days, strict=False):
        spec = make_spec(ctx, hh, ctx.cur, form, day, youngest(hh.children), reach=Reach.NOT_REACHED)
        spec.note = MISSED_NOTES[1] if form == "parent_meeting" else MISSED_NOTES[0]
        kept.append(spec)
    return kept


def _only_concerns(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Every recent contact was about a concern."""
    lately = _lately_from(ctx)
    for spec in specs:
        if spec.day >= lately and spec.reach is not Reach.NOT_REACHED:
            spec.tone = Tone.CONCERN
            if spec.note and not spec.confidential:
                spec.note = ctx.rng.choice(CONCERN_NOTES)
    days = ctx.cur.days_between(lately, ctx.today)
    if days:
        call = make_spec(ctx, hh, ctx.cur, "planned_call", ctx.rng.choice(days), youngest(hh.children),
                     reach=Reach.TWO_WAY)
        call.tone, call.note, call.logged_by = Tone.CONCERN, CONCERN_NOTES[1], ctx.staff["care"]
        specs.append(call)
    return specs


def _no_agreement(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    return specs  # the household has no intake and no agreement; the moments stay as they are


def _rhythm_not_kept(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Gate talks every two weeks were agreed; the last informal talk was in the first days of September.

    The signal measures the rhythm on the grid (any informal oral contact keeps a gate rhythm).
    """
    first_days = ctx.cur.days_between(ctx.cur.span.start, ctx.cur.span.start + dt.timedelta(days=6))
    kept = [s for s in specs if not _informal_oral_reached(ctx, s) or s.day in first_days]
    if first_days and not any(_informal_oral_reached(ctx, s) for s in kept):
        kept.append(make_spec(ctx, hh, ctx.cur, "gate_conversation", ctx.rng.choice(first_days),
                          youngest(hh.children), reach=Reach.TWO_WAY))
    return kept


def _informal_oral_reached(ctx: Ctx, spec: Spec) -> bool:
    quadrant = ctx.forms[spec.form].quadrant
    return quadrant.is_oral and not quadrant.is_formal and spec.reach is not Reach.NOT_REACHED


def _keep_last_year_gate_talks(ctx: Ctx, hh: HouseholdDraft, earlier: list[Spec]) -> list[Spec]:
    """The rhythm was kept last year: the last gate talk is months ago, not never."""
    last_year = [c for c in hh.children if ctx.prev.class_of(hh, c)]
    if last_year and not any(s.form == "gate_conversation" for s in earlier):
        june = ctx.prev.days_between(ctx.prev.at(1, 6, 1), ctx.prev.at(1, 6, 20))
        if june:
            earlier.append(make_spec(ctx, hh, ctx.prev, "gate_conversation", ctx.rng.choice(june),
                                 ctx.rng.choice(last_year), reach=Reach.TWO_WAY))
    return earlier


def _only_via_go_between(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """This school year every contact went through the brugfiguur, never the team itself."""
    kept = [s for s in specs if s.form in GO_BETWEEN_FORMS and s.group is None]
    kept = _top_up(ctx, hh, kept, "home_visit", 1, lambda s: s.form == "home_visit")
    kept = _top_up(ctx, hh, kept, "planned_call", 2, _is_oral_of(ctx))
    for spec in kept:
        spec.mediator = Mediator.BRIDGE_FIGURE
        if spec.reach is not Reach.ONE_WAY:
            spec.logged_by = ctx.staff["bridge"]
    return kept


def _is_oral_of(ctx: Ctx) -> Callable[[Spec], bool]:
    return lambda spec: _is_oral(ctx, spec)


def _did_not_come(spec: Spec) -> None:
    spec.reach, spec.tone, spec.mediator = Reach.NOT_REACHED, Tone.NEUTRAL, Mediator.NONE
    spec.note = None
    spec.confidential = False


SHAPERS: dict[str, Callable[[Ctx, HouseholdDraft, list[Spec]], list[Spec]]] = {
    "no_personal_contact": _no_personal_contact,
    "only_written": _only_written,
    "only_formal": _only_formal,
    "unanswered_attempts": _unanswered_attempts,
    "only_concerns": _only_concerns,
    "no_agreement": _no_agreement,
    "rhythm_not_kept": _rhythm_not_kept,
    "only_via_go_between": _only_via_go_between,
}
