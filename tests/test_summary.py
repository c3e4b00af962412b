"""The per-family summary: set-based SQL over contact moments (school.visibility.summary)."""

from __future__ import annotations

import datetime as dt

import pytest

from school.contacts.models import GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import Pupil
from school.grid import Quadrant
from school.visibility.summary import build_summaries
from tests.factories.rows import TODAY, agreement, enrolled, form, household, moment, school_class, summarise
from tests.factories.statements import TRANSACTION_CONTROL, recorded_statements

LOG_SIZE = 64  # the contacts per family the store once kept in a log: a window may hold more

# --- the grid ---------------------------------------------------------------


def test_empty_family_has_an_empty_grid(ctx):
    s = summarise(household())
    assert s.reached_total == 0
    assert all(cell.reached == 0 and cell.last_reached_on is None for cell in s.quadrants.values())
    assert s.last_personal is None and s.last_contact is None
    assert s.year.start == dt.date(2026, 9, 1)


def test_grid_counts_reached_moments_per_quadrant_with_last_date_and_family_started(ctx):
    h = household()
    moment(h, "gate_conversation", dt.date(2026, 9, 10))
    moment(h, "spontaneous_call", dt.date(2026, 10, 2), initiative=Initiative.FAMILY)
    moment(h, "spontaneous_call", dt.date(2026, 10, 9), reach=Reach.NOT_REACHED)
    moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY)
    s = summarise(h)
    io = s.quadrants[Quadrant.INFORMAL_ORAL]
    assert (io.reached, io.last_reached_on, io.family_started, io.not_reached) == (
        2, dt.date(2026, 10, 2), 1, 1
    )
    fw = s.quadrants[Quadrant.FORMAL_WRITTEN]
    assert (fw.reached, fw.last_reached_on) == (1, dt.date(2026, 11, 12))
    assert s.quadrants[Quadrant.FORMAL_ORAL].reached == 0
    assert s.last_personal.on == dt.date(2026, 10, 2)
    assert s.last_contact.on == dt.date(2026, 11, 12)
    assert s.last_contact.form_code == "report"
    assert s.family_started_total == 1


def test_removed_moments_and_last_school_year_do_not_count(ctx):
    h = household()
    moment(h, "gate_conversation", dt.date(2026, 10, 1), removed=True)
    moment(h, "gate_conversation", dt.date(2026, 8, 31))  # the school year before
    s = summarise(h)
    assert s.reached_total == 0
    assert s.last_personal is None


def test_school_year_starts_on_1_september(ctx):
    h = household()
    moment(h, "gate_conversation", dt.date(2026, 9, 1))
    assert summarise(h).last_personal.on == dt.date(2026, 9, 1)
    # On 31 August the same moment belongs to the next year: not counted yet (future).
    assert summarise(h, today=dt.date(2026, 8, 31)).last_personal is None


def test_broadcast_form_never_counts_even_if_logged_per_family(ctx):
    h = household()
    moment(h, "newsletter", dt.date(2026, 10, 1), reach=Reach.ONE_WAY)
    s = summarise(h)
    assert s.reached_total == 0 and s.last_contact is None


def test_group_activity_attendance_counts_for_the_families_that_came(ctx):
    came, absent = household("Gezin Janssens"), household("Gezin Claes")
    evening = GroupContact(form=form("info_evening"), occurred_on=dt.date(2026, 9, 20), submission_token="g1")
    db.session.add(evening)
    moment(came, "info_evening", dt.date(2026, 9, 20), group=evening)
    summaries = build_summaries([came.id, absent.id], TODAY, 60)
    assert summaries[came.id].quadrants[Quadrant.FORMAL_ORAL].reached == 1
    assert summaries[came.id].last_personal.form_code == "info_evening"
    assert summaries[absent.id].reached_total == 0


def test_a_removed_group_activity_does_not_count(ctx):
    h = household()
    evening = GroupContact(form=form("info_evening"), occurred_on=dt.date(2026, 9, 20), submission_token="g2",
                           removed_at=dt.datetime(2026, 9, 21, 8, 0))
    db.session.add(evening)
    moment(h, "info_evening", dt.date(2026, 9, 20), group=evening)
    assert summarise(h).reached_total == 0


def test_two_households_of_one_child_each_have_their_own_summary(ctx):
    klass = school_class()
    child = Pupil(first_name="Noor", last_name="Maes", enrolments=enrolled(klass))
    mother = household("Gezin Maes (mama)", pupils=(child,))
    father = household("Gezin Maes (papa)", pupils=(child,))
    moment(mother, "gate_conversation", dt.date(2026, 10, 5))
    summaries = build_summaries([mother.id, father.id], TODAY, 60)
    assert summaries[mother.id].last_personal is not None
    assert summaries[father.id].last_personal is None
    assert summaries[father.id].reached_total == 0


def test_recent_window_counts_tone_mode_formality_and_go_between(ctx):
    h = household()
    moment(h, "gate_conversation", dt.date(2026, 9, 15), tone=Tone.POSITIVE)  # before the window
    moment(h, "official_letter", dt.date(2026, 9, 21), reach=Reach.ONE_WAY, tone=Tone.CONCERN)  # day 60: in
    moment(h, "parent_meeting", dt.date(2026, 11, 1), tone=Tone.CONCERN, mediator=Mediator.BRIDGE_FIGURE)
    moment(h, "spontaneous_call", dt.date(2026, 11, 2), reach=Reach.NOT_REACHED, tone=Tone.CONCERN)
    s = summarise(h)
    assert s.recent_from == dt.date(2026, 9, 21)
    r = s.recent
    assert (r.reached, r.oral, r.written, r.informal, r.formal) == (2, 1, 1, 0, 2)
    assert (r.positive, r.neutral, r.concern, r.go_between, r.direct) == (0, 0, 2, 1, 1)


def test_unanswered_attempts_after_the_last_reach(ctx):
    h = household()
    moment(h, "spontaneous_call", dt.date(2026, 9, 10), reach=Reach.NOT_REACHED)
    moment(h, "gate_conversation", dt.date(2026, 9, 20))
    moment(h, "spontaneous_call", dt.date(2026, 10, 1), reach=Reach.NOT_REACHED)
    moment(h, "parent_meeting", dt.date(2026, 10, 8), reach=Reach.NOT_REACHED)
    s = summarise(h)
    assert (s.unanswered, s.first_unanswered_on, s.last_unanswered_on) == (
        2, dt.date(2026, 10, 1), dt.date(2026, 10, 8)
    )
    moment(h, "report", dt.date(2026, 10, 20), reach=Reach.ONE_WAY)
    assert summarise(h).unanswered == 0


def test_only_the_school_s_own_attempts_count_as_unanswered(ctx):
    """Signal 4 is about the school's attempts: a call of the family the school missed is not one."""
    from school.visibility.signals import DEFAULTS, evaluate

    h = household()
    moment(h, "gate_conversation", dt.date(2026, 9, 20))
    for day in (12, 13):  # the family called twice and the school missed it
        moment(h, "spontaneous_call", dt.date(2026, 11, day), reach=Reach.NOT_REACHED,
               initiative=Initiative.FAMILY)
    moment(h, "planned_call", dt.date(2026, 11, 18), reach=Reach.NOT_REACHED)
    for stored in (True, False):  # the maintained summary and the recount agree
        s = build_summaries([h.id], TODAY, 60, stored=stored)[h.id]
        assert (s.unanswered, s.first_unanswered_on, s.last_unanswered_on) == (
            1, dt.date(2026, 11, 18), dt.date(2026, 11, 18)
        )
        # one attempt of two days old: below both thresholds (2 attempts, 14 days)
        assert "unanswered_attempts" not in [sig.code for sig in evaluate(s, DEFAULTS)]
    moment(h, "parent_meeting", dt.date(2026, 11, 19), reach=Reach.NOT_REACHED)
    for stored in (True, False):
        s = build_summaries([h.id], TODAY, 60, stored=stored)[h.id]
        assert s.unanswered == 2
        assert "unanswered_attempts" in [sig.code for sig in evaluate(s, DEFAULTS)]


def test_watch_starts_at_intake_or_creation_when_later_than_1_september(ctx):
    assert summarise(household()).watch_from == dt.date(2026, 9, 1)
    late = household("Gezin Nieuw", created=dt.datetime(2026, 10, 3, 10, 0))
    assert summarise(late).watch_from == dt.date(2026, 10, 3)
    intake = household("Gezin Intake", intake_on=dt.date(2026, 10, 20))
    assert summarise(intake).watch_from == dt.date(2026, 10, 20)


def test_agreements_are_read_with_their_form_and_rhythm(ctx):
    h = household()
    agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 12))
    agreement(h, "report", occasion="voor elk rapport", active=False)
    (a,) = summarise(h).agreements
    assert (a.form_code, a.quadrant, a.every_days, a.since) == (
        "spontaneous_call", Quadrant.INFORMAL_ORAL, 14, dt.date(2026, 9, 12)
    )


@pytest.fixture
def count_queries(ctx):
    with recorded_statements(db.engine, skip=TRANSACTION_CONTROL) as statements:
        yield statements


def test_summaries_take_a_fixed_number_of_queries(ctx, count_queries):
    def families(n: int, offset: int) -> list[int]:
        ids = []
        for i in range(n):
            h = household(f"Gezin {offset + i}")
            moment(h, "gate_conversation", dt.date(2026, 10, 1 + i % 20))
            moment(h, "spontaneous_call", dt.date(2026, 11, 1), reach=Reach.NOT_REACHED)
            agreement(h, "report", occasion="rapport")
            ids.append(h.id)
        db.session.commit()
        return ids

    small, large = families(10, 0), families(60, 100)
    count_queries.clear()
    assert len(build_summaries(small, TODAY, 60)) == 10
    n_small = len(count_queries)
    count_queries.clear()
    assert len(build_summaries(large, TODAY, 60)) == 60
    assert len(count_queries) == n_small <= 8


def test_above_many_households_the_same_queries_and_the_same_summaries(ctx, count_queries, monkeypatch):
    """Above summary.MANY households a read takes the whole school's rows and keeps the wanted ones."""
    from school.visibility import summary

    ids = []
    for i in range(40):
        h = household(f"Gezin {i}")
        moment(h, "gate_conversation", dt.date(2026, 10, 1 + i % 20))
        moment(h, "spontaneous_call", dt.date(2026, 11, 1), reach=Reach.NOT_REACHED)
        agreement(h, "report", occasion="rapport")
        ids.append(h.id)
    household("Gezin Niet Gevraagd")  # not asked for: left out on the large path too
    db.session.commit()
    count_queries.clear()
    below = build_summaries(ids, TODAY, 60)
    n_below = len(count_queries)
    monkeypatch.setattr(summary, "MANY", 10)
    count_queries.clear()
    above = build_summaries(ids, TODAY, 60)
    assert len(count_queries) == n_below <= 8
    assert above == below and sorted(above) == ids


# --- the worker's memo of summaries and verdicts ----------------------------


@pytest.fixture
def memo_for_one(monkeypatch):
    """The memo serves lists over many families; here it serves one, to watch it."""
    from school.visibility.summary import _Memo

    monkeypatch.setattr(_Memo, "FROM", 1)


def test_a_summary_is_reused_only_while_what_it_is_built_from_is_unchanged(ctx, memo_for_one):
    h = household()
    moment(h, "gate_conversation", dt.date(2026, 10, 1))
    first = summarise(h)
    assert summarise(h) is first  # nothing changed: this worker's summary is given again
    with pytest.MonkeyPatch.context() as patch:  # a family page's single family: built afresh
        patch.setattr("school.visibility.summary._Memo.FROM", 2)
        assert summarise(h) is not first and summarise(h) == first

    moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY)  # a contact
    second = summarise(h)
    assert second is not first and second.last_contact.form_code == "report"

    h.interpreter_needed, h.interpreter_language = True, "ar"  # the household's facts
    db.session.flush()
    assert summarise(h).interpreter_language == "ar"

    agreement(h, "spontaneous_call", every_days=14)  # an agreement
    assert [a.form_code for a in summarise(h).agreements] == ["spontaneous_call"]

    form("report").name = "Rapport van de eerste periode"  # the catalogue
    db.session.flush()
    assert summarise(h).last_contact.form_name == "Rapport van de eerste periode"

    # another day or another window is another summary, and today's is still the same afterwards
    latest = summarise(h)
    assert summarise(h, today=TODAY + dt.timedelta(days=1)).today == TODAY + dt.timedelta(days=1)
    assert summarise(h, recent_days=30).recent_days == 30
    assert summarise(h) is latest
    # the memo and a count from the log agree
    assert summarise(h) == build_summaries([h.id], TODAY, 60, stored=False)[h.id]


def test_a_verdict_is_reused_only_for_the_same_summary_and_thresholds(ctx, memo_for_one):
    from school.visibility.signals import DEFAULTS, Thresholds, evaluate

    h = household()
    moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY)
    s = summarise(h)
    found = evaluate(s, DEFAULTS)
    assert "no_personal_contact" in {x.code for x in found}
    found.clear()  # a caller's list is its own
    assert "no_personal_contact" in {x.code for x in evaluate(s, DEFAULTS)}
    patient = Thresholds(**{**DEFAULTS.__dict__, "start_period_days": 120})
    assert "no_personal_contact" not in {x.code for x in evaluate(s, patient)}
    moment(h, "gate_conversation", dt.date(2026, 11, 13))
    assert "no_personal_contact" not in {x.code for x in evaluate(summarise(h), DEFAULTS)}


def test_summaries_as_of_earlier_days_equal_the_summaries_counted_on_those_days(ctx):
    from school.visibility.summary import summaries_as_of

    h = household()
    agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 10))
    moment(h, "gate_conversation", dt.date(2026, 9, 12), tone=Tone.CONCERN)
    moment(h, "spontaneous_call", dt.date(2026, 10, 2), initiative=Initiative.FAMILY)
    moment(h, "parent_meeting", dt.date(2026, 10, 9), reach=Reach.NOT_REACHED)
    moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY, tone=Tone.POSITIVE)
    moment(h, "gate_conversation", dt.date(2026, 11, 12), mediator=Mediator.CHILD)
    moment(h, "gate_conversation", dt.date(2026, 8, 20))  # the school year before
    now = summarise(h)
    points = [(dt.date(2026, 9, 1), 60), (dt.date(2026, 9, 12), 59), (dt.date(2026, 10, 9), 60),
              (dt.date(2026, 11, 11), 59), (dt.date(2026, 11, 12), 60), (TODAY, 30)]
    assert summaries_as_of(now, points) == [summarise(h, today=day, recent_days=days) for day, days in points]
    with pytest.raises(ValueError):
        summaries_as_of(now, [(dt.date(2026, 8, 31), 60)])  # not this school year


def test_summaries_as_of_count_from_the_log_when_the_window_holds_more_than_the_stored_log(ctx):
    from school.visibility.summary import summaries_as_of

    h = household()
    for n in range(LOG_SIZE + 6):
        moment(h, "diary_message", dt.date(2026, 10, 1) + dt.timedelta(days=n % 40), reach=Reach.ONE_WAY)
    day = dt.date(2026, 11, 10)
    [then] = summaries_as_of(summarise(h), [(day, 60)])
    assert then == summarise(h, today=day) and then.recent.reached == LOG_SIZE + 6
