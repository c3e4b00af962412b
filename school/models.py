"""Every model, imported in one place (for migrations and relationship lookups)."""

from school.accounts.models import User, class_teachers
from school.audit import AuditEvent
from school.catalogue import ContactForm, ContactLevel
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.families.models import (
    Caregiver,
    ContactAgreement,
    Enrolment,
    Household,
    InfoTopic,
    IntakeStatus,
    Kinship,
    Level,
    Pupil,
    SchoolClass,
    SchoolYear,
    household_pupils,
)
from school.policy import ROLE_LABELS, Role
from school.settings import Setting
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from school.visibility.store import (
    DailyContactCount,
    FamilyDayCount,
    FamilyQuadrantSummary,
    FamilyYearSummary,
)

__all__ = [
    "ROLE_LABELS",
    "Approach",
    "AuditEvent",
    "Caregiver",
    "ContactAgreement",
    "ContactForm",
    "ContactLevel",
    "ContactMoment",
    "DailyContactCount",
    "Enrolment",
    "FamilyDayCount",
    "FamilyQuadrantSummary",
    "FamilyYearSummary",
    "FollowUp",
    "FollowUpStatus",
    "GroupContact",
    "Household",
    "InfoTopic",
    "Initiative",
    "IntakeStatus",
    "Kinship",
    "Level",
    "Mediator",
    "Pupil",
    "Reach",
    "Role",
    "SchoolClass",
    "SchoolYear",
    "Setting",
    "Tone",
    "User",
    "class_teachers",
    "household_pupils",
]
