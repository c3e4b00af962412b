"""Roster import: every encoding and error path of the parser, the plan, the web steps and the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from school.families import roster
from school.families.models import Kinship
from school.families.roster import RosterError, guess_mapping, read_roster, rows_from_table
from tests.factories.app import TEST_PASSWORD, login, make_app

FIXTURES = Path(__file__).parent / "fixtures" / "roster"
TODAY = dt.date(2026, 11, 21)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- encodings and delimiters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter"),
    [
        ("belgian_excel_cp1252.csv", "cp1252", ";"),
        ("utf8_bom_semicolon.csv", "utf-8-sig", ";"),
        ("utf8_comma.csv", "utf-8", ","),
        ("utf16_tab.txt", "utf-16", "\t"),
    ],
)
def test_every_encoding_and_delimiter_reads_the_same_table(name, encoding, delimiter):
    table = read_roster(fixture(name), name)
    assert table.encoding == encoding and table.delimiter == delimiter
    assert table.headers[:5] == ["Stamboeknummer", "Voornaam", "Naam", "Geboortedatum", "Klas"]
    assert len(table.rows) == 4
    assert table.rows[0][:5] == ["1001", "Zoë", "Çelik", "04/03/2019", "1A"]
    assert table.rows[2][1] == "François"


def test_utf16_without_bom_is_recognised():
    data = "Stamboeknummer;Voornaam;Naam\r\n1;Zoë;Çelik\r\n".encode("utf-16-le")
    table = read_roster(data, "x.csv")
    assert table.encoding == "utf-16" and table.rows == [["1", "Zoë", "Çelik"]]
    data = "Stamboeknummer;Voornaam;Naam\r\n1;Zoë;Çelik\r\n".encode("utf-16-be")
    assert read_roster(data, "x.csv").rows == [["1", "Zoë", "Çelik"]]


def test_a_quoted_comma_stays_in_its_field():
    table = read_roster(fixture("utf8_comma.csv"), "utf8_comma.csv")
    assert table.rows[2][6] == "Dubois, Hélène"


def test_xlsx_is_read_with_dates_as_dd_mm_yyyy():
    data = make_xlsx(
        [
            ["Stamboeknummer", "Voornaam", "Naam", "Geboortedatum", "Klas"],
            [1001, "Zoë", "Çelik", dt.datetime(2019, 3, 4), "1A"],
            [None, None, None, None, None],
            ["1002", "Emre", "Çelik", "01/06/2021", "K2"],
        ]
    )
    table = read_roster(data, "roster.xlsx")
    assert table.encoding == "xlsx"
    assert table.rows == [
        ["1001", "Zoë", "Çelik", "04/03/2019", "1A"],
        ["1002", "Emre", "Çelik", "01/06/2021", "K2"],
    ]


def test_duplicate_and_empty_headers_get_distinct_names():
    table = read_roster(b"Naam;Naam;;Klas\r\na;b;c;d\r\n", "x.csv")
    assert table.headers == ["Naam", "Naam (2)", "#3", "Klas"]


def test_short_rows_are_padded():
    assert read_roster(b"a;b;c\r\n1;2\r\n", "x.csv").rows == [["1", "2", ""]]


# --- errors of the file as a whole ----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"", "x.csv", "empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "x.csv", "empty"),
        (b"Stamboeknummer;Voornaam;Naam\r\n", "x.csv", "no_rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "xls"),
        (b"%PDF-1.4 something", "roster.pdf", "not_a_spreadsheet"),
        (b"PK\x03\x04 not really a zip", "roster.xlsx", "bad_xlsx"),
        (b"\xff\xfe" + b"\x00\xd8", "x.csv", "bad_encoding"),  # a lone surrogate: not UTF-16
        (b"\xef\xbb\xbfNaam;Klas\r\n\xff\xfe;1A\r\n", "x.csv", "bad_encoding"),
        (b"a;b\x00c;d\r\n1;2;3\r\n", "x.csv", "binary"),
    ],
)
def test_a_file_that_cannot_be_read_gives_a_clear_error(data, filename, code):
    with pytest.raises(RosterError) as error:
        read_roster(data, filename)
    assert error.value.code == code


def test_an_oversized_file_is_refused():
    with pytest.raises(RosterError) as error:
        read_roster(b"a;b\r\n" + b"1;2\r\n" * (roster.MAX_BYTES // 5 + 1), "big.csv")
    assert error.value.code == "too_big"


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    with pytest.raises(RosterError) as error:
        read_roster(b"a;b\r\n" + b"1;2\r\n" * 4, "x.csv")
    assert error.value.code == "too_many_rows"
    with pytest.raises(RosterError) as error:
        read_roster(make_xlsx([["a", "b"]] + [[1, 2]] * 6), "x.xlsx")
    assert error.value.code == "too_many_rows"


def test_too_many_columns_is_refused(monkeypatch):
    monkeypatch.setattr(roster, "MAX_COLUMNS", 3)
    with pytest.raises(RosterError) as error:
        read_roster(b"a;b;c;d\r\n1;2;3;4\r\n", "x.csv")
    assert error.value.code == "too_many_columns"


def test_a_zip_bomb_is_refused_before_it_is_opened(monkeypatch):
    monkeypatch.setattr(roster, "MAX_UNPACKED", 2 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (3 * 1024 * 1024))
    with pytest.raises(RosterError) as error:
        read_roster(buffer.getvalue(), "bomb.xlsx")
    assert error.value.code == "zip_bomb"


def test_a_member_that_grows_too_much_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b" " * (2 * 1024 * 1024))  # ratio far above 100
    with pytest.raises(RosterError) as error:
        read_roster(buffer.getvalue(), "x.xlsx")
    assert error.value.code == "zip_bomb"


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(RosterError) as error:
        read_roster(buffer.getvalue(), "x.xlsx")
    assert error.value.code == "bad_xlsx"


# --- mapping -----------------------------------------------------------------------------------


def test_mapping_is_guessed_from_known_column_names():
    table = read_roster(fixture("wisa_with_errors.csv"), "wisa.csv")
    mapping = guess_mapping(table.headers)
    assert mapping["external_key"] == "Leerling ID"
    assert mapping["first_name"] == "Roepnaam"
    assert mapping["last_name"] == "Familienaam"
    assert mapping["birth_date"] == "Geb. datum"
    assert mapping["class_name"] == "Klasgroep"
    assert mapping["caregiver1_phone"] is None


@pytest.mark.parametrize("column", ["Rijksregisternummer leerling", "rijksregisternummer", "INSZ"])
def test_the_national_register_number_is_never_taken_as_the_pupil_key(column):
    """Privacy: a column with the national register number is not mapped by itself to anything."""
    mapping = guess_mapping([column, "Voornaam", "Naam", "Klas"])
    assert column not in mapping.values()
    assert mapping["external_key"] is None
    assert mapping["first_name"] == "Voornaam"


def test_mapping_problems():
    headers = ["Nr", "Voornaam", "Naam"]
    problems = roster.mapping_problems({"external_key": "Nr", "first_name": "Nr", "last_name": None}, headers)
    assert set(problems) == {"first_name", "last_name"}
    problems = roster.mapping_problems(
        {"external_key": "X", "first_name": "Voornaam", "last_name": "Naam"}, headers
    )
    assert set(problems) == {"external_key"}


# --- rows ----------------------------------------------------------------------------------------


def test_row_errors_are_reported_per_line():
    table = read_roster(fixture("wisa_with_errors.csv"), "wisa.csv")
    rows = rows_from_table(table, guess_mapping(table.headers), TODAY)
    codes = {row.line: [p.code for p in row.errors] for row in rows}
    assert codes == {
        2: [],
        3: ["duplicate_key"],
        4: ["no_key"],
        5: ["no_first_name"],
        6: ["bad_date"],
        7: ["future_date"],
    }
    assert rows[0].birth_date == dt.date(2019, 12, 31)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("04/03/2019", dt.date(2019, 3, 4)),
        ("4/3/2019", dt.date(2019, 3, 4)),
        ("04-03-2019", dt.date(2019, 3, 4)),
        ("04.03.2019", dt.date(2019, 3, 4)),
        ("2019-03-04", dt.date(2019, 3, 4)),
        ("04/03/19", dt.date(2019, 3, 4)),
        ("2019-03-04 00:00:00", dt.date(2019, 3, 4)),
    ],
)
def test_dates(text, day):
    assert roster.parse_date(text, TODAY) == day


@pytest.mark.parametrize("text", ["03/04", "31/02/2019", "yesterday", "2019/13/01"])
def test_bad_dates(text):
    with pytest.raises(ValueError):
        roster.parse_date(text, TODAY)


def test_cells_are_nfc_and_overlong_or_control_characters_are_row_errors():
    data = ("Stamboeknummer;Voornaam;Naam;Voornaam ouder 1\r\n"
            "1;Zoe\u0308;Celik;Ays\u0327e\r\n"
            f"2;{'x' * 101};Celik;\r\n"
            "3;Lena\x1b;Peeters;Tom\x07\r\n").encode()
    table = read_roster(data, "x.csv")
    rows = rows_from_table(table, guess_mapping(table.headers), dt.date(2026, 1, 1))
    assert (rows[0].first_name, rows[0].caregivers[0].first_name, rows[0].errors) == ("Zoë", "Ayşe", [])
    assert [p.code for p in rows[1].errors] == ["too_long"] and len(rows[1].first_name) == 100
    assert [p.code for p in rows[2].errors] == ["control_character", "control_character"]
    assert "\x1b" not in rows[2].first_name


def test_cp1252_question_marks_are_warned_about():
    table = read_roster(fixture("belgian_excel_cp1252.csv"), "excel.csv")
    assert table.lossy_encoding
    rows = rows_from_table(table, guess_mapping(table.headers), TODAY)
    assert [w.code for w in rows[0].warnings] == ["lost_letters"]
    assert str(rows[0].warnings[0].message).startswith("Ay?e Çelik: ")  # which name: not the pupil's
    assert rows[2].warnings == []  # François Dubois survived Windows-1252
    plan = roster.plan_import(rows, {}, set(), table.lossy_encoding)
    assert [w.code for w in plan.warnings] == ["lost_letters"]
    assert "CSV UTF-8" in str(plan.warnings[0].message)


def test_bad_phone_and_email_are_left_out_with_a_warning():
    table = read_roster(
        "Nr;Voornaam;Naam;GSM ouder 1;E-mail ouder 1;Voornaam ouder 1\r\n"
        "1;Zoë;Çelik;12;geen;Ayşe\r\n".encode(),
        "x.csv",
    )
    (row,) = rows_from_table(table, guess_mapping(table.headers) | {"external_key": "Nr"}, TODAY)
    assert row.ok and {w.code for w in row.warnings} == {"bad_phone", "bad_email"}
    assert row.caregivers[0].phone is None and row.caregivers[0].email is None


def test_plan_counts_create_update_unchanged():
    table = read_roster(fixture("utf8_bom_semicolon.csv"), "x.csv")
    rows = rows_from_table(table, guess_mapping(table.headers), TODAY)
    existing = {
        "1001": roster.ExistingPupil(
            1,
            "Zoë",
            "Çelik",
            dt.date(2019, 3, 4),
            "1A",
            False,
            [1],
            [roster.KnownCaregiver("Ayşe", "Çelik", "0470 12 34 56", "ayse@example.be", Kinship.OTHER)],
            "1001",
        ),
        "1003": roster.ExistingPupil(
            3,
            "Francois",
            "Dubois",
            dt.date(2018, 11, 15),
            "1B",
            False,
            [2],
            [roster.KnownCaregiver("Hélène", "Dubois", "+32 486 11 22 33", None, Kinship.OTHER)],
            "1003",
        ),
    }
    plan = roster.plan_import(rows, existing, {"1A", "2B"})
    assert plan.counts == {"create": 2, "update": 1, "unchanged": 1, "leaver": 0, "error": 0}
    assert plan.rows[2].changes == ["first_name", "class_name"]
    assert plan.new_classes == ["K2"]


# --- the database side: web steps and CLI ------------------------------------------------------


def _upload(client, name: str, data: bytes | None = None):
    data = fixture(name) if data is None else data
    return client.post(
        "/families/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _import(client, name: str, data: bytes | None = None):
    response = _upload(client, name, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    preview_url = response.headers["Location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    mapping = selected_mapping(html)
    assert set(mapping) == {f"map-{code}" for code in roster.FIELDS}
    return preview_url, html, mapping


def selected_mapping(html: str) -> dict[str, str]:
    """What a browser sends for each mapping select: its selected option, else its first one.

    Each select is parsed on its own, so an unmapped one never borrows the next one's choice."""
    mapping = {}
    for name, body in re.findall(r'<select id="(map-[a-z0-9_]+)"[^>]*>(.*?)</select>', html, re.S):
        options = re.findall(r'<option value="([^"]*)"([^>]*)>', body)
        chosen = [value for value, attrs in options if re.search(r"\bselected\b", attrs)]
        mapping[name] = (chosen or [value for value, _attrs in options[:1]] or [""])[0]
    return mapping


def test_an_unmapped_column_select_stays_unmapped_in_the_helper():
    html = (
        '<select id="map-birth_date" name="map-birth_date"><option value="">-</option>'
        '<option value="Geboortedatum">Geboortedatum</option></select>'
        '<select id="map-class_name" name="map-class_name"><option value="">-</option>'
        '<option value="Klas" selected>Klas</option></select>'
    )
    assert selected_mapping(html) == {"map-birth_date": "", "map-class_name": "Klas"}


def counts(app):
    from school.extensions import db
    from school.families.models import Caregiver, Household, Pupil, SchoolClass

    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Pupil, Household, Caregiver, SchoolClass)
        }


@pytest.mark.parametrize("name", ["belgian_excel_cp1252.csv", "utf8_bom_semicolon.csv"])
def test_upload_preview_import_and_again_changes_nothing(app, client, login_as, name):
    from school.audit import AuditEvent
    from school.extensions import db
    from school.families.models import Household, IntakeStatus, Pupil
    from school.settings import Setting

    login_as("reception")
    url, html, mapping = _import(client, name)
    assert "4</strong>" in html  # four new pupils
    if name.startswith("belgian"):
        assert "CSV UTF-8" in html  # the lost-letters warning
    response = client.post(url, data=mapping)
    assert response.status_code == 302 and response.headers["Location"] == "/families/"
    first = counts(app)
    assert first == {"Pupil": 4, "Household": 3, "Caregiver": 2, "SchoolClass": 3}
    with app.app_context():
        zoe = db.session.scalar(select(Pupil).where(Pupil.external_key == "1001"))
        assert (
            zoe.first_name == "Zoë"
            and zoe.birth_date == dt.date(2019, 3, 4)
            and zoe.school_class.name == "1A"
        )
        emre = db.session.scalar(select(Pupil).where(Pupil.external_key == "1002"))
        assert emre.households == zoe.households  # siblings with the same caregiver: one household
        assert zoe.households[0].intake_status is IntakeStatus.NONE
        assert db.session.get(Setting, "roster_mapping") is None  # no mapping is left for the next one
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "roster.imported")
            )
            == 1
        )
        versions = {h.id: h.version for h in db.session.scalars(select(Household))}
    assert list((Path(app.instance_path) / "roster-uploads").glob("*")) == []  # deleted after import
    # the same file again: nothing to do, nothing changes
    url, html, mapping = _import(client, name)
    assert re.search(r"<strong>0</strong>\s*nieuwe leerlingen", html)
    assert re.search(r"<strong>4</strong>\s*ongewijzigd", html)
    client.post(url, data=mapping)
    assert counts(app) == first
    with app.app_context():
        assert {h.id: h.version for h in db.session.scalars(select(Household))} == versions


def caregiver_names(app) -> list[str]:
    from school.extensions import db
    from school.families.models import Caregiver

    with app.app_context():
        return sorted(c.full_name for c in db.session.scalars(select(Caregiver)))


def test_the_utf8_file_repairs_what_the_windows_1252_file_lost(app, client, login_as):
    login_as("admin")
    url, _html, mapping = _import(client, "belgian_excel_cp1252.csv")
    client.post(url, data=mapping)
    assert caregiver_names(app) == ["Ay?e Çelik", "Hélène Dubois"]
    url, html, mapping = _import(client, "utf8_bom_semicolon.csv")
    assert "bijwerken</strong>: naam ouder hersteld" in html  # Ay?e → Ayşe: the same person
    client.post(url, data=mapping)
    assert caregiver_names(app) == ["Ayşe Çelik", "Hélène Dubois"]  # repaired, not a second caregiver
    url, html, mapping = _import(client, "utf8_bom_semicolon.csv")
    assert re.search(r"<strong>4</strong>\s*ongewijzigd", html)


def test_the_windows_1252_file_never_undoes_the_letters_of_the_utf8_one(app, client, login_as):
    login_as("admin")
    url, _html, mapping = _import(client, "utf8_bom_semicolon.csv")
    client.post(url, data=mapping)
    before = counts(app)
    url, html, mapping = _import(client, "belgian_excel_cp1252.csv")
    assert re.search(r"<strong>4</strong>\s*ongewijzigd", html)
    client.post(url, data=mapping)
    assert counts(app) == before
    assert caregiver_names(app) == ["Ayşe Çelik", "Hélène Dubois"]


@pytest.mark.parametrize(
    ("incoming", "known", "changed"),
    [
        ("Ayşe", "Ay?e", True),  # the full name repairs the one that lost a letter
        ("Ay?e", "Ayşe", False),  # never the other way round
        ("Ay\ufffde", "Ayşe", False),
        ("François", "Francois", True),  # a real change of spelling
        ("Ayla", "Ay?e", True),  # another name
        ("Ay?e", "Ay?e", False),
    ],
)
def test_names_that_lost_letters(incoming, known, changed):
    assert roster.name_changed(incoming, known) is changed
    assert roster.find_name("ay?e celik", ["ayse celik", "tom celik"]) == "ayse celik"
    assert roster.find_name("ayse celik", ["ay?e celik"]) == "ay?e celik"
    assert roster.find_name("ayla celik", ["ay?e celik"]) is None


def test_an_unreadable_upload_is_422_with_the_message(app, client, login_as):
    login_as("reception")
    response = _upload(client, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert response.status_code == 422
    assert ".xlsx" in response.get_data(as_text=True)
    assert client.post("/families/import", data={}).status_code == 422


def test_an_oversized_upload_gets_the_same_clear_message_on_the_upload_page(
    app, client, login_as, monkeypatch
):
    login_as("reception")
    monkeypatch.setattr(roster, "MAX_BYTES", 2_000)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    rows = b"Stamboeknummer;Voornaam;Naam\r\n" + b"1001;Zoe;Celik\r\n" * 2_000
    for size, status in ((3_000, 422), (20_000, 413)):  # above the roster limit; above what the app accepts
        response = _upload(client, "big.csv", rows[:size])
        assert response.status_code == status, size
        html = response.get_data(as_text=True)
        assert "groter dan 0 MB" in html and 'id="roster-upload"' in html, size


def test_xlsx_upload_imports(app, client, login_as):
    login_as("director")
    data = make_xlsx(
        [
            ["Stamboeknummer", "Voornaam", "Naam", "Geboortedatum", "Klas"],
            ["3001", "Zoë", "Çelik", dt.datetime(2019, 3, 4), "K3"],
        ]
    )
    url, html, mapping = _import(client, "roster.xlsx", data)
    client.post(url, data=mapping)
    assert counts(app)["Pupil"] == 1


def test_row_errors_are_left_out_and_the_rest_imported(app, client, login_as):
    login_as("reception")
    url, html, mapping = _import(client, "wisa_with_errors.csv")
    assert "Leerlingnummer 2001 staat ook op regel 2." in html
    assert "ligt in de toekomst" in html
    client.post(url, data=mapping)
    assert counts(app)["Pupil"] == 1


def test_a_missing_required_column_blocks_the_import(app, client, login_as):
    login_as("reception")
    url, html, mapping = _import(client, "utf8_comma.csv")
    mapping["map-first_name"] = ""
    response = client.post(url, data=mapping)
    assert response.status_code == 422
    assert 'id="map-first_name-error"' in response.get_data(as_text=True)
    assert counts(app)["Pupil"] == 0


def test_the_mapping_preview_is_a_fragment_for_htmx(app, client, login_as):
    login_as("reception")
    url, html, mapping = _import(client, "utf8_comma.csv")
    response = client.get(url, query_string=mapping, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form method="post"') and "<html" not in body


def test_someone_elses_or_an_unknown_token_is_404(app, client, login_as, make_user):
    login_as("reception")
    url = _upload(client, "utf8_comma.csv").headers["Location"]
    other = app.test_client()
    login(other, app, make_user("admin"))
    assert other.get(url).status_code == 404
    assert client.get("/families/import/../../etc").status_code == 404
    assert client.get("/families/import/" + "x" * 30).status_code == 404


@pytest.mark.parametrize("role", ["teacher", "care"])
def test_who_may_not_import(app, client, login_as, role):
    login_as(role)
    assert client.get("/families/import").status_code == 404


def test_cli_import_and_dry_run(app, runner, tmp_path):
    path = FIXTURES / "utf8_bom_semicolon.csv"
    result = runner.invoke(args=["import-roster", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "4 nieuw" in result.output and "er is niets gewijzigd" in result.output
    assert counts(app)["Pupil"] == 0
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    assert counts(app)["Pupil"] == 4
    result = runner.invoke(args=["import-roster", str(path)])
    assert "0 nieuw, 0 bijgewerkt, 4 ongewijzigd" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    result = runner.invoke(args=["import-roster", str(bad)])
    assert result.exit_code == 1 and "leeg" in result.output


@pytest.mark.parametrize(("dry_run", "locked"), [(False, True), (True, False)])
def test_the_cli_import_takes_the_write_lock_up_front(app, runner, monkeypatch, dry_run, locked):
    """On SQLite the import begins IMMEDIATE, like a POST: it holds the write lock from its first read,
    so a concurrent writer waits for it instead of making it fail half-way. A dry run only reads."""
    import sqlite3

    from school.extensions import db
    from school.families import roster_import as service

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's write lock")
        path = db.engine.url.database
    seen = []
    original = service._pupils_by_key

    def probe(keys):
        # Another writer, right after the import's first read (the pupils the file names).
        found = original(keys)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(False)
        except sqlite3.OperationalError as error:
            seen.append("locked" in str(error))
        finally:
            other.close()
        return found

    monkeypatch.setattr(service, "_pupils_by_key", probe)
    args = ["import-roster", str(FIXTURES / "utf8_bom_semicolon.csv")] + (["--dry-run"] if dry_run else [])
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert seen == [locked]
    assert counts(app)["Pupil"] == (0 if dry_run else 4)


def _age_upload(app, token: str, hours: float) -> None:
    import os
    import time

    stamp = time.time() - hours * 3600
    for path in (Path(app.instance_path) / "roster-uploads").glob(f"{token}.*"):
        os.utime(path, (stamp, stamp))


def test_an_expired_upload_asks_to_upload_again_and_is_removed(app, client, login_as):
    login_as("reception")
    url = _upload(client, "utf8_comma.csv").headers["Location"]
    token = url.rsplit("/", 1)[1]
    assert client.get(url).status_code == 200
    _age_upload(app, token, 13)
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"] == "/families/import"
    page = client.get("/families/import").get_data(as_text=True)
    assert "Laad het opnieuw op" in page
    assert list((Path(app.instance_path) / "roster-uploads").glob(f"{token}.*")) == []
    assert client.get(url).status_code == 404  # gone, not imported
    # the preview as an htmx fragment: a whole-page navigation to the upload page
    url = _upload(client, "utf8_comma.csv").headers["Location"]
    _age_upload(app, url.rsplit("/", 1)[1], 13)
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/families/import"
    # importing an expired upload imports nothing
    url, _html, mapping = _import(client, "utf8_comma.csv")
    _age_upload(app, url.rsplit("/", 1)[1], 13)
    assert client.post(url, data=mapping).status_code == 302
    assert counts(app)["Pupil"] == 0


def test_purge_sweeps_old_uploads_and_keeps_recent_ones(app, client, login_as, runner):
    login_as("reception")
    old = _upload(client, "utf8_comma.csv").headers["Location"].rsplit("/", 1)[1]
    recent = _upload(client, "utf8_comma.csv").headers["Location"].rsplit("/", 1)[1]
    _age_upload(app, old, 13)
    folder = Path(app.instance_path) / "roster-uploads"
    result = runner.invoke(args=["purge", "--dry-run"])
    assert "1 uploaded roster file(s) would be removed" in result.output
    assert len(list(folder.glob(f"{old}.*"))) == 2
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "1 uploaded roster file(s) removed" in result.output
    assert list(folder.glob(f"{old}.*")) == []
    assert len(list(folder.glob(f"{recent}.*"))) == 2


def test_an_upload_larger_than_the_app_accepts_gets_the_roster_message_with_csrf_on(
    app, database_url, tmp_path, make_user
):
    """With CSRF checked (as in production) the size is refused before the view: the same message."""
    csrf_app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=10_000)
    make_user("reception", email="desk@school.test")
    client = csrf_app.test_client()

    def token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1]

    login = {"email": "desk@school.test", "password": TEST_PASSWORD, "csrf_token": token("/login")}
    assert client.post("/login", data=login).status_code == 302
    data = {"csrf_token": token("/families/import"), "file": (io.BytesIO(b"a;b\r\n" * 5_000), "big.csv")}
    response = client.post("/families/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "groter dan 5 MB" in html and 'id="roster-upload"' in html


# --- hostile cells ----------------------------------------------------------------------------

HOSTILE_PIECES = [
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\t", "\n", "\r\n", "\r",
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200b", "\ufeff", "\u00a0", "\u2028", "\u3000",
    "\ufffd", "\ufffe", "\uffff", "e\u0301", "Zoe\u0308", "n\u0303", "A\u030a", "\u212b", "\u2126",
    "\u1100\u1161",
    "مرحبا", "👨\u200d👩\u200d👧", "<b>x</b>", '"', ";", ",", "?", " ", "Ayşe", "Çelik",
]
hostile_cell = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=5).map("".join),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.builds(lambda s, n: (s * n)[:n], st.sampled_from(["x", "é", "e\u0301", "😀", "\u202e"]),
              st.sampled_from([99, 100, 101, 200, 10_000])),
)
_example = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(hostile_cell, hostile_cell, hostile_cell), min_size=1, max_size=4))
def test_hostile_cells_are_imported_as_nfc_text_or_shown_as_row_errors(app, client, login_as, rows):
    """NUL, control characters, decomposed accents, bidi overrides, very long names: every row is either
    imported exactly as its NFC text (stripped) or shown as a row error in the preview; never a 500."""
    import unicodedata

    from school.extensions import db
    from school.families.models import Pupil
    from school.forms import UNSTORABLE

    if not getattr(client, "_logged_in", False):
        login_as("reception")
        client._logged_in = True
    n = next(_example)
    keys = [f"K{n}-{i}" for i in range(len(rows))]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Stamboeknummer", "Voornaam", "Naam", "Klas", "Voornaam ouder 1"])
    for key, (first, last, caregiver) in zip(keys, rows, strict=True):
        writer.writerow([key, first, last, "1A", caregiver])
    data = out.getvalue().encode("utf-8")
    response = _upload(client, "hostile.csv", data)
    if response.status_code == 422:  # the whole file refused (a NUL makes it binary), with the message
        assert 'id="roster-file-error"' in response.get_data(as_text=True)
        return
    assert response.status_code == 302, response.status_code
    url = response.headers["Location"]
    preview = client.get(url)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    response = client.post(url, data={})
    assert response.status_code == 302, response.get_data(as_text=True)

    def expected(value: str) -> str:
        return unicodedata.normalize("NFC", value).strip()

    with app.app_context():
        for key, (first, last, caregiver) in zip(keys, rows, strict=True):
            pupil = db.session.scalar(select(Pupil).where(Pupil.external_key == key))
            if pupil is None:
                assert re.search(rf'<tr class="roster-error">\s*<td>\d+</td>\s*<td>{key}</td>', html), key
                continue
            assert (pupil.first_name, pupil.last_name) == (expected(first), expected(last))
            names = [c.first_name for h in pupil.households for c in h.caregivers]
            if expected(caregiver):
                assert expected(caregiver) in names
            for stored in [pupil.first_name, pupil.last_name, *names]:
                assert stored == unicodedata.normalize("NFC", stored) and len(stored) <= 100
                assert not UNSTORABLE.search(stored)
