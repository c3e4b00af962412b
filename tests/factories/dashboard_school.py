"""The dashboard's school: three classes, six families in view and two that are not.

Built with the row factories on TODAY's school year (run it with `in_app`):
contacts of every kind and quadrant, with and without a caregiver, agreements,
follow-ups, class activities with attendance, a removed moment and a removed
activity, and the contact of families who left or were anonymised (never counted).
"""

from __future__ import annotations

import datetime as dt

from school.contacts.models import ContactMoment, GroupContact, Initiative, Reach, Tone
from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from tests.factories.rows import agreement, enrolled, form, household, moment, school_class


def add_caregiver(h: Household, first: str, kinship: Kinship) -> Caregiver:
    c = Caregiver(household_id=h.id, first_name=first, kinship=kinship)
    db.session.add(c)
    db.session.flush()
    return c


def class_activity(code: str, on: dt.date, klass: SchoolClass | None, token: str, removed: bool = False
              ) -> GroupContact:
    g = GroupContact(form=form(code), occurred_on=on, school_class=klass, submission_token=token,
                     removed_at=dt.datetime(2026, 10, 9, 8, 0) if removed else None)
    db.session.add(g)
    db.session.flush()
    return g


def build_school() -> dict:
    """Three classes, six families in view and two that are not (left, anonymised)."""
    a, b, k = school_class("3A"), school_class("5B"), school_class("K2")
    k.level = Level.KLEUTER
    peeters = household("Gezin Peeters", klass=a, child="Lien")
    janssens = household("Gezin Janssens", klass=a, child="Tom")
    claes = household("Gezin Claes", klass=b, child="Mo")
    maes = household("Gezin Maes", klass=b, child="Noor")
    wouters = household("Gezin Wouters", klass=k, child="Bo")
    goossens = household("Gezin Goossens", klass=a, child="Lars")
    goossens.pupils.append(Pupil(first_name="Fien", last_name="Goossens", enrolments=enrolled(k)))
    gone = household("Gezin Vertrokken", klass=a, child="Sam")
    gone.pupils[0].left_on = dt.date(2026, 10, 1)
    hidden = household("Gezin Anoniem", klass=a, child="X", anonymised_at=dt.datetime(2026, 10, 1, 9, 0))
    db.session.flush()

    mum_p, dad_p = add_caregiver(peeters, "An", Kinship.MOTHER), add_caregiver(peeters, "Tom", Kinship.FATHER)
    gran_j = add_caregiver(janssens, "Rita", Kinship.GRANDPARENT)
    dad_c = add_caregiver(claes, "Karim", Kinship.FATHER)
    mum_g = add_caregiver(goossens, "Els", Kinship.MOTHER)
    dad_g = add_caregiver(goossens, "Wim", Kinship.FATHER)
    guardian_m = add_caregiver(maes, "Ilse", Kinship.GUARDIAN)

    def withcarer(m: ContactMoment, carer: Caregiver) -> ContactMoment:
        m.caregiver_id = carer.id
        return m

    # Peeters: a chat at the gate (personal), a report, the info evening; last year's chat never counts.
    withcarer(moment(peeters, "gate_conversation", dt.date(2026, 9, 10), tone=Tone.POSITIVE), mum_p)
    withcarer(moment(peeters, "report", dt.date(2026, 10, 15), reach=Reach.ONE_WAY), dad_p)
    moment(peeters, "gate_conversation", dt.date(2026, 6, 1))
    # Janssens: letters only, and did not come to the info evening. A plan, overdue.
    withcarer(moment(janssens, "official_letter", dt.date(2026, 10, 1), reach=Reach.ONE_WAY), gran_j)
    withcarer(moment(janssens, "platform_message", dt.date(2026, 11, 5), reach=Reach.ONE_WAY), gran_j)
    db.session.add(FollowUp(household_id=janssens.id, approach=Approach.PHONE, due_on=dt.date(2026, 11, 10),
                            created_at=dt.datetime(2026, 10, 20, 9, 0)))
    # Claes: an agreed call every 14 days, kept once in September only. A follow-up done in October.
    agreement(claes, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 5))
    withcarer(moment(claes, "spontaneous_call", dt.date(2026, 9, 20), initiative=Initiative.FAMILY), dad_c)
    db.session.add(FollowUp(household_id=claes.id, approach=Approach.PHONE, status=FollowUpStatus.DONE,
                            created_at=dt.datetime(2026, 9, 25, 9, 0),
                            closed_at=dt.datetime(2026, 10, 1, 9, 0)))
    # Maes: agreed "before each report", and the report reached them; a worried parent-teacher meeting.
    agreement(maes, "report", occasion="rapport", agreed_on=dt.date(2026, 9, 1))
    withcarer(moment(maes, "report", dt.date(2026, 11, 5), reach=Reach.ONE_WAY), guardian_m)
    moment(maes, "parent_meeting", dt.date(2026, 10, 10), tone=Tone.CONCERN)
    # Wouters: attempts that did not reach them, a removed moment, a broadcast logged per family.
    moment(wouters, "spontaneous_call", dt.date(2026, 10, 5), reach=Reach.NOT_REACHED)
    moment(wouters, "spontaneous_call", dt.date(2026, 10, 12), reach=Reach.NOT_REACHED)
    moment(wouters, "gate_conversation", dt.date(2026, 10, 14), removed=True)
    moment(wouters, "newsletter", dt.date(2026, 10, 1), reach=Reach.ONE_WAY)
    # Goossens (children in 3A and K2): the family called; later a worried chat in the classroom.
    withcarer(moment(goossens, "spontaneous_call", dt.date(2026, 10, 20), initiative=Initiative.FAMILY,
                      tone=Tone.POSITIVE), dad_g)
    withcarer(moment(goossens, "classroom_chat", dt.date(2026, 11, 12), tone=Tone.CONCERN), mum_g)
    # The families who are not in view had contact too (never counted).
    moment(gone, "gate_conversation", dt.date(2026, 9, 12))
    moment(hidden, "gate_conversation", dt.date(2026, 9, 12))
    # Class activities: the info evenings of 3A and 5B; K2's open classroom day was removed.
    evening_a = class_activity("info_evening", dt.date(2026, 9, 15), a, "ga")
    moment(peeters, "info_evening", evening_a.occurred_on, group=evening_a)
    moment(janssens, "info_evening", evening_a.occurred_on, group=evening_a, reach=Reach.NOT_REACHED)
    moment(goossens, "info_evening", evening_a.occurred_on, group=evening_a)
    evening_b = class_activity("info_evening", dt.date(2026, 9, 16), b, "gb")
    moment(maes, "info_evening", evening_b.occurred_on, group=evening_b)
    open_day = class_activity("open_class_day", dt.date(2026, 10, 8), k, "gk", removed=True)
    moment(goossens, "open_class_day", open_day.occurred_on, group=open_day)
    moment(wouters, "open_class_day", open_day.occurred_on, group=open_day)
    return {"3A": a.id, "5B": b.id, "K2": k.id, "janssens": janssens.id}
