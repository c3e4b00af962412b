"""A family changed by somebody else meanwhile: the two versions side by side, as lines of text."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from school.accounts.models import User
from school.audit import AuditEvent
from school.catalogue import ContactForm
from school.extensions import db
from school.families import intake
from school.families.inputs import HouseholdInput
from school.families.models import (
    Household,
    SchoolClass,
)
from school.families.topics import topic_choices
from school.i18n import language_name


@dataclass
class Difference:
    label: str
    saved: str
    yours: str


class EditConflict(Exception):
    """Somebody else saved the family after this form was opened."""

    def __init__(
        self, household: Household, differences: list[Difference], by: str | None, at: dt.datetime | None
    ):
        super().__init__(household.id)
        self.household = household
        self.differences = differences
        self.by = by
        self.at = at


# --- what a household looks like, for the conflict view -------------------------------

SUMMARY_LABELS = {
    "display_name": _l("Family name in lists"),
    "contact_language": _l("Language for contact"),
    "interpreter": _l("Interpreter"),
    "written_ok": _l("Written messages work"),
    "digital_ok": _l("Digital messages work"),
    "channels": _l("Preferred ways of contact"),
    "times": _l("Times that suit them"),
    "about_child": _l("What should the school know about the child?"),
    "needs_from_school": _l("What do the parents need from the school?"),
    "contact_note": _l("Other agreements about contact"),
    "help_offer": _l("What would they like to help with?"),
    "info_explained": _l("What the school explained"),
    "caregivers": _l("Caregivers"),
    "children": _l("Children"),
    "agreements": _l("Agreement"),
    "contact_person": _l("Fixed contact person"),
    "consent_external": _l("Consent to share with external partners"),
}


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else (_("yes") if value else _("no"))


def summary(household: Household) -> dict[str, str]:
    """Each part of a saved household as one line of text."""
    return _summary_lines(
        display_name=household.display_name,
        contact_language=language_name(household.contact_language),
        interpreter=(language_name(household.interpreter_language) or _("yes"))
        if household.interpreter_needed
        else _("no"),
        written_ok=_yes_no(household.written_ok),
        digital_ok=_yes_no(household.digital_ok),
        channels=", ".join(intake.channel_label(c) for c in household.preferred_channels or []),
        times=", ".join(intake.time_label(t) for t in household.preferred_times or []),
        about_child=household.about_child or "",
        needs_from_school=household.needs_from_school or "",
        contact_note=household.contact_note or "",
        help_offer=household.help_offer or "",
        info_explained=sorted(int(i) for i in household.info_explained or []),
        caregivers=[(c.full_name, c.kinship, c.phone, c.email) for c in household.caregivers],
        children=[(p.full_name, p.school_class_id) for p in household.pupils],
        agreements=[(a.form_id, a.every_days, a.occasion) for a in household.agreements if a.active],
        contact_person=household.contact_person_id,
        consent_external=_yes_no(household.consent_external),
    )


def summary_of_input(data: HouseholdInput) -> dict[str, str]:
    return _summary_lines(
        display_name=data.display_name,
        contact_language=language_name(data.contact_language),
        interpreter=(language_name(data.interpreter_language) or _("yes"))
        if data.interpreter_needed
        else _("no"),
        written_ok=_yes_no(data.written_ok),
        digital_ok=_yes_no(data.digital_ok),
        channels=", ".join(intake.channel_label(c) for c in data.preferred_channels),
        times=", ".join(intake.time_label(t) for t in data.preferred_times),
        about_child=data.about_child or "",
        needs_from_school=data.needs_from_school or "",
        contact_note=data.contact_note or "",
        help_offer=data.help_offer or "",
        info_explained=sorted(data.info_explained),
        caregivers=[
            (f"{c.first_name} {c.last_name}".strip(), c.kinship, c.phone, c.email)
            for c in data.caregivers
            if not c.remove and c.first_name
        ],
        children=[
            (f"{c.first_name} {c.last_name}".strip(), c.class_id) for c in data.children if not c.remove
        ],
        agreements=[
            (a.form_id, a.every_days, a.occasion) for a in data.agreements if not a.remove and a.form_id
        ],
        contact_person=data.contact_person_id,
        consent_external=_yes_no(data.consent_external),
    )


def _summary_lines(
    *, info_explained, caregivers, children, agreements, contact_person, **plain
) -> dict[str, str]:
    topics = dict(topic_choices(info_explained))
    classes = {c.id: c.name for c in db.session.scalars(select(SchoolClass))} if children else {}
    form_ids = {a[0] for a in agreements}
    forms = (
        {f.id: f.label for f in db.session.scalars(select(ContactForm).where(ContactForm.id.in_(form_ids)))}
        if form_ids
        else {}
    )
    person = db.session.get(User, contact_person) if contact_person else None
    lines = dict(plain)
    lines["info_explained"] = ", ".join(topics.get(i, "?") for i in info_explained)
    lines["caregivers"] = "; ".join(
        " · ".join(str(v) for v in (name, kinship.label, phone, email) if v)
        for name, kinship, phone, email in caregivers
    )
    lines["children"] = "; ".join(f"{name} ({classes.get(cid, '—')})" for name, cid in children)
    lines["agreements"] = "; ".join(
        " · ".join(v for v in (forms.get(fid, "?"), intake.rhythm_label(days), occasion or "") if v)
        for fid, days, occasion in agreements
    )
    lines["contact_person"] = person.name if person else _("the class teacher of the youngest child")
    return {key: lines.get(key, "") for key in SUMMARY_LABELS}


def conflict_with(household: Household, data: HouseholdInput) -> EditConflict:
    saved, yours = summary(household), summary_of_input(data)
    differences = [
        Difference(str(SUMMARY_LABELS[key]), saved[key], yours[key])
        for key in SUMMARY_LABELS
        if saved[key] != yours[key]
    ]
    last = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.household_ref == str(household.id),
            AuditEvent.action.in_(("family.updated", "family.created")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    by = None
    if last is not None and last.user_id:
        author = db.session.get(User, last.user_id)
        by = author.name if author else None
    return EditConflict(household, differences, by, last.at if last is not None else None)
