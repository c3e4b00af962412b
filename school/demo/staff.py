"""Staff accounts, the two school years and their classes, and the context the other builders share."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from school.accounts.models import User
from school.accounts.passwords import hash_password
from school.catalogue import ContactForm
from school.demo.data import CLASSES, DEMO_PASSWORD, LOGIN_TEACHER_CLASS, STAFF, STAFF_DOMAIN
from school.demo.days import school_days
from school.demo.drafts import Ctx, YearCtx
from school.demo.draws import slug
from school.extensions import db
from school.families.models import InfoTopic, Level, SchoolClass, SchoolYear
from school.policy import Role
from school.schoolyear import YearSpan, span_for


def make_context(rng: random.Random, today: dt.date) -> Ctx:
    """Staff, last year's and this year's classes, and the catalogue the moments refer to."""
    forms = {f.code: f for f in db.session.scalars(select(ContactForm).where(ContactForm.code.is_not(None)))}
    topic_ids = list(db.session.scalars(select(InfoTopic.id).order_by(InfoTopic.sort_order)))
    staff, teachers = _create_staff()
    cur_span = span_for(today)
    prev_span = span_for(cur_span.start - dt.timedelta(days=1))
    # Each year's classes have their own teachers (the same names both years: a teacher of last
    # year's L2 sees this year's L2, not her pupils of last year who moved up to L3).
    cur_classes = _create_classes(_school_year(cur_span), teachers)
    prev_classes = _create_classes(_school_year(prev_span), teachers)
    titularis = {plan.name: teachers[plan.teachers[0]] for plan in CLASSES}
    return Ctx(
        rng=rng, today=today, staff=staff, titularis=titularis, forms=forms, topic_ids=topic_ids,
        prev=_year_ctx(prev_span, today, prev_classes, current=False),
        cur=_year_ctx(cur_span, today, cur_classes, current=True),
    )


def login_teacher_name() -> str:
    return next(p.teachers[0] for p in CLASSES if p.name == LOGIN_TEACHER_CLASS)


def staff_email(name: str) -> str:
    first, _, last = name.partition(" ")
    return f"{slug(first)}.{slug(last)}@{STAFF_DOMAIN}"


def level_of(class_name: str | None) -> Level:
    return next((p.level for p in CLASSES if p.name == class_name), Level.LAGER)


def _create_staff() -> tuple[dict[str, User], dict[str, User]]:
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
    staff = {s.key: User(name=s.name, email=s.email, role=s.role, password_hash=password_hash)
             for s in STAFF}
    teachers: dict[str, User] = {}
    for plan in CLASSES:
        for name in plan.teachers:
            if name not in teachers:
                teachers[name] = User(name=name, email=staff_email(name), role=Role.TEACHER,
                                      password_hash=password_hash)
    db.session.add_all([*staff.values(), *teachers.values()])
    return staff, teachers


def _school_year(span: YearSpan) -> SchoolYear:
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.starts_on == span.start))
    if year is None:
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
    return year


def _create_classes(year: SchoolYear, teachers: dict[str, User]) -> dict[str, SchoolClass]:
    classes = {}
    for i, plan in enumerate(CLASSES):
        cls = SchoolClass(school_year=year, name=plan.name, level=plan.level, sort_order=(i + 1) * 10)
        cls.teachers = [teachers[name] for name in plan.teachers]
        classes[plan.name] = cls
    db.session.add_all(classes.values())
    return classes


def _year_ctx(span: YearSpan, today: dt.date, classes: dict[str, SchoolClass], *, current: bool) -> YearCtx:
    end = min(span.end, today)
    return YearCtx(span=span, end=end, current=current, classes=classes,
                   days=school_days(span.start, end), full_days=len(school_days(span.start, span.end)))
