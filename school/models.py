"""Every model, imported in one place (for migrations and relationship lookups)."""

from school.accounts.models import ROLE_LABELS, Role, User, class_teachers
from school.contacts.models import (
    ContactAgreement,
    ContactForm,
    ContactLevel,
    ContactMoment,
    GroupContact,
    Initiative,
    Mediator,
    Reach,
    Tone,
)
from school.families.models import (
    Caregiver,
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
from school.privacy.models import AuditEvent
from school.visibility.models import Approach, FollowUp, FollowUpStatus, Setting
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
