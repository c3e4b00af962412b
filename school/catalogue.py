"""The catalogue of contact forms: each form sits in one quadrant of the grid.

The vocabulary every domain shares (an agreement with a family names a form, a
contact moment takes one, the dashboard counts by them), so it lives beside the
grid. Seeded from DOMAIN.md, Tabel 1 and the sources.

Seeded forms are known by a stable code and shown in the user's language; a
school's own forms keep the name the school gave them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from school.extensions import db, enum_type
from school.grid import Quadrant
from school.labels import Labelled, labels


class ContactLevel(Labelled):
    FAMILY = "family"
    CLASS = "class"
    SCHOOL = "school"


CONTACT_LEVEL_LABELS = labels(ContactLevel, {
    ContactLevel.FAMILY: _l("pupil or family"),
    ContactLevel.CLASS: _l("class"),
    ContactLevel.SCHOOL: _l("whole school"),
})


class ContactForm(db.Model):
    """A form of contact in the catalogue; each sits in one quadrant."""

    __tablename__ = "contact_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Seeded forms have a code and a translated label; a school's own have a name only.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    quadrant: Mapped[Quadrant] = mapped_column(enum_type(Quadrant, 20))
    level: Mapped[ContactLevel] = mapped_column(enum_type(ContactLevel, 8))
    # A broadcast (newsletter, class WhatsApp post) never counts as reaching a family.
    is_broadcast: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # The catalogue page's submission that added it: a resend of that form adds nothing.
    submission_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)

    @property
    def label(self) -> str:
        return label_for(self)


IO, FO = Quadrant.INFORMAL_ORAL, Quadrant.FORMAL_ORAL
IW, FW = Quadrant.INFORMAL_WRITTEN, Quadrant.FORMAL_WRITTEN


@dataclass(frozen=True)
class SeedForm:
    code: str
    name_nl: str
    label: object  # a lazy string
    quadrant: Quadrant
    level: str = "family"
    broadcast: bool = False


SEED_FORMS: tuple[SeedForm, ...] = (
    # informal, oral
    SeedForm("gate_conversation", "Gesprek aan de schoolpoort", _l("Conversation at the school gate"), IO),
    SeedForm("classroom_chat", "Kort praatje in de klas", _l("Short chat in the classroom"), IO),
    SeedForm("helping_in_class", "Meedraaien in de klas", _l("Joining in the classroom"), IO),
    SeedForm("spontaneous_call", "Spontaan telefoontje", _l("Spontaneous phone call"), IO),
    SeedForm("parent_cafe", "Oudercafé", _l("Parents' café"), IO, "school"),
    SeedForm("school_party", "Schoolfeest", _l("School party"), IO, "school"),
    SeedForm("open_class_day", "Openklasdag", _l("Open classroom day"), IO, "class"),
    # formal, oral
    SeedForm("parent_meeting", "Oudercontact / tienminutengesprek", _l("Parent-teacher meeting"), FO),
    SeedForm("planned_call", "Gepland telefoongesprek", _l("Planned phone call"), FO),
    SeedForm("info_evening", "Informatieavond", _l("Information evening"), FO, "class"),
    SeedForm("enrolment_interview", "Inschrijvingsgesprek", _l("Enrolment interview"), FO),
    SeedForm("start_conversation", "Startgesprek", _l("Start-of-year conversation"), FO),
    SeedForm("home_visit", "Gepland huisbezoek", _l("Planned home visit"), FO),
    SeedForm("kom_conversation", "KOM-gesprek / driehoeksgesprek", _l("Child-parent-teacher conversation"), FO),
    SeedForm("progress_conversation", "Voortgangsgesprek", _l("Progress conversation"), FO),
    SeedForm("class_meeting", "Klasvergadering", _l("Class meeting"), FO, "class"),
    # informal, written
    SeedForm("diary_message", "Bericht in de agenda", _l("Note in the school diary"), IW),
    SeedForm("notebook", "Heen-en-weerschriftje", _l("Home-school notebook"), IW),
    SeedForm("reminder_sms", "Herinnerings-sms", _l("Reminder text message"), IW),
    SeedForm("photos", "Foto's of filmpjes doorsturen", _l("Sending photos or videos"), IW, "class", True),
    SeedForm("class_chat_group", "WhatsApp/Signal-groep", _l("Class WhatsApp/Signal group"), IW, "class", True),
    # formal, written
    SeedForm("official_letter", "Officiële schoolbrief", _l("Official school letter"), FW),
    SeedForm("report", "Rapport", _l("School report"), FW),
    SeedForm("platform_message", "Bericht op online leerplatform", _l("Message on the online platform"), FW),
    SeedForm("letter_all", "Brief aan alle gezinnen", _l("Letter to every family"), FW, "school", True),
    SeedForm("newsletter", "Nieuwsbrief", _l("Newsletter"), FW, "school", True),
    SeedForm("school_rules", "Schoolreglement", _l("School rules"), FW, "school", True),
)

_SEEDS = {f.code: f for f in SEED_FORMS}


def label_for(form) -> str:
    """The form's name in the user's language (a school's own forms, and seeded
    forms the school renamed, as the school named them)."""
    seed = _SEEDS.get(form.code or "")
    if seed is None or (form.name and form.name != seed.name_nl):
        return form.name
    return str(seed.label)


def seed_rows() -> list[dict]:
    """The seeded catalogue as plain rows (used by the first migration and by tests)."""
    return [
        {
            "code": f.code,
            "name": f.name_nl,
            "quadrant": f.quadrant.value,
            "level": f.level,
            "is_broadcast": f.broadcast,
            "active": True,
            "sort_order": (i + 1) * 10,
        }
        for i, f in enumerate(SEED_FORMS)
    ]


def ensure_catalogue() -> int:
    """Add any seeded form that is missing (idempotent); returns how many were added."""
    present = set(db.session.scalars(select(ContactForm.code).where(ContactForm.code.is_not(None))))
    added = 0
    for row in seed_rows():
        if row["code"] in present:
            continue
        db.session.add(
            ContactForm(**{**row, "quadrant": Quadrant(row["quadrant"]), "level": ContactLevel(row["level"])})
        )
        added += 1
    return added
