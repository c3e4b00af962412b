"""Every read of a family's data is one audited event (school.access, `_audit_family_reads`).

The first test is generated from app.url_map, like tests/test_routes_matrix.py: every GET
endpoint is opened (whole page and htmx fragment) with a family's records in its URL and
`?household_id=`. A successful answer to a URL that names a family's record, or one that carries
the family's data (its name, a caregiver, a child, a contact note), must leave one `family.viewed`
event for it (or, for an export, its `family.exported`). A new page or fragment that forgets it
fails here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from school import access
from school.access import rule_for
from school.accounts.models import Role
from school.audit import AuditEvent
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import build_school

# What a read of the inside family shows (tests.test_routes_matrix.build_school): its name, its
# caregiver, its child, its contact notes.
FAMILY_DATA = ("Gezin Binnen", "Iris Binnen", "Ina", "matrix note")
# Lists of many families (a class, a search, a group activity's attendance, follow-ups, the audit
# trail, the quick log's family picker and one's own list of today): they name each family, as a
# list, not one family's data. A new one is a conscious choice: it must be added here.
LISTS = frozenset({"families.index", "contacts.group_new", "contacts.log_several", "contacts.group_show",
                   "visibility.follow_ups", "privacy.audit_trail", "contacts.family_picker",
                   "contacts.today"})
# URL arguments that name one family's record.
FAMILY_RECORDS = frozenset({"household_id", "moment_id", "follow_up_id"})
READ_EVENTS = ("family.viewed", "family.exported")
ROLE_ORDER = (Role.DIRECTOR, Role.CARE, Role.TEACHER, Role.RECEPTION, Role.ADMIN)


def _events(app, household_id: int, actions=READ_EVENTS) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.household_ref == str(household_id), AuditEvent.action.in_(actions))
            .order_by(AuditEvent.id)
        ))


def _url(school, rule) -> str:
    url = {
        "household_id": school.inside, "moment_id": school.moments["director"],
        "group_id": school.groups["director"], "follow_up_id": school.follow_up_inside,
        "user_id": school.users["other_teacher"], "form_id": school.form_id,
        "token": school.uploads.get("director", "none"), "kind": "access", "filename": "app.css",
        "name": "htmx.min.js",
    }
    return rule.build({k: url[k] for k in rule.arguments}, append_unknown=False)[1]


def test_every_endpoint_that_shows_a_family_writes_its_event(app, monkeypatch):
    monkeypatch.setattr(access, "VIEW_QUIET_SECONDS", 0)  # each request on its own
    app.config["PROPAGATE_EXCEPTIONS"] = False
    school = build_school(app)
    problems, shown = [], []
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in url_rule.methods or url_rule.endpoint in LISTS:
            continue
        rule = rule_for(app, url_rule.endpoint)
        role = next((r for r in ROLE_ORDER if rule.allows(r)), Role.DIRECTOR)
        path = _url(school, url_rule)
        for htmx in (False, True):
            client = signed_in_client(app, school.users[role.value])
            before = len(_events(app, school.inside))
            response = client.get(path, query_string={"household_id": school.inside},
                                  headers={"HX-Request": "true"} if htmx else {})
            body = response.get_data(as_text=True)
            written = len(_events(app, school.inside)) - before
            where = f"{role.value} GET {path}{' (htmx)' if htmx else ''}"
            names_family = bool(FAMILY_RECORDS & url_rule.arguments) and rule.shows_family is not False
            if not 200 <= response.status_code < 300:
                if written:
                    problems.append(f"{where}: {response.status_code} with {written} read event(s)")
            elif names_family or any(text in body for text in FAMILY_DATA):
                shown.append(url_rule.endpoint)
                if written != 1:
                    problems.append(f"{where} shows the family with {written} read event(s), expected one")
    assert problems == []
    # The test sees what it should: the pages and fragments of the issue show the family.
    assert {"visibility.family", "visibility.family_grid", "visibility.family_reach",
            "visibility.family_timeline", "contacts.quick_log", "contacts.edit_moment",
            "families.edit", "privacy.export_page"} <= set(shown)


def test_the_fragments_are_each_a_view_when_opened_alone(app, monkeypatch):
    school = build_school(app)
    for minutes, part in enumerate(("grid", "reach", "timeline")):
        client = signed_in_client(app, school.users["teacher"])
        client.environ_base["HTTP_HX_REQUEST"] = "true"
        before = _events(app, school.inside)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2 * minutes)  # past the quiet minute
        monkeypatch.setattr(access, "utcnow", lambda later=later: later)
        response = client.get(f"/families/{school.inside}/{part}")
        assert response.status_code == 200 and "<html" not in response.get_data(as_text=True)
        new = _events(app, school.inside)[len(before):]
        assert [(e.action, e.user_id, e.object_type, e.object_id, e.detail) for e in new] == [
            ("family.viewed", school.users["teacher"], "household", school.inside, {})
        ], part


def test_one_event_per_family_user_and_page_a_minute(app, monkeypatch):
    """The family page loads its grid, reach and timeline as fragments: one event for all of them;
    another family, another user or another page is another event; a minute later, again one."""
    school = build_school(app)
    teacher = signed_in_client(app, school.users["teacher"])
    director = signed_in_client(app, school.users["director"])
    fragment = {"HX-Request": "true"}
    assert teacher.get(f"/families/{school.inside}").status_code == 200
    for part in ("grid", "reach", "timeline"):
        assert teacher.get(f"/families/{school.inside}/{part}", headers=fragment).status_code == 200
    assert teacher.get(f"/families/{school.inside}").status_code == 200
    assert len(_events(app, school.inside)) == 1
    assert director.get(f"/families/{school.inside}/grid", headers=fragment).status_code == 200
    assert director.get(f"/families/{school.outside}/grid", headers=fragment).status_code == 200
    assert teacher.get(f"/contacts/log?household_id={school.inside}").status_code == 200
    viewed = _events(app, school.inside)
    assert [(e.user_id, e.detail) for e in viewed] == [
        (school.users["teacher"], {}), (school.users["director"], {}),
        (school.users["teacher"], {"page": "quick_log"}),
    ]
    assert len(_events(app, school.outside)) == 1
    later = access.utcnow() + dt.timedelta(seconds=access.VIEW_QUIET_SECONDS + 1)
    monkeypatch.setattr(access, "utcnow", lambda: later)
    assert teacher.get(f"/families/{school.inside}/timeline", headers=fragment).status_code == 200
    assert len(_events(app, school.inside)) == 4


def test_the_quick_log_for_a_family_is_a_view_of_it_and_outside_reach_none(app):
    school = build_school(app)
    teacher = signed_in_client(app, school.users["teacher"])
    response = teacher.get(f"/contacts/log?household_id={school.inside}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Iris" in html and "Ina" in html  # caregivers and children
    [event] = _events(app, school.inside)
    assert (event.action, event.user_id, event.detail) == (
        "family.viewed", school.users["teacher"], {"page": "quick_log"})
    assert teacher.get(f"/contacts/log?household_id={school.outside}").status_code == 404
    assert _events(app, school.outside) == []
    assert [e.action for e in _events(app, school.outside, ("access.refused",))] == ["access.refused"]
    # The quick log without a family, and the POST that logs, are no view.
    assert teacher.get("/contacts/log").status_code == 200
    assert len(_events(app, school.inside)) == 1


def test_the_new_follow_up_form_is_a_view_of_the_family(app):
    school = build_school(app)
    care = signed_in_client(app, school.users["care"])
    response = care.get(f"/families/{school.inside}/follow-ups/new")
    assert response.status_code == 200 and "Gezin Binnen" in response.get_data(as_text=True)
    [event] = _events(app, school.inside)
    assert (event.action, event.user_id, event.object_id, event.detail) == (
        "family.viewed", school.users["care"], school.inside, {"page": "new_follow_up"})


def test_a_refused_or_redirected_read_writes_no_view(app):
    school = build_school(app)
    teacher = signed_in_client(app, school.users["teacher"])
    assert teacher.get(f"/families/{school.outside}/grid", headers={"HX-Request": "true"}).status_code == 404
    assert teacher.get(f"/families/{school.inside}/timeline").status_code == 302  # to the family page
    assert _events(app, school.outside, ("family.viewed",)) == []
    assert _events(app, school.inside, ("family.viewed",)) == []


def test_only_these_endpoints_open_a_family_without_showing_it(app):
    """`shows_family=False` silences the event: a conscious choice, listed here. The exports are
    audited as exports; the pupil lookup shows other children, not the family."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    silent = {e for e in endpoints if rule_for(app, e).shows_family is False}
    assert silent == {"privacy.export_json", "privacy.export_page", "families.find_pupils"}
