"""Who reads which note: every role, on the family page and in its timeline fragment."""

from __future__ import annotations

import datetime as dt

import pytest

from school.accounts.models import Role
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import build_school

OPEN_NOTE = "Mama vraagt een gesprek na de vakantie"
CONFIDENTIAL_NOTE = "Vertrouwelijk: gesprek met het CLB gepland"

# DOMAIN.md and the issue: confidential notes for their author, care and the director;
# reception reads no notes but its own; the admin (accounts, catalogue, rosters) reads none.
READS_OPEN = {Role.TEACHER, Role.CARE, Role.DIRECTOR}
READS_CONFIDENTIAL = {Role.CARE, Role.DIRECTOR}


@pytest.fixture
def school(app):
    from school.contacts.models import ContactMoment, Initiative, Reach

    school = build_school(app)
    with app.app_context():
        for note, confidential in ((OPEN_NOTE, False), (CONFIDENTIAL_NOTE, True)):
            db.session.add(ContactMoment(
                household_id=school.inside, form_id=school.form_id, occurred_on=dt.date.today(),
                initiative=Initiative.FAMILY, reach=Reach.TWO_WAY, logged_by_id=school.users["other_teacher"],
                submission_token=f"tok-note-{confidential}", note=note, confidential=confidential,
            ))
        db.session.commit()
    return school


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reads_only_the_notes_it_may(app, school, role):
    client = signed_in_client(app, school.users[role.value])
    for path, headers in ((f"/families/{school.inside}", {}),
                          (f"/families/{school.inside}/timeline", {"HX-Request": "true"})):
        html = client.get(path, headers=headers).get_data(as_text=True)
        assert (OPEN_NOTE in html) is (role in READS_OPEN), (role, path)
        assert (CONFIDENTIAL_NOTE in html) is (role in READS_CONFIDENTIAL), (role, path)


def test_the_author_reads_their_own_confidential_note(app, school):
    client = signed_in_client(app, school.users["other_teacher"])
    html = client.get(f"/families/{school.outside}").get_data(as_text=True)
    assert client.get(f"/families/{school.inside}").status_code == 404  # not their class
    assert "matrix note" in html  # their own notes in their own class's family
    reception = signed_in_client(app, school.users["reception"])
    own = reception.get(f"/families/{school.inside}").get_data(as_text=True)
    assert "matrix note" in own  # reception wrote one of these itself


def test_the_admin_opens_a_familys_details_but_none_of_its_contacts(app, school):
    """The admin imports and de-duplicates the rosters: names, classes, caregivers; no contacts."""
    from sqlalchemy import func, select

    from school.audit import AuditEvent

    client = signed_in_client(app, school.users["admin"])
    html = client.get(f"/families/{school.inside}").get_data(as_text=True)
    assert "Gezin Binnen" in html and "Ina Binnen" in html and "Iris Binnen" in html
    for part in ('id="family-grid"', 'id="family-reach"', 'id="family-timeline"', "matrix note"):
        assert part not in html, part

    def refusals() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                     .where(AuditEvent.action == "access.refused"))

    for part in ("grid", "reach", "timeline"):
        before = refusals()
        response = client.get(f"/families/{school.inside}/{part}", headers={"HX-Request": "true"})
        assert response.status_code == 404, part
        assert refusals() == before + 1, part
