"""Reading for the family's rights and the audit trail: the export, retention, browsing."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from school import schoolyear
from school.accounts.models import User
from school.audit import AuditEvent
from school.contacts.models import ContactMoment, Initiative, Reach, Tone
from school.extensions import db
from school.families import intake
from school.families.models import (
    Enrolment,
    Household,
    InfoTopic,
    Kinship,
    Pupil,
    SchoolClass,
    household_pupils,
)
from school.families.topics import topic_label
from school.grid import Mediator, Quadrant
from school.i18n import language_name
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from school.visibility.queries import family_reach
from school.visibility.signals import SIGNAL_TITLES

EXPORT_FORMAT = "schoolpoort-household-export"
AUDIT_PAGE_SIZE = 50

# The actions of the audit trail, as the director reads them.
ACTION_LABELS = {
    "login": _l("logged in"),
    "login.failed": _l("failed login"),
    "login.throttled": _l("login refused after too many attempts"),
    "logout": _l("logged out"),
    "password.changed": _l("changed their password"),
    "password.reset": _l("password reset by the administrator"),
    "user.created": _l("account created"),
    "user.updated": _l("account changed"),
    "access.refused": _l("access refused"),
    "family.viewed": _l("family page viewed"),
    "family.created": _l("family added"),
    "family.updated": _l("family details changed"),
    "family.exported": _l("family data exported"),
    "family.erased": _l("family erased"),
    "consent.given": _l("consent to share recorded"),
    "consent.withdrawn": _l("consent to share withdrawn"),
    "contact.created": _l("contact logged"),
    "contact.logged": _l("contact logged"),
    "contact.updated": _l("contact corrected"),
    "contact.removed": _l("contact removed"),
    "group_contact.created": _l("group contact logged"),
    "group_contact.removed": _l("group contact removed"),
    "follow_up.created": _l("follow-up planned"),
    "follow_up.updated": _l("follow-up changed"),
    "follow_up.entrusted": _l("follow-up entrusted, and with it the family"),
    "contact_form.created": _l("contact form added to the catalogue"),
    "contact_form.updated": _l("contact form changed"),
    "contact_form.moved": _l("catalogue reordered"),
    "settings.updated": _l("settings changed"),
    "settings.info_topics_changed": _l("intake checklist changed"),
    "roster.imported": _l("roster imported"),
    "roster.profile_saved": _l("roster profile saved"),
    "dashboard.exported": _l("dashboard figures exported"),
}


# Why: for erasures and refusals.
REASON_LABELS = {
    "request": _l("at the parents' request"),
    "left_school": _l("the family left the school"),
    "retention": _l("retention period over"),
    "role": _l("not for this role"),
    "scope": _l("outside the user's families"),
}
OBJECT_LABELS = {
    "household": _l("family"),
    "contact_moment": _l("contact moment"),
    "group_contact": _l("group contact"),
    "follow_up": _l("follow-up"),
    "user": _l("account"),
    "contact_form": _l("contact form"),
    "setting": _l("setting"),
    "info_topic": _l("intake checklist"),
    "roster": _l("roster"),
    "submission": _l("saved form"),
    "dashboard": _l("dashboard"),
}

# The same thing under another name (the intake's own contact moment).
ACTION_ALIASES = {"contact.created": ("contact.logged",)}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


# --- the export -------------------------------------------------------------------


def household_record(household: Household, *, transfer: bool = False) -> dict:
    """Everything the school holds about a household, as plain data (JSON-ready).

    `transfer=True` is what goes to a new school: no notes or other free text,
    no signals, follow-ups or audit trail, no removed entries, no staff names.
    """
    household = db.session.scalar(
        select(Household)
        .where(Household.id == household.id)
        .options(
            selectinload(Household.caregivers),
            selectinload(Household.pupils).selectinload(Pupil.enrolments)
            .selectinload(Enrolment.school_class).selectinload(SchoolClass.school_year),
            selectinload(Household.agreements),
            selectinload(Household.contact_person),
        )
        .execution_options(populate_existing=True)
    )
    record: dict = {
        "format": EXPORT_FORMAT,
        "version": 1,
        "kind": "transfer" if transfer else "access",
        "school": current_app.config["SCHOOL_NAME"],
        "exported_at": _iso(schoolyear.utcnow()),
        "household": _household_facts(household, transfer),
        "caregivers": [
            {
                "first_name": c.first_name, "last_name": c.last_name, "kinship": c.kinship.value,
                "phone": c.phone, "email": c.email, "contact_language": c.contact_language,
            }
            for c in household.caregivers
        ],
        "children": [
            {
                "first_name": p.first_name, "last_name": p.last_name, "birth_date": _iso(p.birth_date),
                "class": _last_class(p).name if _last_class(p) else None,
                "school_year": _last_class(p).school_year.label if _last_class(p) else None,
                "classes_through_time": "; ".join(
                    f"{e.school_class.name} {e.school_class.school_year.label}: "
                    f"{_iso(e.started_on)} – {_iso(e.ended_on) or ''}".strip()
                    for e in p.enrolments
                ),
                "pupil_number": p.external_key, "left_on": _iso(p.left_on),
            }
            for p in household.pupils
        ],
        "agreements": [
            {
                "contact_form": a.form.label, "every_days": a.every_days,
                "occasion": None if transfer else a.occasion, "active": a.active,
                "agreed_on": _iso(a.agreed_on),
            }
            for a in household.agreements
        ],
        "contact_moments": _moments(household, transfer),
    }
    if not transfer:
        record["follow_ups"] = _follow_ups(household)
        record["signals"] = _signals(household)
        record["audit_trail"] = _trail(household)
    return record


def _last_class(pupil: Pupil) -> SchoolClass | None:
    """The class the pupil is in, or was in last (a child who left keeps the class it left from)."""
    return pupil.enrolments[-1].school_class if pupil.enrolments else None


def _household_facts(household: Household, transfer: bool) -> dict:
    topics = {
        t.id: t for t in db.session.scalars(
            select(InfoTopic).where(InfoTopic.id.in_([int(i) for i in household.info_explained or []]))
        )
    }
    facts = {
        "name": household.display_name,
        "contact_language": household.contact_language,
        "interpreter_needed": household.interpreter_needed,
        "interpreter_language": household.interpreter_language,
        "written_messages_work": household.written_ok,
        "digital_messages_work": household.digital_ok,
        "preferred_channels": list(household.preferred_channels or []),
        "preferred_times": list(household.preferred_times or []),
        "explained_at_intake": [topic_label(topics[int(i)]) for i in household.info_explained or []
                                if int(i) in topics],
        "intake_status": household.intake_status.value,
        "intake_on": _iso(household.intake_on),
    }
    if transfer:
        return facts
    return {
        "reference": household.id,
        **facts,
        "about_the_child": household.about_child,
        "needs_from_school": household.needs_from_school,
        "would_like_to_help_with": household.help_offer,
        "contact_note": household.contact_note,
        "intake_helped_by": household.intake_mediator.label if household.intake_mediator else None,
        "fixed_contact_person": household.contact_person.name if household.contact_person else None,
        "consent_to_share_with_partners": household.consent_external,
        "consent_given_at": _iso(household.consent_external_at),
        "consent_withdrawn_at": _iso(household.consent_withdrawn_at),
        "created_at": _iso(household.created_at),
        "updated_at": _iso(household.updated_at),
    }


def _moments(household: Household, transfer: bool) -> list[dict]:
    stmt = (
        select(ContactMoment)
        .where(ContactMoment.household_id == household.id)
        .options(
            selectinload(ContactMoment.form), selectinload(ContactMoment.pupil),
            selectinload(ContactMoment.caregiver), selectinload(ContactMoment.logged_by),
            selectinload(ContactMoment.group),
        )
        .order_by(ContactMoment.occurred_on, ContactMoment.id)
    )
    if transfer:
        stmt = stmt.where(ContactMoment.removed_at.is_(None))
    rows = []
    for m in db.session.scalars(stmt):
        row = {
            "date": _iso(m.occurred_on),
            "contact_form": m.form.label,
            "quadrant": m.form.quadrant.value,
            "initiative": m.initiative.value,
            "reach": m.reach.value,
            "tone": m.tone.value,
            "helped_by": m.mediator.value,
            "about_child": m.pupil.first_name if m.pupil else None,
            "spoke_with": m.caregiver.full_name if m.caregiver else None,
            "group_activity": (m.group.title or m.form.label) if m.group else None,
        }
        if not transfer:
            row.update(
                logged_by=m.logged_by.name if m.logged_by else None,
                note=m.note,
                confidential=m.confidential,
                logged_at=_iso(m.created_at),
                removed_at=_iso(m.removed_at),
            )
        rows.append(row)
    return rows


def _follow_ups(household: Household) -> list[dict]:
    rows = db.session.scalars(
        select(FollowUp).where(FollowUp.household_id == household.id)
        .options(selectinload(FollowUp.owner), selectinload(FollowUp.entrusted_by))
        .order_by(FollowUp.created_at, FollowUp.id)
    )
    return [
        {
            "planned_at": _iso(f.created_at), "because_of": f.signal_code,
            "owner": f.owner.name if f.owner else None,
            "entrusted_by": f.entrusted_by.name if f.entrusted_by else None,
            "entrusted_at": _iso(f.entrusted_at),
            "approach": f.approach.value, "due_on": _iso(f.due_on), "status": f.status.value, "plan": f.note,
            "closing_reason": f.closing_reason, "closed_at": _iso(f.closed_at),
        }
        for f in rows
    ]


def _signals(household: Household) -> list[dict]:
    return [
        {"signal": s.code, "title": s.title, "explanation": s.explanation}
        for s in family_reach(household).signals
    ]


def _trail(household: Household) -> list[dict]:
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.household_ref == str(household.id))
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [{"at": _iso(e.at), "action": e.action, "by": name} for e, name in rows]


# --- the export as a page ---------------------------------------------------------------

EXPORT_LABELS = {
    "household": _l("The household"),
    "caregivers": _l("Caregivers"),
    "children": _l("Children"),
    "agreements": _l("Agreed ways of contact"),
    "contact_moments": _l("Contact moments"),
    "follow_ups": _l("Follow-ups"),
    "signals": _l("Signals about the school's contact"),
    "audit_trail": _l("Who viewed or changed these data"),
    "reference": _l("Reference"),
    "name": _l("Name"),
    "contact_language": _l("Language for contact"),
    "interpreter_needed": _l("Interpreter needed"),
    "interpreter_language": _l("Language of the interpreter"),
    "written_messages_work": _l("Written messages work for them"),
    "digital_messages_work": _l("Digital messages work for them"),
    "preferred_channels": _l("Preferred ways of contact"),
    "preferred_times": _l("Preferred times"),
    "explained_at_intake": _l("Explained at the intake"),
    "intake_status": _l("Intake"),
    "intake_on": _l("Intake on"),
    "intake_helped_by": _l("Who helped during the intake conversation"),
    "about_the_child": _l("What we should know about the child"),
    "needs_from_school": _l("What they need from the school"),
    "would_like_to_help_with": _l("What they would like to help with"),
    "contact_note": _l("Note on how to reach them"),
    "fixed_contact_person": _l("Fixed contact person"),
    "consent_to_share_with_partners": _l("Consent to share with external partners"),
    "consent_given_at": _l("Consent given on"),
    "consent_withdrawn_at": _l("Consent withdrawn on"),
    "created_at": _l("Added on"),
    "updated_at": _l("Last changed on"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "kinship": _l("Relationship"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "birth_date": _l("Date of birth"),
    "class": _l("Class"),
    "school_year": _l("School year"),
    "classes_through_time": _l("Classes through time"),
    "pupil_number": _l("Pupil number"),
    "left_on": _l("Left on"),
    "contact_form": _l("Contact form"),
    "every_days": _l("Every how many days"),
    "occasion": _l("Occasion"),
    "active": _l("Active"),
    "agreed_on": _l("Agreed on"),
    "date": _l("Date"),
    "quadrant": _l("Quadrant"),
    "initiative": _l("Initiative"),
    "reach": _l("Reach"),
    "tone": _l("Tone"),
    "helped_by": _l("Helped by"),
    "about_child": _l("About"),
    "spoke_with": _l("Spoke with"),
    "group_activity": _l("Group activity"),
    "logged_by": _l("Logged by"),
    "note": _l("Note"),
    "confidential": _l("Confidential"),
    "logged_at": _l("Logged at"),
    "removed_at": _l("Removed at"),
    "planned_at": _l("Planned at"),
    "because_of": _l("Because of"),
    "owner": _l("Owner"),
    "entrusted_by": _l("Entrusted by"),
    "entrusted_at": _l("Entrusted on"),
    "approach": _l("Approach"),
    "due_on": _l("Due on"),
    "status": _l("Status"),
    "plan": _l("Plan"),
    "closing_reason": _l("Reason for closing"),
    "closed_at": _l("Closed at"),
    "signal": _l("Signal"),
    "title": _l("Title"),
    "explanation": _l("Explanation"),
    "at": _l("When"),
    "action": _l("What"),
    "by": _l("Who"),
}


def export_labels() -> dict[str, str]:
    return {key: str(label) for key, label in EXPORT_LABELS.items()}


def _enum_labels() -> dict:
    return {
        "kinship": lambda v: Kinship(v).label,
        "quadrant": lambda v: Quadrant(v).label,
        "initiative": lambda v: Initiative(v).label,
        "reach": lambda v: Reach(v).label,
        "tone": lambda v: Tone(v).label,
        "helped_by": lambda v: Mediator(v).label,
        "approach": lambda v: Approach(v).label,
        "status": lambda v: FollowUpStatus(v).label,
        "because_of": lambda v: str(SIGNAL_TITLES.get(v, v)),
        "preferred_channels": intake.channel_label,
        "preferred_times": intake.time_label,
        "action": action_label,
    }


def value_label(key: str, value: object) -> str:
    """A value of the export as a person reads it, in the interface language."""
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value_label(key, v) for v in value)
    if key in ("contact_language", "interpreter_language"):
        return language_name(str(value))
    if key == "intake_status":
        return {"done": _("held"), "draft": _("started"), "none": _("not yet")}.get(str(value), str(value))
    describe = _enum_labels().get(key)
    if describe is not None:
        try:
            return str(describe(value))
        except (ValueError, KeyError):
            return str(value)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            if len(value) == 10:
                return format_date(dt.date.fromisoformat(value))
            moment = dt.datetime.fromisoformat(value)
            return format_datetime(moment.astimezone(dt.UTC).replace(tzinfo=None), "medium")
        except ValueError:
            return value
    return str(value)


def held_counts(household: Household) -> dict[str, int]:
    """How much the school holds about a household, for the privacy page."""

    def count(stmt: Select) -> int:
        return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    return {
        "caregivers": len(household.caregivers),
        "children": len(household.pupils),
        "moments": count(select(ContactMoment.id).where(ContactMoment.household_id == household.id)),
        "notes": count(select(ContactMoment.id).where(
            ContactMoment.household_id == household.id, ContactMoment.note.is_not(None))),
        "follow_ups": count(select(FollowUp.id).where(FollowUp.household_id == household.id)),
        "events": count(select(AuditEvent.id).where(AuditEvent.household_ref == str(household.id))),
    }


# --- retention -----------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PurgeCandidate:
    household_id: int
    name: str
    last_left_on: dt.date


def retention_candidates(today: dt.date | None = None, months: int | None = None) -> list[PurgeCandidate]:
    """Households whose children all left more than `months` months ago (one query)."""
    today = today or schoolyear.today()
    months = int(current_app.config["RETENTION_MONTHS"]) if months is None else months
    cutoff = months_before(today, months)
    last_left = func.max(Pupil.left_on)
    rows = db.session.execute(
        select(Household.id, Household.display_name, last_left)
        .join(household_pupils, household_pupils.c.household_id == Household.id)
        .join(Pupil, Pupil.id == household_pupils.c.pupil_id)
        .group_by(Household.id, Household.display_name)
        # count(left_on) counts the children who left: all of them, long enough ago.
        .having(func.count(Pupil.id) == func.count(Pupil.left_on), last_left < cutoff)
        .order_by(last_left, Household.id)
    )
    return [PurgeCandidate(h, name, left) for h, name, left in rows]


# --- browsing the audit trail ----------------------------------------------------------


@dataclass
class AuditFilter:
    family: str = ""
    user_id: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def as_args(self) -> dict:
        return {
            k: v for k, v in {
                "family": self.family, "user": self.user_id, "action": self.action,
                "date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
            }.items() if v
        }


@dataclass
class AuditRow:
    event: AuditEvent
    user_name: str | None
    family_name: str | None

    @property
    def action_label(self) -> str:
        return action_label(self.event.action)

    @property
    def reason_label(self) -> str | None:
        reason = (self.event.detail or {}).get("reason")
        label = REASON_LABELS.get(reason) if isinstance(reason, str) else None
        return str(label) if label is not None else None

    @property
    def object_label(self) -> str:
        if not self.event.object_type:
            return ""
        label = OBJECT_LABELS.get(self.event.object_type)
        name = str(label) if label is not None else self.event.object_type
        return f"{name} {self.event.object_id}" if self.event.object_id else name


@dataclass
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // AUDIT_PAGE_SIZE))


def _family_refs(text: str) -> list[str] | None:
    """A reference (id or pseudonym) as is; a name: the references of matching households."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() or text.startswith("x-"):
        return [text]
    ids = db.session.scalars(
        select(Household.id).where(func.lower(Household.display_name).contains(text.lower())).limit(200)
    )
    return [str(i) for i in ids]


def audit_page(filters: AuditFilter, page: int = 1) -> AuditPage:
    stmt = select(AuditEvent)
    refs = _family_refs(filters.family)
    if refs is not None:
        stmt = stmt.where(AuditEvent.household_ref.in_(refs))
    if filters.user_id:
        stmt = stmt.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        actions = [filters.action, *ACTION_ALIASES.get(filters.action, ())]
        stmt = stmt.where(
            or_(AuditEvent.action.in_(actions), AuditEvent.action.startswith(filters.action + "."))
        )
    if filters.date_from:
        stmt = stmt.where(AuditEvent.at >= schoolyear.utc_start_of(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.at < schoolyear.utc_start_of(filters.date_to + dt.timedelta(days=1)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // AUDIT_PAGE_SIZE))))
    events = list(db.session.scalars(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE).limit(AUDIT_PAGE_SIZE)
    ))
    user_ids = {e.user_id for e in events if e.user_id}
    names = {i: name for i, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(user_ids))
    )}
    household_ids = {int(e.household_ref) for e in events if (e.household_ref or "").isdigit()}
    families = {i: name for i, name in db.session.execute(
        select(Household.id, Household.display_name).where(Household.id.in_(household_ids))
    )}
    rows = [
        AuditRow(e, names.get(e.user_id),
                 families.get(int(e.household_ref)) if (e.household_ref or "").isdigit() else None)
        for e in events
    ]
    return AuditPage(rows, total, page)


def user_choices() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in db.session.scalars(select(User).order_by(User.name))]


def action_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items() if code != "contact.logged"),
                  key=lambda c: c[1].lower())
