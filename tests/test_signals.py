"""The eight signals at their boundaries: pure functions over a summary, then through the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from school.contacts.models import GroupContact, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import IntakeStatus, Pupil
from school.grid import Quadrant
from school.visibility import signals
from school.visibility.models import Approach
from school.visibility.signals import DEFAULTS, Thresholds, evaluate, suggest
from school.visibility.summary import (
    AgreementFacts,
    LastContact,
    QuadrantStats,
    Recent,
    build_summaries,
    empty_summary,
)
from tests.factories.rows import TODAY, agreement, enrolled, form, household, moment, school_class, summarise
from tests.factories.wording import FORBIDDEN

T = DEFAULTS
SEPT_1 = dt.date(2026, 9, 1)


def base(today: dt.date = TODAY, **changes):
    """A family the school has talked to: no signal fires."""
    s = empty_summary(1, today, T.recent_days)
    talk = LastContact(on=today, form_code="gate_conversation", form_name="Gesprek aan de schoolpoort")
    s = replace(
        s, last_personal=talk, last_contact=talk,
        agreements=(
            AgreementFacts(1, "report", "Rapport", Quadrant.FORMAL_WRITTEN, None, "rapport", SEPT_1),
        ),
    )
    return replace(s, **changes)


def codes(summary, thresholds: Thresholds = T) -> list[str]:
    return [s.code for s in evaluate(summary, thresholds)]


def test_a_family_the_school_talks_to_has_no_signal():
    assert codes(base()) == []


def test_codes_are_stable_and_eight():
    assert signals.CODES == (
        "no_personal_contact", "only_written", "only_formal", "unanswered_attempts",
        "only_concerns", "no_agreement", "rhythm_not_kept", "only_via_go_between",
    )


# 1. no personal contact, after the start period -------------------------------------------


@pytest.mark.parametrize(("today", "fires"), [
    (SEPT_1 + dt.timedelta(days=29), False),
    (SEPT_1 + dt.timedelta(days=30), True),
])
def test_no_personal_contact_waits_for_the_start_period_after_1_september(today, fires):
    s = replace(empty_summary(1, today, 60), agreements=base().agreements)
    assert ("no_personal_contact" in codes(s)) is fires


def test_no_personal_contact_counts_from_a_later_intake():
    s = replace(empty_summary(1, TODAY, 60, watch_from=dt.date(2026, 11, 1)), agreements=base().agreements)
    assert codes(s) == []  # 19 days after the intake
    assert codes(replace(s, today=dt.date(2026, 12, 1))) == ["no_personal_contact"]


def test_start_period_is_a_threshold():
    s = replace(empty_summary(1, SEPT_1 + dt.timedelta(days=10), 60), agreements=base().agreements)
    assert codes(s, replace(T, start_period_days=10)) == ["no_personal_contact"]
    assert codes(s, replace(T, start_period_days=11)) == []


def test_no_personal_contact_explanation_names_the_last_contact(ctx):
    s = replace(base(), last_personal=None,
                last_contact=LastContact(dt.date(2026, 11, 12), "report", "Rapport"))
    (signal,) = evaluate(s)
    with force_locale("nl"):
        assert signal.explanation == (
            "Nog geen persoonlijk gesprek dit schooljaar — laatste contact: rapport, 12 november."
        )
    with force_locale("en"):
        assert "last contact: school report, 12 November" in signal.explanation


# 2. only written ------------------------------------------------------------------------------


def test_only_written_at_the_threshold():
    assert codes(base(recent=Recent(reached=1))) == []
    assert codes(base(recent=Recent(reached=2))) == ["only_written"]
    assert codes(base(recent=Recent(reached=2, oral=1, informal=1))) == []
    assert codes(base(recent=Recent(reached=2)), replace(T, only_written_min=3)) == []


# 3. only formal -------------------------------------------------------------------------------


def test_only_formal_at_the_threshold():
    assert codes(base(recent=Recent(reached=2, oral=2))) == []
    assert codes(base(recent=Recent(reached=3, oral=3))) == ["only_formal"]
    assert codes(base(recent=Recent(reached=3, oral=3, informal=1))) == []


# 4. unanswered attempts -----------------------------------------------------------------------


def test_unanswered_attempts_by_number_or_by_time():
    day = TODAY - dt.timedelta(days=13)
    one = base(unanswered=1, first_unanswered_on=day, last_unanswered_on=day)
    assert codes(one) == []
    old = dt.date(2026, 11, 6)  # 14 days
    assert codes(replace(one, first_unanswered_on=old)) == ["unanswered_attempts"]
    two = base(unanswered=2, first_unanswered_on=TODAY, last_unanswered_on=TODAY)
    assert codes(two) == ["unanswered_attempts"]
    assert codes(two, replace(T, unanswered_attempts=3)) == []


# 5. only concerns -----------------------------------------------------------------------------


def test_only_concerns_at_the_threshold():
    assert codes(base(recent=Recent(reached=1, oral=1, informal=1, concern=1))) == []
    assert codes(base(recent=Recent(reached=2, oral=2, informal=2, concern=2))) == ["only_concerns"]
    assert codes(base(recent=Recent(reached=3, oral=3, informal=3, concern=2, positive=1))) == []


# 6. no agreement -----------------------------------------------------------------------------


def test_no_agreement_after_the_grace_days():
    s = base(agreements=())
    assert codes(replace(s, today=SEPT_1 + dt.timedelta(days=44), last_personal=None, last_contact=None),
                 replace(T, start_period_days=100)) == []
    assert codes(replace(s, today=SEPT_1 + dt.timedelta(days=45))) == ["no_agreement"]


# 7. agreed rhythm -----------------------------------------------------------------------------


def _rhythm(last_on: dt.date | None, since: dt.date = dt.date(2026, 10, 1)):
    a = AgreementFacts(2, "spontaneous_call", "Spontaan telefoontje", Quadrant.INFORMAL_ORAL, 14, None, since)
    quadrants = {q: QuadrantStats() for q in Quadrant}
    if last_on:
        quadrants[Quadrant.INFORMAL_ORAL] = QuadrantStats(reached=1, last_reached_on=last_on)
    return base(agreements=(a,), quadrants=quadrants)


def test_rhythm_kept_within_every_days_plus_grace():
    assert codes(_rhythm(TODAY - dt.timedelta(days=21))) == []  # 14 + 7
    assert codes(_rhythm(TODAY - dt.timedelta(days=22))) == ["rhythm_not_kept"]
    assert codes(_rhythm(TODAY - dt.timedelta(days=22)), replace(T, rhythm_grace_days=8)) == []


def test_rhythm_counts_from_the_agreement_when_nothing_since():
    assert codes(_rhythm(None, since=TODAY - dt.timedelta(days=21))) == []
    assert codes(_rhythm(None, since=TODAY - dt.timedelta(days=22))) == ["rhythm_not_kept"]
    # a contact before the agreement does not keep it
    assert codes(_rhythm(dt.date(2026, 9, 5), since=dt.date(2026, 9, 20))) == ["rhythm_not_kept"]


def test_occasion_agreements_are_not_measured_by_days():
    assert codes(base()) == []


# 8. only via a go-between ---------------------------------------------------------------------


def test_only_via_go_between_at_the_threshold():
    assert codes(base(recent=Recent(reached=1, oral=1, informal=1, go_between=1))) == []
    assert codes(base(recent=Recent(reached=2, oral=2, informal=2, go_between=2))) == ["only_via_go_between"]
    assert codes(base(recent=Recent(reached=3, oral=3, informal=3, go_between=2))) == []


# thresholds ------------------------------------------------------------------------------------


def test_only_formal_min_is_a_threshold():
    t = replace(T, only_formal_min=5)
    assert codes(base(recent=Recent(reached=4, oral=4)), t) == []
    assert codes(base(recent=Recent(reached=5, oral=5)), t) == ["only_formal"]


def test_only_concerns_min_is_a_threshold():
    t = replace(T, only_concerns_min=4)
    assert codes(base(recent=Recent(reached=3, oral=3, informal=3, concern=3)), t) == []
    assert codes(base(recent=Recent(reached=4, oral=4, informal=4, concern=4)), t) == ["only_concerns"]


def test_go_between_min_is_a_threshold():
    t = replace(T, go_between_min=3)
    assert codes(base(recent=Recent(reached=2, oral=2, informal=2, go_between=2)), t) == []
    assert codes(base(recent=Recent(reached=3, oral=3, informal=3, go_between=3)), t) == [
        "only_via_go_between"
    ]


def test_unanswered_days_is_a_threshold():
    t = replace(T, unanswered_days=20)

    def one_attempt(days_ago: int):
        day = TODAY - dt.timedelta(days=days_ago)
        return base(unanswered=1, first_unanswered_on=day, last_unanswered_on=day)

    assert codes(one_attempt(19), t) == []
    assert codes(one_attempt(20), t) == ["unanswered_attempts"]
    assert codes(one_attempt(14)) == ["unanswered_attempts"]  # the default, for contrast


def test_no_agreement_days_is_a_threshold():
    t = replace(T, no_agreement_days=60)
    s = base(agreements=())
    assert codes(replace(s, today=SEPT_1 + dt.timedelta(days=59)), t) == []
    assert codes(replace(s, today=SEPT_1 + dt.timedelta(days=60)), t) == ["no_agreement"]
    assert codes(replace(s, today=SEPT_1 + dt.timedelta(days=59))) == ["no_agreement"]  # default 45


def test_recent_days_is_a_threshold(ctx):
    h = household()
    agreement(h, "report", occasion="rapport")
    moment(h, "gate_conversation", dt.date(2026, 9, 15))  # a talk, before any of these windows
    moment(h, "official_letter", dt.date(2026, 10, 1), reach=Reach.ONE_WAY)  # 50 days before TODAY
    moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY)
    for days, fires in ((49, False), (50, True)):
        t = replace(T, recent_days=days)
        assert ("only_written" in codes(summarise(h, recent_days=t.recent_days), t)) is fires, days


def test_thresholds_from_stored_values_ignore_invalid_ones():
    t = Thresholds.from_mapping({"recent_days": 90, "start_period_days": -1, "only_written_min": "3",
                                 "go_between_min": True, "unknown": 5})
    assert t.recent_days == 90
    assert t.start_period_days == 30 and t.only_written_min == 2 and t.go_between_min == 2
    assert Thresholds.from_mapping(None) == DEFAULTS


# through the database: what clears a signal -------------------------------------------------


def test_only_real_contact_clears_no_personal_contact(ctx):
    h = household()
    agreement(h, "report", occasion="rapport")
    moment(h, "newsletter", dt.date(2026, 11, 1), reach=Reach.ONE_WAY)  # broadcast
    moment(h, "spontaneous_call", dt.date(2026, 11, 2), reach=Reach.NOT_REACHED)
    moment(h, "gate_conversation", dt.date(2026, 11, 3), removed=True)
    moment(h, "gate_conversation", dt.date(2026, 11, 4), reach=Reach.ONE_WAY)  # a message, not a talk
    assert "no_personal_contact" in codes(summarise(h))
    moment(h, "spontaneous_call", dt.date(2026, 11, 5))
    assert "no_personal_contact" not in codes(summarise(h))


def test_attending_a_group_activity_clears_it_for_the_families_that_came(ctx):
    klass = school_class()
    came = household("Gezin Wouters", klass=klass)
    stayed = household("Gezin Aerts", klass=klass)
    for h in (came, stayed):
        agreement(h, "report", occasion="rapport")
    evening = GroupContact(form=form("info_evening"), class_id=klass.id, occurred_on=dt.date(2026, 9, 25),
                           submission_token="ie")
    db.session.add(evening)
    moment(came, "info_evening", dt.date(2026, 9, 25), group=evening)
    assert codes(summarise(came)) == []
    assert codes(summarise(stayed)) == ["no_personal_contact"]


def test_two_households_of_a_separated_child_are_flagged_separately(ctx):
    klass = school_class()
    child = Pupil(first_name="Sam", last_name="De Smet", enrolments=enrolled(klass))
    one = household("Gezin De Smet", pupils=(child,))
    other = household("Gezin Vermeulen", pupils=(child,))
    for h in (one, other):
        agreement(h, "report", occasion="rapport")
    moment(one, "parent_meeting", dt.date(2026, 11, 10))
    assert codes(summarise(one)) == []
    assert codes(summarise(other)) == ["no_personal_contact"]


def test_mediator_only_contact_through_the_database(ctx):
    h = household()
    agreement(h, "report", occasion="rapport")
    moment(h, "home_visit", dt.date(2026, 10, 15), mediator=Mediator.BRIDGE_FIGURE)
    moment(h, "gate_conversation", dt.date(2026, 11, 5), mediator=Mediator.CHILD, tone=Tone.POSITIVE)
    assert codes(summarise(h)) == ["only_via_go_between"]
    moment(h, "gate_conversation", dt.date(2026, 11, 6), mediator=Mediator.PROFESSIONAL_INTERPRETER)
    assert codes(summarise(h)) == []  # with an interpreter, the team itself spoke


def test_agreed_rhythm_through_the_database(ctx):
    h = household(intake_status=IntakeStatus.DONE)
    agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 15))
    moment(h, "gate_conversation", dt.date(2026, 10, 20))
    assert codes(summarise(h)) == ["rhythm_not_kept"]  # 31 days ago > 14 + 7
    moment(h, "classroom_chat", dt.date(2026, 11, 10))  # same quadrant keeps it
    assert codes(summarise(h)) == []


def test_intake_date_postpones_signals(ctx):
    h = household(intake_on=dt.date(2026, 11, 1))
    assert codes(summarise(h)) == []
    assert codes(summarise(h, today=dt.date(2026, 12, 1))) == ["no_personal_contact"]
    assert codes(summarise(h, today=dt.date(2026, 12, 16))) == ["no_personal_contact", "no_agreement"]


# suggestions ------------------------------------------------------------------------------------


def test_suggestions_come_from_what_the_school_knows(ctx):
    s = replace(empty_summary(1, TODAY, 60), interpreter_needed=True, interpreter_language="ar",
                written_ok=False)
    with force_locale("nl"):
        found = suggest(s, evaluate(s))
        approaches = [x.approach for x in found]
        assert approaches[0] is Approach.INTERPRETER
        assert "Arabisch" in found[0].text
        assert Approach.PHONE in approaches and Approach.GATE in approaches
    agreed = replace(_rhythm(TODAY - dt.timedelta(days=40)))
    with force_locale("nl"):
        first = suggest(agreed, evaluate(agreed))[0]
    assert first.approach is Approach.PHONE
    assert "14" in first.text


def test_only_written_suggests_a_call_without_claiming_letters_fail(ctx):
    """A suggestion says what the school knows: only a recorded 'written messages do not work'
    says so; the only-written signal alone speaks about the school's own contact."""
    lately = base(recent=Recent(reached=2, informal=2))
    assert codes(lately) == ["only_written"]
    with force_locale("nl"):
        texts = [x.text for x in suggest(lately, evaluate(lately))]
        assert "De school schreef de laatste tijd enkel: bel hen eens op." in texts
        assert not any("werken hier niet goed" in t for t in texts)
        known = replace(lately, written_ok=False)
        texts = [x.text for x in suggest(known, evaluate(known))]
        assert "Schriftelijke of digitale berichten werken hier niet goed: bel hen." in texts


def test_no_suggestion_without_a_signal(ctx):
    assert suggest(base(), []) == []


def test_explanations_exist_in_three_languages_and_never_judge(ctx):
    samples = [
        replace(base(), last_personal=None),
        replace(base(), last_personal=None, last_contact=None),
        base(recent=Recent(reached=3)),
        base(unanswered=3, first_unanswered_on=TODAY, last_unanswered_on=TODAY),
        base(recent=Recent(reached=2, oral=2, informal=2, concern=2, go_between=2)),
        base(agreements=()),
        _rhythm(None, since=dt.date(2026, 9, 10)),
        _rhythm(dt.date(2026, 10, 1)),
    ]
    found = {sig.code for s in samples for sig in evaluate(s)}
    assert found == set(signals.CODES)
    for locale in ("nl", "fr", "en"):
        with force_locale(locale):
            for s in samples:
                for sig in evaluate(s):
                    text = sig.explanation.lower() + sig.title.lower()
                    assert text and not any(pattern.search(text) for pattern in FORBIDDEN)


def _both_paths(h):
    """The family's summary read from the stored summaries and counted from the contact log."""
    return summarise(h), build_summaries([h.id], TODAY, T.recent_days, stored=False)[h.id]


def test_a_missed_group_activity_alone_raises_no_unanswered_attempts(ctx):
    klass = school_class()
    h = household("Gezin Aerts", klass=klass)
    agreement(h, "report", occasion="rapport")
    moment(h, "gate_conversation", dt.date(2026, 9, 10))  # the school has met them
    for day in (dt.date(2026, 10, 1), dt.date(2026, 10, 8)):  # two information evenings they missed
        evening = GroupContact(form=form("info_evening"), class_id=klass.id, occurred_on=day,
                               submission_token=f"ie-{day}")
        db.session.add(evening)
        moment(h, "info_evening", day, reach=Reach.NOT_REACHED, group=evening)
    for s in _both_paths(h):
        assert s.unanswered == 0 and s.first_unanswered_on is None
        assert s.quadrants[Quadrant.FORMAL_ORAL].not_reached == 2  # the absences stay on the record
        assert codes(s) == []

    # the school also tries personally: a call not answered, then one attempt counts, after two weeks
    moment(h, "spontaneous_call", dt.date(2026, 11, 1), reach=Reach.NOT_REACHED)
    for s in _both_paths(h):
        assert (s.unanswered, s.first_unanswered_on) == (1, dt.date(2026, 11, 1))
        assert codes(s) == ["unanswered_attempts"]


def test_a_missed_individual_meeting_counts_as_a_personal_attempt(ctx):
    h = household()
    agreement(h, "report", occasion="rapport")
    moment(h, "gate_conversation", dt.date(2026, 9, 10))
    moment(h, "parent_meeting", dt.date(2026, 11, 16), reach=Reach.NOT_REACHED)
    moment(h, "spontaneous_call", dt.date(2026, 11, 18), reach=Reach.NOT_REACHED)
    for s in _both_paths(h):
        assert s.unanswered == 2 and codes(s) == ["unanswered_attempts"]


# what the school can truly say about a family without a signal ------------------------------------


def test_a_family_without_any_contact_in_its_start_period_is_not_going_well():
    s = replace(empty_summary(1, TODAY, 60, watch_from=dt.date(2026, 11, 10)), agreements=base().agreements)
    assert codes(s) == []
    assert signals.standing(s, evaluate(s)) == signals.NO_CONTACT_YET
    assert signals.start_period_ends(s) == dt.date(2026, 12, 9)  # 30 days: 10 November to 9 December
    assert signals.start_period_ends(s, replace(T, start_period_days=10)) == dt.date(2026, 11, 19)


def test_written_contact_only_in_the_start_period_is_no_personal_contact_yet():
    letter = LastContact(on=dt.date(2026, 11, 12), form_code="report", form_name="Rapport")
    s = replace(empty_summary(1, TODAY, 60, watch_from=dt.date(2026, 11, 10)), agreements=base().agreements,
                last_contact=letter)
    assert codes(s) == []
    assert signals.standing(s, evaluate(s)) == signals.NO_PERSONAL_YET


def test_only_a_family_with_a_personal_conversation_and_no_signal_is_going_well():
    assert signals.standing(base(), evaluate(base())) == signals.GOING_WELL
    flagged = base(unanswered=2, first_unanswered_on=TODAY, last_unanswered_on=TODAY)
    assert signals.standing(flagged, evaluate(flagged)) == signals.SIGNALLED


def test_the_migration_recounts_stored_absences_from_group_activities(ctx):
    """Summaries stored by the former count (a missed infoavond among the attempts) are counted again."""
    klass = school_class()
    h = household("Gezin Aerts", klass=klass)
    evening = GroupContact(form=form("info_evening"), class_id=klass.id, occurred_on=dt.date(2026, 10, 1),
                           submission_token="ie-migration")
    db.session.add(evening)
    moment(h, "info_evening", dt.date(2026, 10, 1), reach=Reach.NOT_REACHED, group=evening)
    db.session.commit()
    stored = text("SELECT unanswered, first_unanswered_on FROM family_year_summaries WHERE household_id = :h")
    db.session.execute(text(  # as the former code stored it
        "UPDATE family_year_summaries SET unanswered = 1, first_unanswered_on = '2026-10-01', "
        "last_unanswered_on = '2026-10-01' WHERE household_id = :h"), {"h": h.id})
    db.session.commit()
    assert db.session.execute(stored, {"h": h.id}).one()[0] == 1
    db.session.remove()
    downgrade(revision="495271bb5d8c")
    upgrade()
    assert tuple(db.session.execute(stored, {"h": h.id}).one()) == (0, None)
