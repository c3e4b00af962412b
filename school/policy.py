"""Who may do what: the roles, the role lists the views are guarded with, and the note rules.

One place for the access policy, below every domain, so that a view, a query and a
template ask the same question the same way. Which pages a role may open is declared
on each view with these lists (school.access); which families a user reaches is the
family scope (school.families.scope).
"""

from __future__ import annotations

from typing import Protocol

from flask_babel import lazy_gettext as _l

from school.labels import Labelled, labels


class Role(Labelled):
    RECEPTION = "reception"
    TEACHER = "teacher"
    CARE = "care"
    DIRECTOR = "director"
    ADMIN = "admin"


ROLE_LABELS = labels(Role, {
    Role.RECEPTION: _l("Reception"),
    Role.TEACHER: _l("Teacher"),
    Role.CARE: _l("Care coordinator"),
    Role.DIRECTOR: _l("Director"),
    Role.ADMIN: _l("Administrator"),
})


# Who may log contacts (the admin manages the school, not its families).
LOGGERS = (Role.TEACHER, Role.RECEPTION, Role.CARE, Role.DIRECTOR)
# Who may read a family's contacts: its contact moments, grid, signals and follow-ups. The admin
# manages accounts, the catalogue and the rosters, so opens a family's details (names, classes,
# caregivers: the roster data it imports and de-duplicates) and nothing of its contacts.
CONTACT_READERS = (Role.RECEPTION, Role.TEACHER, Role.CARE, Role.DIRECTOR)
# Who may read any note, confidential ones included, and correct any moment.
CORRECTORS = (Role.CARE, Role.DIRECTOR)
# Who may change the catalogue of contact forms.
CATALOGUE_EDITORS = (Role.ADMIN, Role.DIRECTOR)
# Who may plan and own a follow-up.
FOLLOW_UP_ROLES = (Role.TEACHER, Role.CARE, Role.DIRECTOR)
# Who may give a follow-up - and with it the family - to a teacher who does not see that family yet
# (a teacher gives it only to herself or a colleague who already sees the family).
ENTRUSTERS = (Role.CARE, Role.DIRECTOR)


class _Person(Protocol):
    id: int
    role: Role


class _Logged(Protocol):
    logged_by_id: int | None
    note: str | None
    confidential: bool


def reads_contacts(user: _Person) -> bool:
    """Whether the user may read families' contacts at all (not the admin: see CONTACT_READERS)."""
    return user.role in CONTACT_READERS


def may_entrust(user: _Person) -> bool:
    """Whether the user may make a teacher outside the family's reach the owner of its follow-up."""
    return user.role in ENTRUSTERS


def may_correct(user: _Person, moment: _Logged) -> bool:
    """The author corrects their own contact moments; care and the director any (never the admin)."""
    return user.role in LOGGERS and (moment.logged_by_id == user.id or user.role in CORRECTORS)


def may_read_note(user: _Person, moment: _Logged) -> bool:
    """Notes: never the admin; the author always; reception never others'; confidential ones only
    care and the director."""
    if not moment.note or not reads_contacts(user):
        return False
    if moment.logged_by_id is not None and moment.logged_by_id == user.id:
        return True
    if user.role is Role.RECEPTION:
        return False
    if moment.confidential:
        return user.role in CORRECTORS
    return True
