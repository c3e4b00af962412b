"""What the family form hands the services: plain values, checked by the form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from school.families.models import (
    Kinship,
)
from school.grid import Mediator

# --- plain input, built by the form ----------------------------------------------


@dataclass
class CaregiverInput:
    id: int | None
    first_name: str
    last_name: str
    kinship: Kinship
    phone: str | None = None
    email: str | None = None
    contact_language: str | None = None
    remove: bool = False


@dataclass
class ChildInput:
    pupil_id: int | None
    first_name: str
    last_name: str
    birth_date: dt.date | None = None
    class_id: int | None = None
    external_key: str | None = None
    remove: bool = False


@dataclass
class AgreementInput:
    id: int | None
    form_id: int | None
    every_days: int | None = None
    occasion: str | None = None
    remove: bool = False


@dataclass
class HouseholdInput:
    display_name: str = ""
    about_child: str | None = None
    needs_from_school: str | None = None
    contact_language: str | None = None
    interpreter_needed: bool = False
    interpreter_language: str | None = None
    written_ok: bool | None = None
    digital_ok: bool | None = None
    preferred_channels: list[str] = field(default_factory=list)
    preferred_times: list[str] = field(default_factory=list)
    contact_note: str | None = None
    help_offer: str | None = None
    info_explained: list[int] = field(default_factory=list)
    contact_person_id: int | None = None
    consent_external: bool = False
    intake_mediator: Mediator = Mediator.NONE
    caregivers: list[CaregiverInput] = field(default_factory=list)
    children: list[ChildInput] = field(default_factory=list)
    agreements: list[AgreementInput] = field(default_factory=list)


@dataclass
class TopicInput:
    id: int
    label: str | None
    active: bool
    sort_order: int | None
