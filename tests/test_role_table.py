"""The README's role table is what the code does (issue 23: least privilege, written down).

The table in README.md ("Privacy and security") says per role what it may read and change. This
module reads that table and probes every cell over HTTP as that role, on a school built for it:
it opens a family's page and looks for a known text, sends a change and looks in the database. A
cell and its probe that disagree fail here, so the table and the policy cannot drift apart.

A cell is "—" (nothing) or rights separated by commas: `read`, `change`, `read (own)` / `change
(own)` (only what the user wrote herself); the "Families" row says `all` or `own classes`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from school import audit
from school.accounts.models import Role, User
from school.accounts.passwords import hash_password
from school.catalogue import ContactForm, ContactLevel
from school.contacts.models import ContactMoment, Initiative, Reach
from school.extensions import db
from school.families.models import Caregiver, IntakeStatus, Kinship, Pupil
from school.grid import Quadrant
from school.visibility.models import Approach, FollowUp
from tests.factories.app import signed_in_client
from tests.factories.intake import form_values
from tests.factories.rows import TODAY, form, household, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")

README = Path(__file__).resolve().parent.parent / "README.md"
ROLE_ORDER = (Role.RECEPTION, Role.TEACHER, Role.CARE, Role.DIRECTOR, Role.ADMIN)
RIGHTS = frozenset({"read", "change", "read (own)", "change (own)"})
REACH = frozenset({"all", "own classes"})
NOTHING = frozenset({"—", "-", ""})


# --- the table ------------------------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def readme_table() -> dict[str, dict[Role, frozenset[str]]]:
    """Per row of the README's role table and per role, the rights its cell names."""
    section = README.read_text(encoding="utf-8").split("## Privacy and security", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.strip().startswith("|")]
    header, rule, *rows = lines
    roles = [Role(name) for name in _cells(header)[1:]]
    assert sorted(roles) == sorted(Role) and set(_cells(rule)) == {"---"}, "one column per role"
    table = {}
    for line in rows:
        what, *cells = _cells(line)
        assert len(cells) == len(roles), line
        table[what] = {
            role: frozenset() if cell in NOTHING else frozenset(part.strip() for part in cell.split(","))
            for role, cell in zip(roles, cells, strict=True)
        }
    return table


TABLE = readme_table()


def test_the_table_speaks_the_words_the_probes_know():
    assert set(TABLE) == set(PROBES), "a row without a probe, or a probe without a row"
    for what, cells in TABLE.items():
        vocabulary = REACH if what == "Families" else RIGHTS
        for role, rights in cells.items():
            assert rights <= vocabulary, (what, role.value, sorted(rights - vocabulary))
            for both in ({"read", "read (own)"}, {"change", "change (own)"}):
                assert not both <= rights, (what, role.value)
    assert all(len(rights) == 1 for rights in TABLE["Families"].values())


# --- the school the probes run in -------------------------------------------------------------------


def _marker(kind: str, role: Role) -> str:
    return f"{kind} for {role.value} #{len(kind)}"


@dataclass
class School:
    users: dict[str, int] = field(default_factory=dict)
    # Per role: a family of class 1A (the teacher's), with its own contacts and follow-up, so that
    # what one role changes never changes what the next one finds.
    family: dict[Role, int] = field(default_factory=dict)
    outside: int = 0  # a family of class 2B only
    traced: int = 0  # a family the audit trail has an event of
    moments: dict[tuple[Role, str], int] = field(default_factory=dict)  # (role, kind) -> moment id
    follow_up: dict[Role, int] = field(default_factory=dict)
    gate_form: int = 0


LOGGED_ON = TODAY - dt.timedelta(days=3)  # the day of the contacts the school starts with
KINDS = {  # kind -> (logged by the role itself, confidential)
    "colleague note": (False, False),
    "colleague secret": (False, True),
    "own note": (True, False),
    "own secret": (True, True),
}


def build(app: Flask) -> School:
    ids = School()
    with app.app_context():
        mine, theirs = school_class("1A"), school_class("2B")
        password = hash_password("role table password, not used")
        users = {role.value: User(name=f"Rol {role.value}", email=f"{role.value}@role.test", role=role,
                                  password_hash=password, classes=[mine] if role is Role.TEACHER else [])
                 for role in Role}
        users["colleague"] = User(name="Collega Mona", email="colleague@role.test", role=Role.TEACHER,
                                  password_hash=password, classes=[mine])
        db.session.add_all(users.values())
        db.session.flush()
        gate = form("gate_conversation")
        for role in Role:
            h = household(f"Gezin {role.value.title()}", klass=mine, child=f"Kind{role.value.title()}",
                          intake_status=IntakeStatus.DONE)
            h.caregivers.append(Caregiver(first_name=f"Ouder{role.value.title()}", last_name="Tabel",
                                          kinship=Kinship.GUARDIAN))
            for kind, (own, confidential) in KINDS.items():
                m = ContactMoment(household_id=h.id, form_id=gate.id, occurred_on=LOGGED_ON,
                                  initiative=Initiative.SCHOOL, reach=Reach.TWO_WAY,
                                  logged_by_id=users[role.value if own else "colleague"].id,
                                  submission_token=f"role-table-{role.value}-{kind.replace(' ', '-')}",
                                  note=_marker(kind, role), confidential=confidential)
                db.session.add(m)
                db.session.flush()
                ids.moments[role, kind] = m.id
            f = FollowUp(household_id=h.id, owner_id=users["colleague"].id, approach=Approach.HOME_VISIT)
            db.session.add(f)
            db.session.flush()
            ids.family[role], ids.follow_up[role] = h.id, f.id
        ids.outside = household("Gezin Buiten", klass=theirs, child="Bo").id
        ids.traced = household("Gezin Spoor").id
        audit.record("family.viewed", object_type="household", object_id=ids.traced,
                     household_id=ids.traced, user_id=users["colleague"].id)
        db.session.add(ContactForm(name="Koffieochtend van de school", quadrant=Quadrant.INFORMAL_ORAL,
                                   level=ContactLevel.SCHOOL, is_broadcast=False, sort_order=999))
        db.session.commit()
        ids.users = {key: user.id for key, user in users.items()}
        ids.gate_form = gate.id
    return ids


@dataclass
class Probe:
    app: Flask
    school: School
    role: Role
    client: FlaskClient

    @property
    def family(self) -> int:
        return self.school.family[self.role]

    def page(self) -> str:
        response = self.client.get(f"/families/{self.family}")
        return response.get_data(as_text=True) if response.status_code == 200 else ""

    def scalar(self, stmt):
        with self.app.app_context():
            return db.session.scalar(stmt)


# --- the probes: what the code really lets each role do ----------------------------------------------


def families(p: Probe) -> set[str]:
    assert p.client.get(f"/families/{p.family}").status_code == 200
    outside = p.client.get(f"/families/{p.school.outside}").status_code
    assert outside in (200, 404), outside
    return {"all" if outside == 200 else "own classes"}


def family_details(p: Probe) -> set[str]:
    rights = set()
    page = p.page()
    if f"Ouder{p.role.value.title()} Tabel" in page and f"Kind{p.role.value.title()}" in page:
        rights.add("read")
    # The edit form as a browser sends it (taken from the director's page), the caregiver renamed.
    director = signed_in_client(p.app, p.school.users["director"])
    values = form_values(director.get(f"/families/{p.family}/edit").get_data(as_text=True))
    renamed = f"Hernoemd{p.role.value.title()}"
    values["caregivers-0-first_name"] = renamed
    values["save"] = "1"
    p.client.post(f"/families/{p.family}/edit", data=values)
    if p.scalar(select(func.count()).select_from(Caregiver).where(Caregiver.first_name == renamed)):
        rights.add("change")
    return rights


def _moment_data(**data) -> dict:
    return {"form_id": "", "occurred_on": TODAY.isoformat(), "tone": "neutral", "reach": "two_way",
            "initiative": "school", "mediator": "none", "note": "", "caregiver_id": "", "pupil_id": ""} | data


def contact_facts(p: Probe) -> set[str]:
    rights = set()
    colleague = f'id="moment-{p.school.moments[p.role, "colleague note"]}"'
    fragment = p.client.get(f"/families/{p.family}/timeline", headers={"HX-Request": "true"})
    if colleague in p.page() and fragment.status_code == 200 and colleague in fragment.get_data(as_text=True):
        rights.add("read")

    def count():
        return p.scalar(select(func.count()).select_from(ContactMoment)
                        .where(ContactMoment.household_id == p.family))

    before = count()
    p.client.post("/contacts/log", data=_moment_data(
        household_id=str(p.family), form_id=str(p.school.gate_form),
        submission_token=f"role-table-log-{p.role.value}-0123456789"))
    if count() == before + 1:
        rights.add("change")
    return rights


def _notes(p: Probe, which: str) -> set[str]:
    rights = set()
    page = p.page()
    if _marker(f"colleague {which}", p.role) in page:
        rights.add("read")
    elif _marker(f"own {which}", p.role) in page:
        rights.add("read (own)")
    for whose, right in (("colleague", "change"), ("own", "change (own)")):
        moment_id = p.school.moments[p.role, f"{whose} {which}"]
        corrected = f"corrected by {p.role.value}: {whose} {which}"
        p.client.post(f"/contacts/moments/{moment_id}/edit", data=_moment_data(
            form_id=str(p.school.gate_form), occurred_on=LOGGED_ON.isoformat(),
            note=corrected, confidential="y" if which == "secret" else "", version="1"))
        if p.scalar(select(ContactMoment.note).where(ContactMoment.id == moment_id)) == corrected:
            rights.add(right)
            break
    return rights


def notes(p: Probe) -> set[str]:
    return _notes(p, "note")


def confidential_notes(p: Probe) -> set[str]:
    return _notes(p, "secret")


def follow_ups(p: Probe) -> set[str]:
    rights = set()
    if f'id="follow-up-{p.school.follow_up[p.role]}"' in p.page():
        rights.add("read")

    def count():
        return p.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.household_id == p.family))

    before = count()
    p.client.post(f"/families/{p.family}/follow-ups/new", data={
        "signal_code": "", "owner": str(p.school.users[p.role.value]), "approach": "phone", "due_on": "",
        "note": "", "submission_token": f"role-table-plan-{p.role.value}-0123456789"})
    if count() == before + 1:
        rights.add("change")
    return rights


def audit_trail(p: Probe) -> set[str]:
    rights = set()
    response = p.client.get("/privacy/audit")
    if response.status_code == 200 and "Gezin Spoor" in response.get_data(as_text=True):
        rights.add("read")
    # Append-only: no route changes or removes an event, and the trail's page takes no POST.
    writers = [r.rule for r in p.app.url_map.iter_rules()
               if r.rule.startswith("/privacy/audit") and r.methods - {"GET", "HEAD", "OPTIONS"}]
    before = p.scalar(select(func.count()).select_from(audit.AuditEvent))
    answered = p.client.post("/privacy/audit", data={"action": "family.viewed"}).status_code
    if writers or (answered < 400 and p.scalar(select(func.count()).select_from(audit.AuditEvent)) < before):
        rights.add("change")
    return rights


def family_data_export(p: Probe) -> set[str]:
    name = f"Gezin {p.role.value.title()}"
    shown = [p.client.get(f"/privacy/families/{p.family}/export/{kind}.json")
             for kind in ("access", "transfer")]
    found = all(r.status_code == 200 and name in r.get_data(as_text=True) for r in shown)
    return {"read"} if found else set()


def dashboard_csv(p: Probe) -> set[str]:
    response = p.client.get("/dashboard/export.csv")
    return {"read"} if response.status_code == 200 and "text/csv" in response.content_type else set()


def accounts(p: Probe) -> set[str]:
    rights = set()
    response = p.client.get("/admin/users")
    if response.status_code == 200 and "colleague@role.test" in response.get_data(as_text=True):
        rights.add("read")
    email = f"new-{p.role.value}@role.test"
    p.client.post("/admin/users/new", data={
        "name": f"Nieuw {p.role.value}", "email": email, "role": "teacher", "locale": "",
        "password": "a long enough password for the table", "active": "y"})
    if p.scalar(select(func.count()).select_from(User).where(User.email == email)):
        rights.add("change")
    return rights


def catalogue(p: Probe) -> set[str]:
    rights = set()
    response = p.client.get("/contacts/catalogue")
    if response.status_code == 200 and "Koffieochtend van de school" in response.get_data(as_text=True):
        rights.add("read")
    name = f"Vorm van {p.role.value}"
    p.client.post("/contacts/catalogue", data={
        "name": name, "quadrant": "informal_oral", "level": "family", "active": "y",
        "submission_token": f"role-table-form-{p.role.value}-0123456789"})
    if p.scalar(select(func.count()).select_from(ContactForm).where(ContactForm.name == name)):
        rights.add("change")
    return rights


def roster_import(p: Probe) -> set[str]:
    """An upload of a one-pupil roster, then the import with the columns as guessed."""
    child = f"Leerling{p.role.value.title()}"
    roster = ("Stamboeknummer,Voornaam,Naam,Geboortedatum,Klas,Voornaam ouder 1,Naam ouder 1\n"
              f"{9000 + ROLE_ORDER.index(p.role)},{child},Tabel,04/03/2019,1A,Ouder,Tabel\n").encode()
    upload = p.client.post("/families/import", data={"file": (io.BytesIO(roster), "rooster.csv")},
                           content_type="multipart/form-data")
    if upload.status_code == 302:
        p.client.post(upload.headers["Location"], data={})
    found = p.scalar(select(func.count()).select_from(Pupil).where(Pupil.first_name == child))
    return {"change"} if found else set()


PROBES: dict[str, Callable[[Probe], set[str]]] = {
    "Families": families,
    "Family details": family_details,
    "Contact facts": contact_facts,
    "Notes": notes,
    "Confidential notes": confidential_notes,
    "Follow-ups": follow_ups,
    "Audit trail": audit_trail,
    "Family data export": family_data_export,
    "Dashboard CSV": dashboard_csv,
    "Accounts": accounts,
    "Catalogue": catalogue,
    "Roster import": roster_import,
}


@pytest.mark.parametrize("what", list(TABLE))
def test_each_cell_of_the_role_table_is_what_the_code_does(app, what):
    school = build(app)
    probe = PROBES[what]
    found = {}
    for role in ROLE_ORDER:
        client = signed_in_client(app, school.users[role.value])
        found[role] = frozenset(probe(Probe(app, school, role, client)))
    differences = {role.value: {"README": sorted(TABLE[what][role]), "code": sorted(found[role])}
                   for role in ROLE_ORDER if found[role] != TABLE[what][role]}
    assert differences == {}, what


def test_a_probe_finds_a_right_where_there_is_one_and_none_where_there_is_none(app):
    """So a cell that says more, or less, than the code fails (a table giving the admin notes would)."""
    school = build(app)
    admin = Probe(app, school, Role.ADMIN, signed_in_client(app, school.users["admin"]))
    assert notes(admin) == set()
    director = Probe(app, school, Role.DIRECTOR, signed_in_client(app, school.users["director"]))
    assert confidential_notes(director) == {"read", "change"}


def test_the_markers_are_apart():
    markers = [_marker(kind, role) for kind in KINDS for role in Role]
    assert not any(a != b and a in b for a in markers for b in markers)
    assert re.fullmatch(r"colleague note for care #\d+", _marker("colleague note", Role.CARE))
