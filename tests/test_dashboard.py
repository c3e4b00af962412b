"""The director's dashboard: figures recomputed independently, filters, goals, CSV, print, access, queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter, defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school.contacts.models import ContactMoment, GroupContact, Reach
from school.extensions import db
from school.families.models import ContactAgreement, Household, Kinship, Level, Pupil, SchoolClass
from school.grid import QUADRANTS, Quadrant
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from school.visibility.signals import evaluate
from school.visibility.summary import summary_for
from tests.factories.app import login
from tests.factories.dashboard_school import add_caregiver, build_school, class_activity
from tests.factories.rows import TODAY, agreement, household, in_app, moment, school_class
from tests.factories.statements import count_statements

pytestmark = pytest.mark.usefixtures("frozen_today")

YEAR_START = dt.date(2026, 9, 1)


@pytest.fixture
def school(app, make_user):
    ids = in_app(app, build_school)
    ids["director"] = make_user("director")
    ids["care"] = make_user("care")
    return ids


# --- the independent recomputation: plain Python over the rows ---------------------


def half_up(part: int, whole: int) -> int | None:
    return math.floor(100 * part / whole + 0.5) if whole else None


def recompute(app, class_ids: list[int], start: dt.date, end: dt.date, *, activity_goal: int = 50,
              grace: int = 7) -> dict:
    with app.app_context():
        pupils = db.session.scalars(select(Pupil).options(selectinload(Pupil.households),
                                                          selectinload(Pupil.enrolments))).all()
        moments = db.session.scalars(select(ContactMoment).options(
            selectinload(ContactMoment.form), selectinload(ContactMoment.group),
            selectinload(ContactMoment.caregiver),
        )).all()
        agreements = db.session.scalars(select(ContactAgreement).options(selectinload(ContactAgreement.form))
                                         .where(ContactAgreement.active.is_(True))).all()
        activities = db.session.scalars(select(GroupContact).options(selectinload(GroupContact.form))).all()

        families_of: dict[int, set[int]] = {c: set() for c in class_ids}
        for p in pupils:  # the classes as they were on the end day
            enrolment = p.enrolment_on(end)
            if enrolment is not None and enrolment.class_id in families_of:
                families_of[enrolment.class_id] |= {h.id for h in p.households if h.anonymised_at is None}
        everyone = set().union(*families_of.values())

        def counts(m: ContactMoment) -> bool:
            return (m.removed_at is None and not m.form.is_broadcast and m.household_id in everyone
                    and (m.group is None or m.group.removed_at is None)
                    and YEAR_START <= m.occurred_on <= end)

        counted = [m for m in moments if counts(m)]
        reached = [m for m in counted if m.reach in (Reach.TWO_WAY, Reach.ONE_WAY)]
        in_period = [m for m in reached if start <= m.occurred_on <= end]

        grid = {}
        for q in QUADRANTS:
            grid[q] = {
                "moments": sum(1 for m in in_period if m.form.quadrant is q),
                "attempts": sum(1 for m in counted if m.form.quadrant is q and m.reach is Reach.NOT_REACHED
                                and start <= m.occurred_on <= end),
                "families": len({m.household_id for m in in_period if m.form.quadrant is q}),
            }
        heat = {
            c: {q: half_up(len({m.household_id for m in in_period if m.form.quadrant is q} & fam), len(fam))
                for q in QUADRANTS}
            for c, fam in families_of.items()
        }

        def tailored(hid: int) -> bool:
            mine = [a for a in agreements if a.household_id == hid]
            if not mine:
                return any(m.household_id == hid and m.reach is Reach.TWO_WAY and m.form.quadrant.is_oral
                           for m in counted)
            for a in mine:
                since = max(a.agreed_on or a.created_at.date(), YEAR_START)
                kept = [m.occurred_on for m in reached if m.household_id == hid
                        and m.form.quadrant is a.form.quadrant and m.occurred_on >= since]
                if not kept:
                    return False
                if a.every_days and (end - max(kept)).days - a.every_days > grace:
                    return False
            return True

        tailored_families = {h for h in everyone if tailored(h)}
        best: dict[int, int] = {}
        for c, fam in families_of.items():
            shares = [
                len({m.household_id for m in reached if m.group_id == g.id} & fam)
                for g in activities
                if g.class_id == c and g.removed_at is None and YEAR_START <= g.occurred_on <= end
            ]
            best[c] = max(shares, default=0)
        classes_met = sum(1 for c, fam in families_of.items()
                          if fam and 100 * best[c] >= activity_goal * len(fam))

        kinship = Counter()
        for m in in_period:
            k = m.caregiver.kinship if m.caregiver else None
            kinship["mother" if k is Kinship.MOTHER else "father" if k is Kinship.FATHER
                    else "unknown" if k is None else "other"] += 1
        weeks = Counter()
        for m in in_period:
            weeks[m.occurred_on - dt.timedelta(days=m.occurred_on.weekday())] += 1
    return {
        "families_of": families_of, "everyone": everyone, "grid": grid, "heat": heat,
        "tailored": tailored_families, "best": best, "classes_met": classes_met,
        "initiative": Counter(m.initiative.value for m in in_period),
        "tone": Counter(m.tone.value for m in in_period), "kinship": kinship, "weeks": weeks,
        "personal": sum(1 for m in in_period if m.reach is Reach.TWO_WAY and m.form.quadrant.is_oral),
    }


# --- reading what the page shows ---------------------------------------------------------


def goal(html: str, key: str) -> tuple[int, int]:
    block = html.split(f'id="goal-{key}"')[1]
    found = re.search(r'data-done="(\d+)" data-total="(\d+)"', block)
    return int(found.group(1)), int(found.group(2))


def grid_cell(html: str, quadrant: Quadrant) -> dict[str, int]:
    found = re.search(
        rf'id="school-grid-{quadrant.value.replace("_", "-")}"[^>]*data-families="(\d+)" '
        r'data-moments="(\d+)" data-attempts="(\d+)"', html,
    )
    return {"families": int(found.group(1)), "moments": int(found.group(2)), "attempts": int(found.group(3))}


def heat_row(html: str, class_id: int) -> dict[Quadrant, int | None]:
    row = re.search(rf'<tr id="heat-class-{class_id}">(.*?)</tr>', html, re.S).group(1)
    return {
        Quadrant(q): int(v) if v else None
        for q, v in re.findall(r'data-quadrant="(\w+)" data-share="(\d*)"', row)
    }


def balance(html: str, key: str) -> dict[str, int]:
    block = html.split(f'id="balance-{key}"')[1].split("</ul>")[0]
    return {k: int(n) for k, n in re.findall(r'data-part="(\w+)" data-count="(\d+)"', block)}


def class_goals_cell(html: str, class_id: int, column: int) -> str:
    row = re.search(rf'<tr id="class-goals-{class_id}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return re.sub(r"<[^>]+>", "", cells[column]).strip()


def families_in_view(html: str) -> int:
    return int(re.search(r'id="dashboard-families">(\d+)', html).group(1))


# --- the figures ---------------------------------------------------------------------------


def test_the_figures_match_an_independent_count_of_the_contact_moments(app, client, school):
    login(client, app, school["director"])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    classes = [school["3A"], school["5B"], school["K2"]]
    expected = recompute(app, classes, YEAR_START, TODAY)

    # the fixture is what it says: six families in view (a child who left, an anonymised family are not)
    assert len(expected["everyone"]) == 6
    assert families_in_view(html) == 6

    # goal 1: contact op maat — Peeters, Maes, Goossens (Janssens only letters, Claes's rhythm not kept,
    # Wouters never reached)
    assert len(expected["tailored"]) == 3
    assert goal(html, "tailored-contact") == (3, 6)
    # goal 3: a class activity with at least 50% of the class's families: 3A (2 of 3) and 5B (1 of 2);
    # K2's open classroom day was removed
    assert expected["classes_met"] == 2
    assert goal(html, "activity-classes") == (2, 3)
    assert expected["best"] == {school["3A"]: 2, school["5B"]: 1, school["K2"]: 0}

    # the school's grid, per quadrant
    for q in QUADRANTS:
        assert grid_cell(html, q) == expected["grid"][q], q
    assert expected["grid"][Quadrant.INFORMAL_ORAL] == {"moments": 4, "attempts": 2, "families": 3}

    # the heatmap, per class and quadrant
    for class_id in classes:
        assert heat_row(html, class_id) == expected["heat"][class_id], class_id
    assert expected["heat"][school["K2"]][Quadrant.INFORMAL_ORAL] == 50  # Goossens, not Wouters

    # balances
    assert balance(html, "initiative") == {"school": expected["initiative"]["school"],
                                           "family": expected["initiative"]["family"]}
    assert balance(html, "tone") == {t: expected["tone"][t] for t in ("positive", "neutral", "concern")}
    adults = ("mother", "father", "other", "unknown")
    assert balance(html, "adults") == {k: expected["kinship"][k] for k in adults}
    assert expected["kinship"]["other"] == 3  # the grandmother twice, the guardian once

    # the class table: contact op maat per class
    assert class_goals_cell(html, school["3A"], 1) == f"{half_up(2, 3)}%"  # Peeters and Goossens
    assert class_goals_cell(html, school["K2"], 1) == "50%"  # Goossens


def test_the_dashboard_object_agrees_with_the_recount_for_a_period_and_the_weeks(app, school):
    from school.accounts.models import User
    from school.dashboard import queries

    start, end = dt.date(2026, 10, 1), dt.date(2026, 11, 12)
    with app.app_context():
        user = db.session.get(User, school["director"])
        filters, _years, classes = queries.load({"from": start.isoformat(), "to": end.isoformat()})
        d = queries.build(user, filters, classes)
        got_weeks = {w.start: w.total for w in d.weeks}
        got = {
            "grid": {f.quadrant: {"moments": f.moments, "attempts": f.attempts, "families": f.families}
                     for f in d.quadrants},
            "tailored": d.tailored, "personal": d.personal,
        }
    expected = recompute(app, [school["3A"], school["5B"], school["K2"]], start, end)
    assert got["grid"] == expected["grid"]
    assert got["tailored"] == len(expected["tailored"])
    assert got["personal"] == expected["personal"]
    assert {k: v for k, v in got_weeks.items() if v} == dict(expected["weeks"])
    assert min(got_weeks) == dt.date(2026, 9, 28) and max(got_weeks) == dt.date(2026, 11, 9)
    # Claes's rhythm: on 12 November the last agreed call (20 September) is 53 days old — not kept
    assert got["tailored"] == 3


def test_flagged_families_and_their_plans(app, client, school):
    login(client, app, school["director"])
    html = client.get("/dashboard/").get_data(as_text=True)
    with app.app_context():
        flagged = {
            h.id for h in db.session.scalars(select(Household).where(Household.anonymised_at.is_(None)))
            if any(p.left_on is None for p in h.pupils) and evaluate(summary_for(h.id, TODAY, 60))
        }
        open_plans = set(db.session.scalars(select(FollowUp.household_id).where(FollowUp.status == "open")))
    # Janssens (only letters) has an open plan; Claes's follow-up is done, so it is no plan today
    assert school["janssens"] in flagged
    assert goal(html, "follow-up-plans") == (len(flagged & open_plans), len(flagged))
    assert goal(html, "follow-up-plans")[0] == 1
    follow_ups = html.split('id="lv-follow-ups"')[1].split("</dl>")[0]
    # open, overdue, done, closed by hand
    assert re.findall(r'data-count="(\d+)"', follow_ups) == ["1", "1", "1", "0"]
    by_signal = html.split('id="lv-by-signal"')[1].split("</ul>")[0]
    assert 'data-signal="rhythm_not_kept" data-count="1"' in by_signal  # Claes


def _follow_up_tally(html: str) -> list[str]:
    """open, overdue, done, closed by hand"""
    return re.findall(r'data-count="(\d+)"', html.split('id="lv-follow-ups"')[1].split("</dl>")[0])


def test_follow_ups_are_counted_as_they_stood_on_the_end_day(app, client, school):
    """The section says "school year up to <end>": status and overdue as on that day, not today."""
    login(client, app, school["director"])
    # 28 September: Claes's follow-up (25 Sept – 1 Oct) was still open; Janssens's did not exist yet
    assert _follow_up_tally(client.get("/dashboard/?to=2026-09-28").get_data(as_text=True)) == [
        "1", "0", "0", "0"]
    # 5 October: Claes's is done
    assert _follow_up_tally(client.get("/dashboard/?to=2026-10-05").get_data(as_text=True)) == [
        "0", "0", "1", "0"]
    # 5 November: Janssens's is open and not due until 10 November (today it is overdue)
    early = client.get("/dashboard/?to=2026-11-05").get_data(as_text=True)
    assert _follow_up_tally(early) == ["1", "0", "1", "0"]
    assert _follow_up_tally(client.get("/dashboard/?to=2026-11-12").get_data(as_text=True)) == [
        "1", "1", "1", "0"]
    # a follow-up closed after the end day counts as open on it
    with app.app_context():
        janssens = db.session.scalar(select(FollowUp).where(FollowUp.household_id == school["janssens"]))
        janssens.status = FollowUpStatus.CLOSED
        janssens.closed_at = dt.datetime(2026, 11, 15, 9, 0)
        db.session.commit()
    assert _follow_up_tally(client.get("/dashboard/?to=2026-11-12").get_data(as_text=True)) == [
        "1", "1", "1", "0"]
    assert _follow_up_tally(client.get("/dashboard/").get_data(as_text=True)) == ["0", "0", "1", "1"]


# --- filters: page and fragment, the URL --------------------------------------------------


def test_filters_change_the_figures_as_page_and_as_fragment(app, client, school):
    login(client, app, school["director"])
    page = client.get(f"/dashboard/?class={school['3A']}")
    assert page.status_code == 200
    assert "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "<html" in html and families_in_view(html) == 3
    assert html.count('id="dashboard-live"') == 1
    assert f'<option value="{school["3A"]}" selected>3A</option>' in html
    assert f"class={school['3A']}" in html.split('id="dashboard-print-link"')[0].rsplit("<a", 1)[1]
    assert goal(html, "tailored-contact") == (2, 3)

    client.environ_base["HTTP_HX_REQUEST"] = "true"
    fragment = client.get("/dashboard/?level=kleuter")
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and '<div id="dashboard-view">' in body
    # the polite live region outside the swapped part says that the figures changed
    assert body.lstrip().startswith('<p id="dashboard-live" hx-swap-oob="innerHTML">')
    assert "De cijfers zijn bijgewerkt: 2 gezinnen in beeld" in body
    assert families_in_view(body) == 2  # K2: Wouters and Goossens
    assert '<option value="kleuter" selected>' in body
    assert "level=kleuter" in body  # the print and CSV links keep the filters
    assert f'id="heat-class-{school["3A"]}"' not in body


def test_the_period_changes_the_grid_but_not_the_year_goals(app, client, school):
    login(client, app, school["director"])
    whole = client.get("/dashboard/").get_data(as_text=True)
    october = client.get("/dashboard/?from=2026-10-01&to=2026-11-20").get_data(as_text=True)
    assert grid_cell(whole, Quadrant.INFORMAL_ORAL)["families"] == 3
    assert grid_cell(october, Quadrant.INFORMAL_ORAL)["families"] == 1  # Goossens only
    assert 'value="2026-10-01"' in october
    assert goal(october, "tailored-contact") == goal(whole, "tailored-contact")
    # the end of the period is the day the goals are measured on: on 1 October Claes's rhythm was kept
    early = client.get("/dashboard/?to=2026-10-01").get_data(as_text=True)
    expected = recompute(app, [school["3A"], school["5B"], school["K2"]], YEAR_START, dt.date(2026, 10, 1))
    # Peeters, Claes and Goossens (the info evening was a personal contact); Maes had no report yet
    assert len(expected["tailored"]) == 3
    assert goal(early, "tailored-contact") == (3, 6)


def test_bad_filter_values_fall_back_and_periods_stay_inside_the_year(app, client, school):
    login(client, app, school["director"])
    response = client.get("/dashboard/?year=1999-2000&from=nonsense&to=2027-05-01&class=abc&level=hoger")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert families_in_view(html) == 6
    # inside the school year but after today: up to today, and the page says so
    assert f'id="filter-to" name="to" value="{TODAY.isoformat()}"' in html
    assert 'id="dashboard-adjusted"' in html
    # outside the school year: as if not given
    outside = client.get("/dashboard/?to=2027-12-01").get_data(as_text=True)
    assert f'id="filter-to" name="to" value="{TODAY.isoformat()}"' in outside
    assert 'id="filter-from" name="from" value="2026-09-01"' in outside
    swapped = client.get("/dashboard/?from=2026-11-01&to=2026-10-01").get_data(as_text=True)
    assert 'value="2026-10-01"' in swapped.split('id="filter-from"')[1][:120]


@pytest.mark.parametrize("as_fragment", [False, True])
def test_changing_the_school_year_shows_the_whole_chosen_year(app, client, school, as_fragment):
    """The form sends the old year's from/to with the new year: they must not squeeze it to one day."""
    with app.app_context():
        school_class("3A", starts=dt.date(2025, 9, 1))
        db.session.commit()
    login(client, app, school["director"])
    if as_fragment:
        client.environ_base["HTTP_HX_REQUEST"] = "true"
    # to the earlier year, with this year's period
    html = client.get("/dashboard/?year=2025-2026&from=2026-09-01&to=2026-11-20").get_data(as_text=True)
    assert ("<html" in html) is not as_fragment
    assert 'id="filter-from" name="from" value="2025-09-01"' in html
    assert 'id="filter-to" name="to" value="2026-08-31"' in html
    assert 'id="dashboard-adjusted"' not in html
    # and back to this year, with the earlier year's period
    html = client.get("/dashboard/?year=2026-2027&from=2025-09-01&to=2026-08-31").get_data(as_text=True)
    assert 'id="filter-from" name="from" value="2026-09-01"' in html
    assert f'id="filter-to" name="to" value="{TODAY.isoformat()}"' in html
    assert 'id="dashboard-adjusted"' not in html
    assert families_in_view(html) == 6


def test_an_earlier_school_year_without_linked_pupils_says_so(app, client, school):
    with app.app_context():
        school_class("3A", starts=dt.date(2025, 9, 1))
        db.session.commit()
    login(client, app, school["director"])
    html = client.get("/dashboard/?year=2025-2026").get_data(as_text=True)
    assert families_in_view(html) == 0
    assert 'id="dashboard-no-families"' in html
    assert 'value="2026-08-31"' in html  # the whole earlier year


# --- goals ------------------------------------------------------------------------------------


def test_the_director_sets_the_goals_and_the_dashboard_measures_against_them(app, client, school):
    login(client, app, school["director"])
    assert client.get("/dashboard/goals").status_code == 200
    bad = client.post("/dashboard/goals", data={"tailored_contact": "0", "follow_up_plans": "100",
                                                "activity_families": "abc", "activity_classes": "100"})
    assert bad.status_code == 422
    assert "aria-invalid" in bad.get_data(as_text=True)
    ok = client.post("/dashboard/goals", data={"tailored_contact": "40", "follow_up_plans": "100",
                                               "activity_families": "70", "activity_classes": "100"})
    assert ok.status_code == 302
    html = client.get("/dashboard/").get_data(as_text=True)
    tailored = html.split('id="goal-tailored-contact"')[1].split("</article>")[0]
    assert "Doel: 40%" in tailored and "doel gehaald" in tailored  # 50% >= 40%
    # 70% of the class's families at one activity: no class reaches it any more
    assert goal(html, "activity-classes") == (0, 3)
    with app.app_context():
        from school.audit import AuditEvent
        from school.dashboard.queries import load_goals

        assert load_goals().activity_families == 70
        saved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.updated"))
        assert saved is not None and saved.detail["key"] == "dashboard_goals"


def test_who_may_see_the_dashboard_and_set_the_goals(app, client, school, make_user):
    login(client, app, school["care"])
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/export.csv").status_code == 200
    assert client.get("/dashboard/goals").status_code == 404
    assert 'id="dashboard-goals-link"' not in client.get("/dashboard/").get_data(as_text=True)
    for role in ("teacher", "reception", "admin"):
        other = app.test_client()
        login(other, app, make_user(role))
        assert other.get("/dashboard/").status_code == 404, role
        assert other.get("/dashboard/export.csv").status_code == 404, role
        assert other.get("/dashboard/print").status_code == 404, role
    assert app.test_client().get("/dashboard/").status_code == 302  # to the login page


# --- CSV and print ------------------------------------------------------------------------------


def test_csv_per_class_for_belgian_excel_and_safe_against_formulas(app, client, school):
    with app.app_context():
        for name in ("=HYPERLINK(\"http://x\")", "+32 klas", "-1", "@SUM(A1)", "\tTab"):
            klass = school_class(name)
            household(f"Gezin {name}", klass=klass)
        db.session.commit()
    login(client, app, school["director"])
    response = client.get("/dashboard/export.csv?level=lager")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert "lager" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert header[:5] == ["Klas", "Niveau", "Gezinnen", "Contact op maat (gezinnen)", "Contact op maat (%)"]
    assert "Bereikt: informeel mondeling (%)" in header
    assert len({len(r) for r in rows}) == 1  # every row as wide as the header
    by_class = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert "K2" not in by_class  # a kleuter class, filtered out
    assert by_class["3A"]["Gezinnen"] == "3"
    assert by_class["3A"]["Contact op maat (gezinnen)"] == "2"
    assert by_class["3A"]["Best bezochte klasactiviteit (%)"] == "67"
    assert by_class["5B"]["Contact op maat (%)"] == "50"
    for dangerous in ("=HYPERLINK(\"http://x\")", "+32 klas", "-1", "@SUM(A1)", "\tTab"):
        assert "'" + dangerous in by_class, dangerous
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_the_csv_export_is_audited_once_with_the_filters_and_no_family_data(app, client, school):
    from school.audit import AuditEvent

    login(client, app, school["director"])

    def events() -> list[AuditEvent]:
        with app.app_context():
            found = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
            db.session.expunge_all()
            return found

    before = len(events())
    response = client.get(f"/dashboard/export.csv?level=lager&class={school['3A']}&to=2026-11-12")
    assert response.status_code == 200
    fresh = events()[before:]
    assert [e.action for e in fresh] == ["dashboard.exported"]
    event = fresh[0]
    assert event.user_id == school["director"]
    assert event.household_ref is None and event.object_id is None
    assert event.detail == {"format": "csv", "year": "2026-2027", "from": "2026-09-01", "to": "2026-11-12",
                            "class": str(school["3A"]), "level": "lager"}
    # the page itself is not an export
    client.get("/dashboard/")
    assert [e.action for e in events()[before:]] == ["dashboard.exported"]


def test_the_print_view_renders_for_a4(app, client, school):
    login(client, app, school["director"])
    response = client.get(f"/dashboard/print?class={school['5B']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="dashboard-print"' in html
    assert 'id="dashboard-filter"' not in html
    assert families_in_view(html) == 2
    # one class's picture says whose it is, not "the school's grid" ("raster": "rooster" is a timetable)
    assert "Contact met de gezinnen van klas 5B" in html and "Het raster van klas 5B" in html
    assert "Het raster van de school" not in html and "rooster" not in html.lower()
    whole = client.get("/dashboard/print").get_data(as_text=True)
    assert "Het raster van de school" in whole and "van klas 5B" not in whole
    assert 'id="trend-chart"' in html and 'id="heatmap"' in html and 'id="class-goals"' in html
    css = client.get("/static/app.css").get_data(as_text=True)
    dashboard_css = css.split("=== dashboard:")[1]
    assert "@page { size: A4" in dashboard_css and "@media print" in dashboard_css


NNBSP = "\u202f"  # French groups thousands with a narrow no-break space


@pytest.mark.parametrize(("locale", "goal_text", "written"), [
    ("nl", "3.024 van 4.000 gezinnen", "3.024"),
    ("en", "3,024 of 4,000 families", "3,024"),
    ("fr", f"3{NNBSP}024 familles sur 4{NNBSP}000", f"3{NNBSP}024"),
])
def test_counts_of_a_thousand_and_more_are_written_the_locale_way(app, client, school, monkeypatch,
                                                                  locale, goal_text, written):
    from school.dashboard import queries

    real_build = queries.build

    def big_school(user, filters, classes):
        d = real_build(user, filters, classes)
        tailored = d.goal("tailored_contact")
        tailored.done, tailored.total = 3024, 4000
        d.classes[0].families = 3024
        d.follow_ups.done = 3024
        d.balances[0].parts[0].count = 3024
        d.weeks[0].counts[QUADRANTS[0]] = 3024
        return d

    monkeypatch.setattr(queries, "build", big_school)
    login(client, app, school["director"])
    html = client.get("/dashboard/", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert "3024" not in html.replace('data-count="3024"', "").replace('data-done="3024"', "")
    assert goal_text in html.split('id="goal-tailored-contact"')[1].split("</article>")[0]
    assert f'<td class="num">{written}</td>' in html.split(f'id="heat-class-{school["3A"]}"')[1]
    assert f'data-count="3024">{written}</dd>' in html  # follow-ups done
    assert f"<strong>{written}</strong>" in html.split('id="balance-initiative"')[1]
    assert f'<td class="num">{written}</td>' in html.split('id="trend-table"')[1]


def test_the_num_filter_below_and_above_a_thousand(app):
    from flask_babel import force_locale

    from school.i18n import num

    with app.test_request_context("/"):
        for locale, expected in (("nl", "1.000.000"), ("en", "1,000,000"), ("fr", f"1{NNBSP}000{NNBSP}000")):
            with force_locale(locale):
                assert num(1_000_000) == expected
                assert num(999) == "999" and num(0) == "0"
                assert num(None) == ""


def test_no_inline_script_or_style_and_the_charts_have_a_text_alternative(app, client, school):
    login(client, app, school["director"])
    html = client.get("/dashboard/").get_data(as_text=True)
    view = html.split('id="dashboard-view"')[1]
    assert "style=" not in view and "<script" not in view
    assert 'role="img" aria-labelledby="trend-title trend-desc"' in view
    assert 'id="trend-table"' in view  # the figures per week as a table
    assert "polyline" in view and 'stroke-dasharray="7 3"' in view  # lines differ by more than colour


# --- a fixed number of queries ------------------------------------------------------------------


def _families(n: int, klass_id: int, offset: int) -> None:
    klass = db.session.get(SchoolClass, klass_id)
    evening = class_activity("info_evening", dt.date(2026, 9, 17), klass, f"g{offset}")
    for i in range(n):
        h = household(f"Gezin {offset + i}", klass=klass)
        carer = add_caregiver(h, "Ouder", Kinship.MOTHER if i % 2 else Kinship.FATHER)
        m = moment(h, "gate_conversation", dt.date(2026, 10, 1 + i % 20))
        m.caregiver_id = carer.id
        moment(h, "official_letter", dt.date(2026, 10, 2 + i % 20), reach=Reach.ONE_WAY)
        moment(h, "spontaneous_call", dt.date(2026, 11, 1), reach=Reach.NOT_REACHED)
        moment(h, "info_evening", evening.occurred_on, group=evening)
        if i % 2:
            agreement(h, "spontaneous_call", every_days=14, agreed_on=dt.date(2026, 9, 15))
            db.session.add(FollowUp(household_id=h.id, approach=Approach.GATE, due_on=dt.date(2026, 11, 1)))


def _count(app, fn) -> int:
    return count_statements(app, fn)  # every statement, BEGIN and COMMIT too


def test_the_dashboard_takes_the_same_number_of_queries_for_5_or_50_families(app, client, make_user):
    ids = in_app(app, lambda: {"a": school_class("3A").id, "b": school_class("5B").id})
    login(client, app, make_user("director"))

    def get(url: str) -> None:
        assert client.get(url).status_code == 200

    client.get("/dashboard/")  # warm up (the first request of a session)
    in_app(app, lambda: _families(5, ids["a"], 0))
    small = _count(app, lambda: get("/dashboard/"))
    small_csv = _count(app, lambda: get("/dashboard/export.csv"))
    in_app(app, lambda: (_families(30, ids["a"], 100), _families(15, ids["b"], 200)))
    large = _count(app, lambda: get("/dashboard/"))
    large_csv = _count(app, lambda: get("/dashboard/export.csv"))
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Household.id))) == 50
    assert small == large
    assert small_csv == large_csv
    assert large <= 25


def test_levels_are_offered_and_class_names_escaped(app, client, school):
    with app.app_context():
        school_class("<b>4C</b>")
        db.session.commit()
    login(client, app, school["director"])
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "<b>4C</b>" not in html and "&lt;b&gt;4C&lt;/b&gt;" in html
    for level in Level:
        assert f'<option value="{level.value}"' in html


def test_families_of_two_classes_count_in_both_and_once_for_the_school(app, school):
    expected = recompute(app, [school["3A"], school["5B"], school["K2"]], YEAR_START, TODAY)
    sizes = {c: len(f) for c, f in expected["families_of"].items()}
    assert sizes == {school["3A"]: 3, school["5B"]: 2, school["K2"]: 2}
    assert sum(sizes.values()) == len(expected["everyone"]) + 1
    assert defaultdict(int, expected["initiative"])["family"] == 2
