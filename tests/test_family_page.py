"""The family page: facts, the grid (and its fragment), timeline, signals, notes and links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from school.audit import AuditEvent
from school.contacts.models import GroupContact, Reach, Tone
from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Pupil
from tests.factories.app import login
from tests.factories.reads import form_id
from tests.factories.rows import TODAY, agreement, enrolled, form, household, in_app, moment, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def family(app, make_user):
    """A class 3A with its teacher, and one family with a few contacts."""

    def build():
        klass = school_class("3A")
        h = household("Gezin Peeters", klass=klass, contact_language="nl", interpreter_needed=True,
                      interpreter_language="ar", written_ok=False)
        h.caregivers.append(Caregiver(first_name="Amira", last_name="Peeters", kinship=Kinship.MOTHER,
                                      contact_language="ar"))
        agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 10))
        moment(h, "gate_conversation", dt.date(2026, 9, 12))
        moment(h, "spontaneous_call", dt.date(2026, 10, 2), initiative="family")
        moment(h, "report", dt.date(2026, 11, 12), reach=Reach.ONE_WAY)
        moment(h, "parent_meeting", dt.date(2026, 11, 13), reach=Reach.NOT_REACHED)
        return {"class_id": klass.id, "household_id": h.id}

    ids = in_app(app, build)
    ids["teacher"] = make_user("teacher", classes=(ids["class_id"],))
    return ids


def cell(html: str, quadrant: str) -> str:
    match = re.search(rf'<td id="grid-{quadrant}".*?</td>', html, re.S)
    assert match, quadrant
    return re.sub(r"\s+", " ", match.group(0))


def test_family_page_shows_facts_grid_signals_and_timeline(app, client, family):
    login(client, app, family["teacher"])
    response = client.get(f"/families/{family['household_id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<table" in html and 'scope="col"' in html and 'scope="row"' in html
    io = cell(html, "informal-oral")
    assert "2 contacten" in io and "2 okt" in io and "1 gestart door het gezin" in io
    fw = cell(html, "formal-written")
    assert "1 contact" in fw and "12 nov" in fw
    fo = cell(html, "formal-oral")
    assert "0 contacten" in fo and "nog geen" in fo  # the missed parent meeting did not reach them
    assert "Arabisch" in html  # interpreter language
    assert "Spontaan telefoontje" in html and "om de 14 dagen" in html  # the agreement
    # the agreed rhythm (every 14 days, last on 2 October) is not kept
    assert 'data-signal="rhythm_not_kept"' in html
    assert 'id="timeline-moments"' in html and "Oudercontact" in html
    assert 'hx-trigger="contact-logged from:body"' in html


def test_the_grid_fragment_for_htmx_and_as_a_page(app, client, htmx, family):
    login(htmx, app, family["teacher"])
    fragment = htmx.get(f"/families/{family['household_id']}/grid")
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="family-grid"') and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    login(client, app, family["teacher"])
    page = client.get(f"/families/{family['household_id']}/grid")
    assert "<html" in page.get_data(as_text=True) and 'id="family-grid"' in page.get_data(as_text=True)


def test_a_teacher_of_another_class_gets_404(app, client, make_user, family):
    other = in_app(app, lambda: school_class("5B").id)
    login(client, app, make_user("teacher", classes=(other,)))
    assert client.get(f"/families/{family['household_id']}").status_code == 404
    assert client.get(f"/families/{family['household_id']}/grid").status_code == 404
    assert client.get(f"/families/{family['household_id']}/reach").status_code == 404


def test_viewing_is_audited(app, client, family):
    login(client, app, family["teacher"])
    client.get(f"/families/{family['household_id']}")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.household_ref == str(family["household_id"]))).all()
    assert "family.viewed" in actions


def test_timeline_filters_by_quadrant_and_pages(app, client, htmx, family):
    def more():
        h_id = family["household_id"]
        from school.families.models import Household

        h = db.session.get(Household, h_id)
        for i in range(25):
            moment(h, "diary_message", dt.date(2026, 10, 1) + dt.timedelta(days=i), reach=Reach.ONE_WAY)

    in_app(app, more)
    login(client, app, family["teacher"])
    url = f"/families/{family['household_id']}"
    html = client.get(url + "?quadrant=formal_oral").get_data(as_text=True)
    assert "1 contactmoment" in html and "Bericht in de agenda" not in html.split('id="timeline-moments"')[1]
    page1 = client.get(url).get_data(as_text=True)
    assert "29 contactmomenten" in page1 and "Pagina 1 van 2" in page1
    page2 = client.get(url + "?page=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in page2
    # the htmx filter returns the timeline only; without htmx it goes to the family page
    login(htmx, app, family["teacher"])
    fragment = htmx.get(url + "/timeline?quadrant=informal_written").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="family-timeline"')
    assert "25 contactmomenten" in fragment
    plain = client.get(url + "/timeline?quadrant=informal_written")
    assert plain.status_code == 302 and "quadrant=informal_written" in plain.headers["Location"]


def test_bad_paging_and_filter_input_never_fails(app, client, family):
    login(client, app, family["teacher"])
    url = f"/families/{family['household_id']}"
    for query in ("?page=abc", "?page=-3", "?page=999", "?quadrant=nonsense"):
        assert client.get(url + query).status_code == 200


def test_broadcasts_show_in_the_timeline_but_do_not_count(app, client, family):
    def send():
        db.session.add(GroupContact(form=form("newsletter"), class_id=None, occurred_on=dt.date(2026, 11, 3),
                                    title="Nieuwsbrief november", submission_token="nb1"))

    in_app(app, send)
    login(client, app, family["teacher"])
    html = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert "Nieuwsbrief november" in html
    assert "telt niet" in html
    assert "1 contact" in cell(html, "formal-written")  # only the report


def _notes(app, make_user, family):
    care = make_user("care")

    def write():
        from school.families.models import Household

        h = db.session.get(Household, family["household_id"])
        moment(h, "gate_conversation", dt.date(2026, 11, 14), note="Open note about homework")
        moment(h, "gate_conversation", dt.date(2026, 11, 15), note="Secret care note", confidential=True,
               logged_by_id=care)

    in_app(app, write)
    return care


def test_confidential_notes_only_for_author_care_and_director(app, make_user, family):
    care = _notes(app, make_user, family)
    url = f"/families/{family['household_id']}"

    def page_as(user_id):
        c = app.test_client()
        login(c, app, user_id)
        return c.get(url).get_data(as_text=True)

    teacher = page_as(family["teacher"])
    assert "Open note about homework" in teacher and "Secret care note" not in teacher
    assert "vertrouwelijke notitie" in teacher
    assert "Secret care note" in page_as(care)
    assert "Secret care note" in page_as(make_user("director"))
    reception = page_as(make_user("reception"))
    assert "Open note about homework" not in reception and "Secret care note" not in reception


def test_a_separated_childs_two_households_link_each_other(app, client, make_user):
    def build():
        klass = school_class("2C")
        child = Pupil(first_name="Noor", last_name="Maes", enrolments=enrolled(klass))
        one = household("Gezin Maes", pupils=(child,))
        two = household("Gezin Wuyts", pupils=(child,))
        moment(one, "gate_conversation", dt.date(2026, 11, 2))
        return klass.id, one.id, two.id

    klass, one, two = in_app(app, build)
    login(client, app, make_user("teacher", classes=(klass,)))
    first = client.get(f"/families/{one}").get_data(as_text=True)
    second = client.get(f"/families/{two}").get_data(as_text=True)
    assert f'href="/families/{two}"' in first and "Gezin Wuyts" in first
    assert f'href="/families/{one}"' in second
    assert "1 contact" in cell(first, "informal-oral")
    assert "0 contacten" in cell(second, "informal-oral")


def test_the_page_links_only_to_what_the_user_may_open(app, client, make_user, family):
    """A teacher logs contacts but does not edit a family's details: no button that answers 404."""
    login(client, app, family["teacher"])
    html = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert f"household_id={family['household_id']}" in html and "Contact noteren" in html
    assert 'id="family-edit"' not in html
    reception = app.test_client()
    login(reception, app, make_user("reception"))
    html = reception.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert 'id="family-edit"' in html and 'id="family-log-contact"' in html


def test_the_timeline_offers_correcting_to_the_author_and_to_care_only(app, client, make_user, family):
    care = make_user("care")
    other_teacher = make_user("teacher", classes=(family["class_id"],))

    def write():
        from school.families.models import Household

        h = db.session.get(Household, family["household_id"])
        return moment(h, "gate_conversation", dt.date(2026, 11, 18), logged_by_id=family["teacher"]).id

    mine = in_app(app, write)
    edit = f'href="/contacts/moments/{mine}/edit?back=family"'

    def page_as(user_id):
        browser = app.test_client()
        login(browser, app, user_id)
        return browser.get(f"/families/{family['household_id']}").get_data(as_text=True)

    assert edit in page_as(family["teacher"])
    assert edit not in page_as(other_teacher)
    assert edit in page_as(care)
    # The correction goes back to the family page.
    login(client, app, family["teacher"])
    response = client.post(f"/contacts/moments/{mine}/remove", data={"back": "family"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family['household_id']}")


def test_logging_from_the_family_page_stays_on_it(app, client, htmx, family):
    household_id = family["household_id"]
    login(client, app, family["teacher"])
    html = client.get(f"/families/{household_id}").get_data(as_text=True)
    # The button opens the quick log inside the page; the regions below listen for contact-logged.
    assert f'hx-get="/contacts/log?household_id={household_id}&amp;back=family" hx-target="#log-area"' in html
    assert '<div id="log-area" class="family-log"></div>' in html
    for region in ("family-grid", "family-reach", "family-timeline"):
        assert re.search(rf'<section id="{region}"[^>]*hx-trigger="contact-logged from:body', html), region
    login(htmx, app, family["teacher"])
    fragment = htmx.get(f"/contacts/log?household_id={household_id}&back=family").get_data(as_text=True)
    assert "<html" not in fragment and 'name="back" value="family"' in fragment
    assert f'href="/families/{household_id}">Annuleren</a>' in fragment
    # Without JavaScript the form posts and redirects; the confirmation leads back to the family.
    response = client.post("/contacts/log", data={
        "household_id": household_id, "form_id": form_id(app, "gate_conversation"),
        "submission_token": "family-page-" + "x" * 20, "back": "family",
    })
    assert response.status_code == 302 and response.headers["Location"].endswith("&back=family")
    saved = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Terug naar het gezin" in saved and 'name="back" value="family"' in saved
    html = client.get(f"/families/{household_id}").get_data(as_text=True)
    assert "3 contacten" in cell(html, "informal-oral")


# --- which contact cleared a signal ------------------------------------------------


def test_the_family_page_says_which_contact_cleared_a_signal(app, client, family):
    household_id = family["household_id"]
    login(client, app, family["teacher"])
    html = client.get(f"/families/{household_id}").get_data(as_text=True)
    # the last contact (the report of 12 November) cleared nothing: the agreed calls still lag
    assert 'data-signal="rhythm_not_kept"' in html and 'id="family-cleared"' not in html

    # the agreed spontaneous call, today, without any follow-up waiting for it
    in_app(app, lambda: moment(db.session.get(Household, household_id), "spontaneous_call", TODAY))
    html = client.get(f"/families/{household_id}").get_data(as_text=True)
    cleared = re.search(r'<div class="cleared" id="family-cleared">.*?</div>', html, re.S)
    assert cleared, "the page should say what cleared the signal"
    text = re.sub(r"\s+", " ", cleared.group(0))
    assert "Opgeheven door het contact van 20 nov 2026 (Spontaan telefoontje)" in text
    assert 'data-cleared="rhythm_not_kept"' in text and "Afgesproken ritme niet gehaald" in text
    assert 'id="signal-rhythm-not-kept"' not in html  # no longer among the signals


def _cleared_after(app, moments: list[tuple[str, int, Tone]]):
    """(day, cleared signal codes, the day's forms) for a new family with these contacts `days` before
    TODAY, or None when its latest day of contact cleared nothing."""
    from school.visibility.queries import cleared_by_last_contact
    from school.visibility.signals import DEFAULTS, evaluate
    from school.visibility.summary import summary_for

    def run():
        h = household("Gezin Claes")
        for code, days, tone in moments:
            moment(h, code, TODAY - dt.timedelta(days=days), tone=tone)
        summary = summary_for(h.id, TODAY, DEFAULTS.recent_days)
        cleared = cleared_by_last_contact(summary, evaluate(summary, DEFAULTS), DEFAULTS)
        if cleared is None:
            return None
        return cleared.on, [s.code for s in cleared.signals], [m.form.code for m in cleared.moments]

    return in_app(app, run)


def test_a_positive_talk_is_credited_with_clearing_only_concerns(app):
    cleared = _cleared_after(app, [
        ("gate_conversation", 50, Tone.CONCERN), ("gate_conversation", 30, Tone.CONCERN),
        ("spontaneous_call", 0, Tone.POSITIVE),
    ])
    assert cleared == (TODAY, ["only_concerns"], ["spontaneous_call"])


def test_a_concern_leaving_the_window_is_not_credited_to_that_days_talk(app):
    # At 61 days the first concern has just left the 60-day window: time cleared "only concerns",
    # not today's neutral chat (a window reaching one day further back the day before would say so).
    cleared = _cleared_after(app, [
        ("gate_conversation", 61, Tone.CONCERN), ("gate_conversation", 30, Tone.CONCERN),
        ("gate_conversation", 0, Tone.NEUTRAL),
    ])
    assert cleared is None


def test_a_family_the_school_has_not_met_is_never_called_going_well(app, client, make_user):
    """Recorded ten days ago, still in its start period: no signal, and no false "going well" either."""

    def build():
        klass = school_class("3B")
        h = household("Gezin Claes", klass=klass, created=dt.datetime(2026, 11, 10, 9, 0))
        return {"class_id": klass.id, "household_id": h.id}

    ids = in_app(app, build)
    login(client, app, make_user("teacher", classes=(ids["class_id"],)))
    url = f"/families/{ids['household_id']}"

    def reach_text() -> str:
        html = client.get(url).get_data(as_text=True)
        section = re.search(r'<section id="family-reach".*?</section>', html, re.S)
        assert section, "the page should have its signals section"
        return re.sub(r"\s+", " ", section.group(0))

    text = reach_text()
    assert 'data-signal="' not in text
    assert "Nog geen contact dit schooljaar; het startmoment loopt tot 9 dec 2026." in text
    assert "loopt goed" not in text and 'id="family-no-signal"' not in text

    # a letter reached them: still no conversation, so still not "going well"
    in_app(app, lambda: moment(db.session.get(Household, ids["household_id"]), "report",
                               dt.date(2026, 11, 12), reach=Reach.ONE_WAY))
    text = reach_text()
    assert "Nog geen persoonlijk gesprek dit schooljaar; het startmoment loopt tot 9 dec 2026." in text
    assert "loopt goed" not in text

    # the first conversation at the gate: now the contact is going well
    in_app(app, lambda: moment(db.session.get(Household, ids["household_id"]), "gate_conversation", TODAY))
    text = reach_text()
    assert 'id="family-no-signal"' in text and "loopt goed" in text
