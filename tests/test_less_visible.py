"""Minder zichtbaar: who sees which families, filters, counts, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest

from school.contacts.models import Reach
from school.extensions import db
from school.visibility import queries
from school.visibility.models import Approach, FollowUp
from tests.factories.app import login
from tests.factories.rows import agreement, household, in_app, moment, school_class
from tests.factories.statements import TRANSACTION_CONTROL, count_statements

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def school(app, make_user):
    """Class 3A: Peeters (never talked to), Janssens (talked to); class 5B: Claes (only letters)."""

    def build():
        a, b = school_class("3A"), school_class("5B")
        peeters = household("Gezin Peeters", klass=a, child="Lien")
        janssens = household("Gezin Janssens", klass=a, child="Tom")
        claes = household("Gezin Claes", klass=b, child="Mo")
        for h in (peeters, janssens, claes):
            agreement(h, "report", occasion="rapport")
        moment(janssens, "gate_conversation", dt.date(2026, 11, 10))
        moment(claes, "gate_conversation", dt.date(2026, 9, 5))
        moment(claes, "official_letter", dt.date(2026, 10, 5), reach=Reach.ONE_WAY)
        moment(claes, "platform_message", dt.date(2026, 11, 5), reach=Reach.ONE_WAY)
        return {"3A": a.id, "5B": b.id, "peeters": peeters.id, "janssens": janssens.id, "claes": claes.id}

    ids = in_app(app, build)
    ids["teacher"] = make_user("teacher", classes=(ids["3A"],))
    ids["care"] = make_user("care")
    return ids


def names(html: str) -> list[str]:
    return [n for n in ("Gezin Peeters", "Gezin Janssens", "Gezin Claes") if n in html]


def test_a_teacher_sees_the_flagged_families_of_their_classes_with_reasons(app, client, school):
    login(client, app, school["teacher"])
    response = client.get("/less-visible")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert names(html) == ["Gezin Peeters"]
    assert "Nog geen persoonlijk gesprek dit schooljaar" in html
    assert "Nog geen opvolging" in html  # flagged without a plan, visibly
    assert "2 gezinnen in beeld" in html and "1 met een signaal" in html


def test_care_sees_all_families_and_can_filter_by_class_and_signal(app, client, school):
    login(client, app, school["care"])
    html = client.get("/less-visible").get_data(as_text=True)
    assert sorted(names(html)) == ["Gezin Claes", "Gezin Peeters"]
    assert "enkel schriftelijk" in html
    only_5b = client.get(f"/less-visible?class={school['5B']}").get_data(as_text=True)
    assert names(only_5b) == ["Gezin Claes"]
    written = client.get("/less-visible?signal=only_written").get_data(as_text=True)
    assert names(written.split('id="less-visible-list"')[1]) == ["Gezin Claes"]


def test_sorted_by_time_since_the_last_personal_conversation(app, client, school):
    login(client, app, school["care"])
    html = client.get("/less-visible").get_data(as_text=True)
    assert html.index("Gezin Peeters") < html.index("Gezin Claes")  # never before 76 days ago
    by_name = client.get("/less-visible?sort=name").get_data(as_text=True)
    assert by_name.index("Gezin Claes") < by_name.index("Gezin Peeters")


def test_families_with_a_plan_are_marked_and_can_be_filtered_out(app, client, school):
    def plan():
        db.session.add(FollowUp(household_id=school["peeters"], owner_id=school["care"],
                                approach=Approach.PHONE,
                                due_on=dt.date(2026, 11, 1)))

    in_app(app, plan)
    login(client, app, school["care"])
    html = client.get("/less-visible").get_data(as_text=True)
    assert "1 opvolging open" in html and "over tijd" in html
    assert "1 daarvan zonder opvolging" in html
    without = client.get("/less-visible?without_plan=1").get_data(as_text=True)
    assert names(without.split('id="less-visible-list"')[1]) == ["Gezin Claes"]


def test_htmx_filter_returns_the_results_only(app, htmx, school):
    login(htmx, app, school["care"])
    response = htmx.get("/less-visible?signal=no_personal_contact")
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="less-visible-results"') and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_bad_filters_are_ignored(app, client, school):
    login(client, app, school["teacher"])
    queries_ = ("?signal=nonsense", f"?class={school['5B']}", "?class=abc", "?sort=x", "?page=-1", "?page=zz")
    for query in queries_:
        response = client.get("/less-visible" + query)
        assert response.status_code == 200
        assert names(response.get_data(as_text=True)) == ["Gezin Peeters"]  # never another class


def test_reception_and_admin_do_not_get_the_list(app, make_user):
    for role in ("reception", "admin"):
        c = app.test_client()
        login(c, app, make_user(role))
        assert c.get("/less-visible").status_code == 404


def test_page_is_readable_on_a_phone(app, client, school):
    login(client, app, school["teacher"])
    html = client.get("/less-visible").get_data(as_text=True)
    assert '<meta name="viewport"' in html and "<table" not in html  # a list of cards, not a wide table
    for field_id in ("filter-signal", "filter-class", "filter-sort", "filter-without-plan"):
        assert f'for="{field_id}"' in html


def _families(n: int, klass_id: int, offset: int) -> None:
    from school.families.models import SchoolClass

    klass = db.session.get(SchoolClass, klass_id)
    for i in range(n):
        h = household(f"Gezin Extra {offset + i}", klass=klass)
        moment(h, "official_letter", dt.date(2026, 10, 1 + i % 20), reach=Reach.ONE_WAY)
        moment(h, "spontaneous_call", dt.date(2026, 11, 1), reach=Reach.NOT_REACHED)
        if i % 2:
            agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 15))
            db.session.add(FollowUp(household_id=h.id, approach=Approach.GATE))


def _count(app, fn) -> int:
    return count_statements(app, fn, skip=TRANSACTION_CONTROL)


def test_the_list_takes_the_same_number_of_queries_for_10_or_60_families(app, client, make_user, school):
    def run_list(user_id):
        with app.app_context():
            from school.accounts.models import User

            result = queries.less_visible(db.session.get(User, user_id))
            assert result.flagged >= 10
            return result

    in_app(app, lambda: _families(10, school["3A"], 0))
    login(client, app, school["care"])
    small_view = _count(app, lambda: client.get("/less-visible"))
    small = _count(app, lambda: run_list(school["care"]))
    in_app(app, lambda: _families(50, school["3A"], 100))
    large_view = _count(app, lambda: client.get("/less-visible"))
    large = _count(app, lambda: run_list(school["care"]))
    assert small == large
    assert small_view == large_view
    assert large <= 12


def test_above_many_families_the_list_takes_the_same_queries_and_gives_the_same_list(
    app, client, monkeypatch, school
):
    """Above summary.MANY families a read takes the whole school's rows: the same bounded count."""
    from school.accounts.models import User
    from school.visibility import summary

    def run_list():
        with app.app_context():
            result = queries.less_visible(db.session.get(User, school["care"]))
            return [(row.id, [s.code for s in row.signals]) for row in result.rows], result.flagged

    in_app(app, lambda: _families(60, school["3A"], 0))
    login(client, app, school["care"])
    below_view = _count(app, lambda: client.get("/less-visible"))
    below = _count(app, run_list)
    below_list = run_list()
    for module in (summary, queries):  # 60 families and more: the large path
        monkeypatch.setattr(module, "MANY", 20)
    above_view = _count(app, lambda: client.get("/less-visible"))
    above = _count(app, run_list)
    assert run_list() == below_list and below_list[1] >= 60
    assert above == below <= 12
    assert above_view == below_view
