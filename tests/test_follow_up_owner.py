"""Who may own a follow-up (issue 23): a teacher gives it to herself or a colleague who already sees
the family; giving it - and with it the family - to a teacher outside the family's reach is a decision
of care staff or the director, kept on the follow-up, shown and audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from school.audit import AuditEvent
from school.extensions import db
from school.forms import new_token
from school.visibility.models import Approach, FollowUp
from tests.factories.app import signed_in_client
from tests.factories.rows import household, in_app, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def school(app, make_user):
    def build():
        mine, theirs = school_class("3A"), school_class("6C")
        return {"class": mine.id, "other_class": theirs.id,
                "family": household("Gezin Peeters", klass=mine).id}

    ids = in_app(app, build)
    ids["teacher"] = make_user("teacher", classes=(ids["class"],), name="Juf Sarah")
    ids["co_teacher"] = make_user("teacher", classes=(ids["class"],), name="Meester Tom")
    ids["outsider"] = make_user("teacher", classes=(ids["other_class"],), name="Juf Anouk")
    ids["care"] = make_user("care", name="Zorg Koen")
    ids["director"] = make_user("director", name="Directeur An")
    return ids


def _owner_options(html: str) -> dict[int, str]:
    select_html = html.split('name="owner"')[1].split("</select>")[0]
    return {int(v): label for v, label in re.findall(r'value="(\d+)">([^<]*)</option>', select_html)}


def _plan(client, school, owner: int, **data):
    """Plan as a browser would: each call is a freshly opened form, with its own submission token."""
    payload = {"signal_code": "", "owner": str(owner), "approach": "phone", "due_on": "", "note": "",
               "submission_token": new_token()}
    return client.post(f"/families/{school['family']}/follow-ups/new", data=payload | data)


def _edit(client, follow_up_id: int, owner: int, version: int = 1, **data):
    payload = {"status": "open", "owner": str(owner), "approach": "gate", "due_on": "", "note": "",
               "closing_reason": "", "signal_code": "", "version": str(version)}
    return client.post(f"/follow-ups/{follow_up_id}", data=payload | data)


def _follow_ups(app) -> list[FollowUp]:
    def read():
        rows = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        db.session.expunge_all()
        return rows

    return in_app(app, read)


def _entrusted_events(app) -> list[dict]:
    def read():
        return [(e.user_id, e.object_id, e.detail) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "follow_up.entrusted").order_by(AuditEvent.id))]

    return in_app(app, read)


def _existing(app, school, owner: int) -> int:
    def make():
        f = FollowUp(household_id=school["family"], owner_id=owner, approach=Approach.PHONE)
        db.session.add(f)
        db.session.flush()
        return f.id

    return in_app(app, make)


def test_a_teacher_chooses_herself_or_a_colleague_who_already_sees_the_family(app, school):
    teacher = signed_in_client(app, school["teacher"])
    html = teacher.get(f"/families/{school['family']}/follow-ups/new").get_data(as_text=True)
    options = _owner_options(html)
    assert set(options) == {school["teacher"], school["co_teacher"], school["care"], school["director"]}
    assert "ziet dit gezin nog niet" not in html
    assert "Jijzelf, of een collega die dit gezin al ziet." in html
    assert _plan(teacher, school, school["co_teacher"]).status_code == 302
    (saved,) = _follow_ups(app)
    assert (saved.owner_id, saved.entrusted_by_id, saved.entrusted_at) == (school["co_teacher"], None, None)
    assert _entrusted_events(app) == []


def test_a_teacher_cannot_give_the_family_to_a_teacher_outside_it(app, school):
    teacher = signed_in_client(app, school["teacher"])
    response = _plan(teacher, school, school["outsider"])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "geldige keuze" in html and 'aria-invalid="true"' in html
    assert _follow_ups(app) == []
    # Nor on the edit form: the follow-up stays as it was.
    plan = _existing(app, school, school["teacher"])
    assert _edit(teacher, plan, school["outsider"]).status_code == 422
    (kept,) = _follow_ups(app)
    assert (kept.owner_id, kept.version, kept.entrusted_by_id) == (school["teacher"], 1, None)
    assert _entrusted_events(app) == []
    outsider = signed_in_client(app, school["outsider"])
    assert outsider.get(f"/families/{school['family']}").status_code == 404


@pytest.mark.parametrize("role", ["care", "director"])
def test_care_or_the_director_entrusts_the_family_to_a_teacher_outside_it(app, school, role):
    decider = signed_in_client(app, school[role])
    html = decider.get(f"/families/{school['family']}/follow-ups/new").get_data(as_text=True)
    options = _owner_options(html)
    assert "ziet dit gezin nog niet" in options[school["outsider"]]
    assert "ziet dit gezin nog niet" not in options[school["co_teacher"]]
    assert _plan(decider, school, school["outsider"]).status_code == 302
    (saved,) = _follow_ups(app)
    assert saved.owner_id == school["outsider"]
    assert saved.entrusted_by_id == school[role] and saved.entrusted_at is not None
    assert _entrusted_events(app) == [(school[role], saved.id, {"owner": school["outsider"]})]
    # The decision widens her reach (DOMAIN.md: "and those they follow up"), and it shows.
    outsider = signed_in_client(app, school["outsider"])
    page = outsider.get(f"/families/{school['family']}").get_data(as_text=True)
    name = {"care": "Zorg Koen", "director": "Directeur An"}[role]
    assert re.search(rf"Toevertrouwd door {name} op \d{{1,2}} \w+\.? \d{{4}}", page)
    assert "Toevertrouwd door" in decider.get(f"/follow-ups/{saved.id}").get_data(as_text=True)
    assert "Toevertrouwd door" in outsider.get("/follow-ups").get_data(as_text=True)


def test_giving_it_to_somebody_who_sees_the_family_is_no_decision(app, school):
    care = signed_in_client(app, school["care"])
    assert _plan(care, school, school["co_teacher"]).status_code == 302
    second_form = "a-second-form-" + "x" * 10
    assert _plan(care, school, school["director"], submission_token=second_form).status_code == 302
    assert [(f.entrusted_by_id, f.entrusted_at) for f in _follow_ups(app)] == [(None, None), (None, None)]
    assert _entrusted_events(app) == []


def test_the_edit_form_entrusts_keeps_and_clears_the_decision(app, school):
    plan = _existing(app, school, school["teacher"])
    care, teacher = signed_in_client(app, school["care"]), signed_in_client(app, school["teacher"])
    assert _edit(care, plan, school["outsider"]).status_code == 302
    (entrusted,) = _follow_ups(app)
    assert (entrusted.owner_id, entrusted.entrusted_by_id) == (school["outsider"], school["care"])
    assert len(_entrusted_events(app)) == 1
    # A teacher of the class may edit it and keep its owner (the decision stays as it was) ...
    html = teacher.get(f"/follow-ups/{plan}").get_data(as_text=True)
    assert school["outsider"] in _owner_options(html)
    assert "Toevertrouwd door Zorg Koen" in html
    assert _edit(teacher, plan, school["outsider"], version=2, note="Anouk belt dinsdag").status_code == 302
    (kept,) = _follow_ups(app)
    assert (kept.owner_id, kept.entrusted_by_id, kept.version) == (school["outsider"], school["care"], 3)
    # ... or take it back herself: she sees the family, so nobody's decision is needed any more.
    assert _edit(teacher, plan, school["teacher"], version=3).status_code == 302
    (back,) = _follow_ups(app)
    assert (back.owner_id, back.entrusted_by_id, back.entrusted_at) == (school["teacher"], None, None)
    assert len(_entrusted_events(app)) == 1


def test_only_care_and_the_director_entrust_even_when_the_service_is_called_directly(app, school):
    from school.accounts.models import User
    from school.families.models import Household
    from school.visibility import service

    def call():
        teacher, outsider = db.session.get(User, school["teacher"]), db.session.get(User, school["outsider"])
        with pytest.raises(ValueError):
            service.create_follow_up(db.session.get(Household, school["family"]), owner=outsider,
                                     approach=Approach.PHONE, due_on=None, note=None, signal_code=None,
                                     created_by=teacher, entrusted=True)

    in_app(app, call)
    assert _follow_ups(app) == []


def test_the_decision_is_in_the_audit_trail_and_in_the_familys_export(app, school):
    care, director = signed_in_client(app, school["care"]), signed_in_client(app, school["director"])
    assert _plan(care, school, school["outsider"]).status_code == 302
    trail = director.get("/privacy/audit").get_data(as_text=True)
    assert "opvolging toevertrouwd, en daarmee het gezin" in trail
    exported = director.get(f"/privacy/families/{school['family']}/export/access.json").get_json()
    (plan,) = exported["follow_ups"]
    assert plan["owner"] == "Juf Anouk" and plan["entrusted_by"] == "Zorg Koen" and plan["entrusted_at"]
