"""The roster import as a sync: next month's export applies only its differences, exactly as the
preview said; pupils no longer in the file are proposed as gone and marked as left only when confirmed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from school.families import roster
from tests.test_roster import counts
from tests.test_roster_profiles import (
    SS_HEAD,
    import_file,
    smartschool_csv,
    smartschool_families,
    smartschool_rows,
    to_csv,
)
from tests.test_roster_profiles import upload as upload_file

FIRST_DAY = dt.date(2026, 10, 1)
NEXT_MONTH = dt.date(2026, 11, 3)
MODULES = ("school.schoolyear", "school.families.roster_import", "school.families.models",
           "school.families.queries", "school.families.views", "school.families.scope")


@pytest.fixture
def clock(monkeypatch):
    """A school "today" the test moves on: the first import, then next month's."""
    day = {"today": FIRST_DAY}
    for module in MODULES:
        monkeypatch.setattr(f"{module}.today", lambda: day["today"])
    return day


def next_month_csv() -> bytes:
    """The same school a month later: 6003 and 6004 left, 7000 is new, 6005 moved from 1B to 2A.
    Every other row is the same as last month's, byte for byte."""
    head, *rows = smartschool_rows(smartschool_families())
    key, klass = SS_HEAD.index("internnummer"), SS_HEAD.index("Klas")
    rows = [row for row in rows if row[key] not in ("6003", "6004")]
    next(row for row in rows if row[key] == "6005")[klass] = "2A"
    slots = [("Nora", "Leerling", "Moeder", "nora@example.be", "0470 11 22 33", "")]
    slots += [("", "", "Maak uw keuze", "", "", "")] * 5
    rows += smartschool_rows({"7000": ("Nieuwe", "Leerling", "1A", slots)})[1:]
    return to_csv([head, *rows]).encode("utf-8")


def pupil_ids(app) -> dict[str, int]:
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        return dict(db.session.execute(select(Pupil.external_key, Pupil.id)).all())


def state(app) -> dict[str, tuple]:
    """Pupil number → (left on, class today, its enrolments as (class, first day, last day))."""
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        return {
            p.external_key: (p.left_on, p.school_class.name if p.school_class else None,
                             [(e.school_class.name, e.started_on, e.ended_on) for e in p.enrolments])
            for p in db.session.scalars(select(Pupil))
        }


def leave_boxes(html: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="leave" value="(\d+)"', html)}


def test_next_months_export_is_applied_exactly_as_its_preview_said(app, client, login_as, clock):
    login_as("reception")
    import_file(client, "export.csv", smartschool_csv())
    ids = pupil_ids(app)
    before = state(app)
    clock["today"] = NEXT_MONTH
    url, html, mapping = upload_file(client, "export.csv", next_month_csv())
    # the preview: one new pupil, one class change 1B → 2A, two pupils not in the file anymore
    assert re.search(r"<strong>1</strong>\s*nieuwe leerlingen", html)
    assert re.search(r"<strong>1</strong>\s*bij te werken", html)
    assert "1B → 2A" in html
    assert leave_boxes(html) == {ids["6003"], ids["6004"]}
    assert html.count(": niet meer in dit bestand") == 2
    assert counts(app)["Pupil"] == 30 and state(app) == before  # the preview stored nothing
    mapping.update(leave=[str(ids["6003"]), str(ids["6004"])], left_on=NEXT_MONTH.isoformat())
    response = client.post(url, data=mapping)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = state(app)
    assert counts(app)["Pupil"] == 31  # nobody deleted
    for key in ("6003", "6004"):
        left_on, klass, enrolments = after[key]
        assert left_on == NEXT_MONTH and klass is None
        assert enrolments[-1][2] == NEXT_MONTH - dt.timedelta(days=1)  # the class ends the day before
    assert after["6005"][1] == "2A"
    day_before = NEXT_MONTH - dt.timedelta(days=1)
    assert after["6005"][2] == [("1B", FIRST_DAY, day_before), ("2A", NEXT_MONTH, None)]
    assert after["7000"][:2] == (None, "1A")
    changed = {key for key in after if after[key] != before.get(key)}
    assert changed == {"6003", "6004", "6005", "7000"}  # nothing else
    # the same file again: nothing left to do, and the leavers are not proposed again
    url, html, mapping = upload_file(client, "export.csv", next_month_csv())
    assert leave_boxes(html) == set()
    assert re.search(r"<strong>0</strong>\s*nieuwe leerlingen", html)
    assert re.search(r"<strong>29</strong>\s*ongewijzigd", html)


def test_unconfirmed_pupils_stay_and_a_bad_date_stores_nothing(app, client, login_as, clock):
    login_as("reception")
    import_file(client, "export.csv", smartschool_csv())
    ids = pupil_ids(app)
    clock["today"] = NEXT_MONTH
    url, _html, mapping = upload_file(client, "export.csv", next_month_csv())
    before = state(app)
    bad = dict(mapping, leave=[str(ids["6003"])], left_on="31/02/2026")
    response = client.post(url, data=bad)
    assert response.status_code == 422 and "field-error" in response.get_data(as_text=True)
    assert state(app) == before
    # only 6003 is confirmed (and an id the preview never proposed is ignored)
    mapping.update(leave=[str(ids["6003"]), str(ids["6010"])])
    assert client.post(url, data=mapping).status_code == 302
    after = state(app)
    assert after["6003"][0] == NEXT_MONTH
    assert after["6004"][0] is None and after["6004"][1] is not None
    assert after["6010"][0] is None


def test_a_file_of_one_class_proposes_no_leavers_in_other_classes(app, client, login_as, clock):
    login_as("reception")
    import_file(client, "export.csv", smartschool_csv())
    ids = pupil_ids(app)
    families = {k: v for k, v in smartschool_families().items() if v[2] == "1A" and k != "6004"}
    clock["today"] = NEXT_MONTH
    _url, html, _mapping = upload_file(client, "klas.csv", to_csv(smartschool_rows(families)).encode())
    assert leave_boxes(html) == {ids["6004"]}  # 6004 was in 1A; nobody of 1B, 2A or K3


def test_the_cli_prints_the_departures_and_marks_them_only_when_confirmed(app, runner, tmp_path, clock):
    first = tmp_path / "oktober.csv"
    first.write_bytes(smartschool_csv())
    assert runner.invoke(args=["import-roster", str(first)]).exit_code == 0
    clock["today"] = NEXT_MONTH
    second = tmp_path / "november.csv"
    second.write_bytes(next_month_csv())
    dry = runner.invoke(args=["import-roster", str(second), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "klas 1B → 2A" in dry.output
    assert dry.output.count(": niet meer in dit bestand") == 2
    assert "1 nieuw, 1 bijgewerkt, 27 ongewijzigd" in dry.output
    plain = runner.invoke(args=["import-roster", str(second)])
    assert plain.exit_code == 0 and "--mark-left" in plain.output
    assert state(app)["6003"][0] is None
    confirmed = runner.invoke(args=["import-roster", str(second), "--mark-left", "--left-on", "31/10/2026"])
    assert confirmed.exit_code == 0, confirmed.output
    after = state(app)
    assert after["6003"][0] == after["6004"][0] == dt.date(2026, 10, 31)
    assert after["6005"][1] == "2A" and len(after) == 31


def test_a_pupil_the_export_flags_as_leaver_is_proposed_as_gone(app, client, login_as, clock):
    login_as("admin")
    import_file(client, "export.csv", smartschool_csv())
    ids = pupil_ids(app)
    head, *rows = smartschool_rows(smartschool_families())
    key = head.index("internnummer")
    next(row for row in rows if row[key] == "6002")[head.index("schoolverlater")] = "1"
    clock["today"] = NEXT_MONTH
    url, html, mapping = upload_file(client, "export.csv", to_csv([head, *rows]).encode())
    assert leave_boxes(html) == {ids["6002"]}
    assert "volgens het bestand heeft deze leerling de school verlaten" in html
    assert not re.search(r'id="roster-import-button"[^>]*disabled', html)  # nothing else to import
    client.post(url, data=dict(mapping, leave=str(ids["6002"])))
    assert state(app)["6002"][0] == NEXT_MONTH and counts(app)["Pupil"] == 30


def test_a_plan_remembers_the_class_a_pupil_leaves():
    row = roster.RosterRow(line=2, external_key="1", first_name="An", last_name="Peeters",
                           birth_date=None, class_name="2A")
    known = roster.ExistingPupil(id=1, first_name="An", last_name="Peeters", birth_date=None, class_name="1B",
                                 left=False, household_ids=[], caregivers=[], external_key="1")
    plan = roster.plan_import([row], {"1": known}, {"1B", "2A"})
    assert plan.rows[0].changes == ["class_name"] and plan.rows[0].old_class == "1B"
