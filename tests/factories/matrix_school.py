"""The route matrix's school: every kind of record, inside and outside a teacher's reach.

Built directly in the database (fast): the five roles and a second teacher,
class A (the teacher's) and class B (the other teacher's), a family in each,
per role a contact moment and a class activity on each side, a follow-up on
each side and stored roster uploads. The matrix, the privacy and the security
tests sign its users in with `tests.factories.app.signed_in_client`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from school.accounts.models import Role, User
from school.accounts.passwords import hash_password
from school.catalogue import ContactForm
from school.contacts.models import ContactMoment, GroupContact, Initiative, Reach
from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear
from school.families.uploads import store_upload
from school.schoolyear import span_for
from school.visibility.models import Approach, FollowUp
from tests.factories.rows import enrolled

ROSTER = Path(__file__).resolve().parent.parent / "fixtures" / "roster" / "utf8_comma.csv"

_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password("matrix password, not used"))
    return _HASH[0]


@dataclass
class School:
    """Ids of a small school: class A (the teacher's) and class B (another teacher's)."""

    users: dict[str, int] = field(default_factory=dict)
    inside: int = 0  # a family in class A
    outside: int = 0  # a family in class B only
    # Per role: logged by that role in `inside`, and logged by the other teacher in `outside`
    # (each role its own, so that one role's removal does not change what the next one finds).
    moments: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    moments_outside: dict[str, int] = field(default_factory=dict)
    tokens_outside: dict[str, str] = field(default_factory=dict)
    groups_outside: dict[str, int] = field(default_factory=dict)
    uploads: dict[str, str] = field(default_factory=dict)
    follow_up_inside: int = 0
    follow_up_outside: int = 0
    form_id: int = 0
    class_a: int = 0
    class_b: int = 0


def build_school(app: Flask) -> School:
    """Everything directly in the database (fast): users, two classes, two families, records."""
    ids = School()
    with app.app_context():
        span = span_for(dt.date.today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
        db.session.flush()
        class_a = SchoolClass(school_year_id=year.id, name="A", level=Level.LAGER)
        class_b = SchoolClass(school_year_id=year.id, name="B", level=Level.LAGER)
        db.session.add_all([class_a, class_b])
        db.session.flush()
        users = {}
        for key, role, classes in [
            ("reception", Role.RECEPTION, []), ("teacher", Role.TEACHER, [class_a]), ("care", Role.CARE, []),
            ("director", Role.DIRECTOR, []), ("admin", Role.ADMIN, []),
            ("other_teacher", Role.TEACHER, [class_b]),
        ]:
            users[key] = User(name=f"Matrix {key}", email=f"{key}@matrix.test", role=role,
                              password_hash=_password_hash(), classes=classes)
        db.session.add_all(users.values())
        inside = Household(display_name="Gezin Binnen", pupils=[Pupil(first_name="Ina", last_name="Binnen",
                                                                     enrolments=enrolled(class_a))])
        inside.caregivers.append(Caregiver(first_name="Iris", last_name="Binnen", kinship=Kinship.MOTHER))
        outside = Household(display_name="Gezin Buiten", pupils=[Pupil(first_name="Bo", last_name="Buiten",
                                                                      enrolments=enrolled(class_b))])
        db.session.add_all([inside, outside])
        db.session.flush()
        gate = db.session.scalar(select(ContactForm).where(ContactForm.code == "gate_conversation"))
        evening = db.session.scalar(select(ContactForm).where(ContactForm.code == "info_evening")) or gate
        today = dt.date.today()

        def moment(household, user_key, token, group=None):
            m = ContactMoment(
                household_id=household.id, form_id=gate.id, occurred_on=today, initiative=Initiative.SCHOOL,
                reach=Reach.TWO_WAY, logged_by_id=users[user_key].id, submission_token=token,
                group_id=group.id if group else None, note="matrix note",
            )
            db.session.add(m)
            db.session.flush()
            return m

        def group(klass, user_key, token):
            g = GroupContact(form_id=evening.id, class_id=klass.id, occurred_on=today,
                             logged_by_id=users[user_key].id, submission_token=token)
            db.session.add(g)
            db.session.flush()
            moment(inside if klass is class_a else outside, user_key, token, g)
            return g

        for key in ("reception", "teacher", "care", "director", "admin"):
            ids.moments[key] = moment(inside, key, f"matrix-token-{key}-in").id
            ids.tokens[key] = f"matrix-token-{key}-in"
            ids.groups[key] = group(class_a, key, f"group-{key}").id
            ids.moments_outside[key] = moment(outside, "other_teacher", f"matrix-token-{key}-out").id
            ids.tokens_outside[key] = f"matrix-token-{key}-out"
            ids.groups_outside[key] = group(class_b, "other_teacher", f"group-out-{key}").id
        fu_in = FollowUp(household_id=inside.id, owner_id=users["teacher"].id, approach=Approach.GATE)
        fu_out = FollowUp(household_id=outside.id, owner_id=users["other_teacher"].id,
                          approach=Approach.PHONE)
        db.session.add_all([fu_in, fu_out])
        db.session.commit()
        data = ROSTER.read_bytes()
        for key in ("reception", "director", "admin"):
            ids.uploads[key] = store_upload(data, ROSTER.name, users[key])
        ids.users = {key: u.id for key, u in users.items()}
        ids.inside, ids.outside = inside.id, outside.id
        ids.follow_up_inside, ids.follow_up_outside = fu_in.id, fu_out.id
        ids.form_id = gate.id
        ids.class_a, ids.class_b = class_a.id, class_b.id
    return ids
