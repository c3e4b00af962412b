"""A small school for the contacts tests, built through the models and committed.

Class 1A (the teacher's class) has five families, class 2B two more; the El
Amrani family has a child in each class. Every family has a mother and a father.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Flask

from school import schoolyear
from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear
from tests.factories.rows import enrolled

FAMILIES_1A = ("Peeters", "El Amrani", "Nowak", "Janssens", "Diallo")
FAMILIES_2B = ("Dubois",)


@dataclass
class School:
    class_a: int
    class_b: int
    households: dict[str, int] = field(default_factory=dict)
    caregivers: dict[str, int] = field(default_factory=dict)
    pupils: dict[str, int] = field(default_factory=dict)


def build_school(app: Flask) -> School:
    with app.app_context():
        span = schoolyear.span_for(schoolyear.today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        class_a = SchoolClass(school_year=year, name="1A", level=Level.LAGER, sort_order=1)
        class_b = SchoolClass(school_year=year, name="2B", level=Level.LAGER, sort_order=2)
        db.session.add_all([year, class_a, class_b])
        children = {
            "Peeters": [("Emma", class_a)],
            "El Amrani": [("Yasmine", class_a), ("Adam", class_b)],
            "Nowak": [("Ola", class_a)],
            "Janssens": [("Mila", class_a)],
            "Diallo": [("Awa", class_a)],
            "Dubois": [("Lucas", class_b)],
        }
        made = {}
        for family, kids in children.items():
            household = Household(display_name=f"Gezin {family}")
            household.caregivers = [
                Caregiver(first_name="Sara", last_name=family, kinship=Kinship.MOTHER, sort_order=1),
                Caregiver(first_name="Omar", last_name=family, kinship=Kinship.FATHER, sort_order=2),
            ]
            household.pupils = [
                Pupil(first_name=first, last_name=family, enrolments=enrolled(school_class))
                for first, school_class in kids
            ]
            db.session.add(household)
            made[family] = household
        db.session.commit()
        school = School(class_a.id, class_b.id)
        for family, household in made.items():
            school.households[family] = household.id
            school.caregivers[family] = household.caregivers[1].id  # the father
            for pupil in household.pupils:
                school.pupils[pupil.first_name] = pupil.id
        return school
