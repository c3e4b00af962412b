"""Real school files in: Smartschool, Informat, Wisa and the hand-made sheet, every caregiver with
its relation, what the law keeps out, named profiles and the CLI. Files are generated here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from school.families import roster, roster_profiles
from school.families.models import Kinship
from tests.test_roster import counts, make_xlsx, selected_mapping

TODAY = dt.date(2026, 11, 21)

# Values that must never reach the database, whatever the mapping.
NATIONAL_NUMBERS = ["15.03.04-123.78", "14071512367", "16.11.30-045.51"]
SECRETS = [
    "Orthodoxe godsdienst",
    "Oekraiense nationaliteit",
    "Tigrinya thuis",
    "Bachelor moeder-opl",
    "Toelage 812 EUR",
]


def valid_national_number(yymmdd: str, serial: int) -> str:
    base = int(f"2{yymmdd}{serial:03d}")  # born in 2000 or later
    return f"{yymmdd}{serial:03d}{97 - base % 97:02d}"


def to_csv(rows: list[list[str]], delimiter: str = ";") -> str:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


# --- a Smartschool user export of 30 pupils ----------------------------------------------------

SS_HEAD = [
    "voornaam",
    "naam",
    "gebruikersnaam",
    "internnummer",
    "stamboeknummer",
    "geboortedatum",
    "rijksregisternummer",
    "nationaliteit",
    "Godsdienstkeuze",
    "emailadres",
    "mobielnummer",
    "klasnummer",
    "Klas",
    "last_successful_login",
    "schoolverlater",
]
for _n in range(1, 7):
    SS_HEAD += [
        f"voornaam_coaccount{_n}",
        f"naam_coaccount{_n}",
        f"type_coaccount{_n}",
        f"email_coaccount{_n}",
        f"mobielnummer_coaccount{_n}",
        f"telefoonnummer_coaccount{_n}",
    ]
SS_HEAD += ["last_successful_login_coaccount1", "last_successful_login_coaccount2"]

# key → (first, last, class, co-accounts (first, last, type, email, mobile, landline)); stored kinships
SPECIAL_FAMILIES = {
    # a blended family: both parents, both new partners, a speech therapist, an unused slot
    "5001": (
        "Lotte",
        "Peeters",
        "3A",
        [
            ("Sarah", "Janssens", "Moeder", "sarah.j@example.be", "0470 10 00 01", "03 123 45 67"),
            ("Tom", "Wouters", "Plusvader", "tom.w@example.be", "0470 10 00 02", "03 123 45 67"),
            ("Koen", "Peeters", "Vader", "koen.p@example.be", "0470 10 00 03", ""),
            ("Eva", "Maes", "Plusmoeder", "", "0470 10 00 04", ""),
            ("Els", "Claes", "Logopedist", "els@praktijk.example", "0470 99 99 01", ""),
            ("", "", "Maak uw keuze", "", "", ""),
        ],
    ),
    # co-parenting mothers, an ION support worker, empty slots typed 0
    "5002": (
        "Noah",
        "Dubois",
        "1B",
        [
            ("Julie", "Dubois", "Moeder", "julie@example.be", "0471 20 00 01", ""),
            ("Sofie", "Lenaerts", "Meemoeder", "sofie@example.be", "0471 20 00 02", ""),
            ("Jan", "Begeleid", "ION-begeleider", "ion@school.example", "", ""),
            ("", "", "0", "", "", ""),
            ("", "", "0", "", "", ""),
            ("", "", "", "", "", ""),
        ],
    ),
    # foster parents and a grandmother; a stepfather
    "5003": (
        "Amira",
        "El Amrani",
        "K2",
        [
            ("Greet", "Vos", "Pleegmoeder", "greet.vos@example.be", "0472 30 00 01", ""),
            ("Luc", "Vos", "Pleegvader", "", "0472 30 00 02", ""),
            ("Fatima", "El Amrani", "Grootmoeder", "", "0472 30 00 03", ""),
            ("Marc", "Stevens", "Stiefvader", "", "0472 30 00 04", ""),
            ("", "", "Maak uw keuze", "", "", ""),
            ("", "", "Maak uw keuze", "", "", ""),
        ],
    ),
    # a guardian and an adult sister; the pupil's own number is NULL in stamboeknummer
    "5004": (
        "Yusuf",
        "Kaya",
        "4A",
        [
            ("Ahmet", "Demir", "Voogd", "ahmet@example.be", "0473 40 00 01", ""),
            ("Elif", "Kaya", "Zus", "", "0473 40 00 02", ""),
            ("Ann", "Smet", "Begeleider", "", "", ""),
            ("", "", "0", "", "", ""),
            ("", "", "0", "", "", ""),
            ("", "", "0", "", "", ""),
        ],
    ),
}
KINSHIP_OF = {
    "Moeder": Kinship.MOTHER,
    "Vader": Kinship.FATHER,
    "Plusvader": Kinship.STEP_PARENT,
    "Plusmoeder": Kinship.STEP_PARENT,
    "Stiefvader": Kinship.STEP_PARENT,
    "Meemoeder": Kinship.CO_PARENT,
    "Pleegmoeder": Kinship.FOSTER_PARENT,
    "Pleegvader": Kinship.FOSTER_PARENT,
    "Grootmoeder": Kinship.GRANDPARENT,
    "Voogd": Kinship.GUARDIAN,
    "Zus": Kinship.OTHER,
}
STAFF = {"Els Claes", "Jan Begeleid", "Ann Smet"}


def smartschool_families() -> dict[str, tuple]:
    families = dict(SPECIAL_FAMILIES)
    for i in range(26):  # the rest: mother and father; pupils 6000 and 6001 are siblings
        key = str(6000 + i)
        f = i // 2 if i < 2 else i  # the family
        surname = f"Achternaam{f}"
        slots = [
            (f"Moeder{f}", surname, "Moeder", f"m{f}@example.be", f"0480 {f:02d} 00 01", ""),
            (f"Vader{f}", surname, "Vader", "", f"0480 {f:02d} 00 02", ""),
            *[("", "", "Maak uw keuze", "", "", "")] * 4,
        ]
        families[key] = (f"Kind{i}", surname, ["1A", "1B", "2A", "K3"][i % 4], slots)
    return families


def smartschool_rows(families: dict[str, tuple]) -> list[list[str]]:
    rows = [SS_HEAD]
    for n, (key, (first, last, klass, slots)) in enumerate(families.items()):
        born = dt.date(2016, 1, 1) + dt.timedelta(days=97 * n)
        national = valid_national_number(born.strftime("%y%m%d"), n + 1)
        row = [
            first,
            last,
            f"{first.lower()}.{n}",
            key,
            "NULL" if key == "5004" else f"S{key}",
            born.isoformat(),
            national,
            "Oekraiense nationaliteit",
            "Orthodoxe godsdienst",
            f"{first.lower()}@leerling.example",
            f"0499 00 00 {n:02d}",
            str(n % 20 + 1),
            klass,
            "2026-11-01 08:00:00",
            "0",
        ]
        for slot in slots:
            row += list(slot)
        row += ["2026-11-02 19:00:00", ""]
        rows.append(row)
    return rows


def smartschool_csv() -> bytes:
    return to_csv(smartschool_rows(smartschool_families())).encode("utf-8")


# --- helpers ---------------------------------------------------------------------------------------


def upload(client, name: str, data: bytes):
    response = client.post(
        "/families/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    return url, html, selected_mapping(html)


def import_file(client, name: str, data: bytes, change=None) -> str:
    url, html, mapping = upload(client, name, data)
    if change:
        mapping.update(change)
    response = client.post(url, data=mapping)
    assert response.status_code == 302, response.get_data(as_text=True)
    return html


def caregivers_of(app) -> dict[str, set[tuple[str, Kinship]]]:
    """Pupil number (or first name) → the caregivers of its households, by name and kinship."""
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        return {
            (p.external_key or p.first_name): {
                (c.full_name, c.kinship) for h in p.households for c in h.caregivers
            }
            for p in db.session.scalars(select(Pupil))
        }


def versions(app) -> dict[int, int]:
    from school.extensions import db
    from school.families.models import Household

    with app.app_context():
        return {h.id: h.version for h in db.session.scalars(select(Household))}


def assert_never_stored(app, values: list[str], present: str) -> None:
    """No value in the database: the SQLite file (and its WAL) byte by byte, or every row of every
    PostgreSQL table as text. `present` is a value that was stored: the scan does find what is there."""
    from school.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.session.remove()
            db.engine.dispose()
            path = Path(db.engine.url.database)
            blob = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
            assert present.encode() in blob
            for value in values:
                for encoded in {value.encode(), value.replace(".", "").replace("-", "").encode()}:
                    assert encoded not in blob, value
            return
        tables = [t.name for t in db.metadata.sorted_tables]
        dump = "\n".join(
            row[0] for t in tables for row in db.session.execute(text(f'SELECT CAST(t AS text) FROM "{t}" t'))
        )
        assert present in dump
        for value in values:
            assert value not in dump and value.replace(".", "").replace("-", "") not in dump, value


# --- recognition and the proposed mapping ----------------------------------------------------------


def test_a_smartschool_export_is_recognised_and_every_column_proposed():
    table = roster.read_roster(smartschool_csv(), "export.csv")
    assert roster_profiles.recognise(table.headers) is roster_profiles.SMARTSCHOOL
    mapping = roster.guess_mapping(table.headers)
    assert (
        mapping["external_key"],
        mapping["first_name"],
        mapping["last_name"],
        mapping["birth_date"],
        mapping["class_name"],
        mapping["leaver"],
    ) == ("internnummer", "voornaam", "naam", "geboortedatum", "Klas", "schoolverlater")
    for n in range(1, 7):
        assert mapping[f"caregiver{n}_first_name"] == f"voornaam_coaccount{n}"
        assert mapping[f"caregiver{n}_last_name"] == f"naam_coaccount{n}"
        assert mapping[f"caregiver{n}_relation"] == f"type_coaccount{n}"
        assert mapping[f"caregiver{n}_email"] == f"email_coaccount{n}"
        assert mapping[f"caregiver{n}_mobile"] == f"mobielnummer_coaccount{n}"
        assert mapping[f"caregiver{n}_phone"] == f"telefoonnummer_coaccount{n}"
    # the pupil's own e-mail, mobile and login, the number within the class: never a parent's
    used = set(mapping.values())
    assert not used & {"emailadres", "mobielnummer", "last_successful_login", "klasnummer", "stamboeknummer"}
    left_out = dict(roster_profiles.left_out_columns(table.headers))
    assert set(left_out) == {"rijksregisternummer", "nationaliteit", "Godsdienstkeuze"}
    assert not used & set(left_out)


def informat_rows() -> list[list[str]]:
    head = [
        "Stamnummer",
        "Naam",
        "Voornaam",
        "Geboortedatum",
        "Klas",
        "Rijksregisternummer",
        "Nationaliteit",
        "Thuistaal",
        "Opleidingsniveau moeder",
        "Schooltoelage",
        "Levensbeschouwing",
        "Naam LPV1",
        "Voornaam LPV1",
        "Relatie LPV1",
        "GSM LPV1",
        "E-mail LPV1",
        "Naam LPV2",
        "Voornaam LPV2",
        "Relatie LPV2",
        "GSM LPV2",
        "E-mail LPV2",
    ]
    secret = [
        "Oekraiense nationaliteit",
        "Tigrinya thuis",
        "Bachelor moeder-opl",
        "Toelage 812 EUR",
        "Orthodoxe godsdienst",
    ]
    return [
        head,
        [
            "7001",
            "Wouters",
            "Mila",
            "12/05/2019",
            "2B",
            NATIONAL_NUMBERS[0],
            *secret,
            "Wouters",
            "Bart",
            "Vader",
            "0474 11 22 33",
            "bart@example.be",
            "Hermans",
            "Ilse",
            "Plusmoeder",
            "0474 11 22 34",
            "",
        ],
        [
            "7002",
            "Aerts",
            "Finn",
            "03/02/2020",
            "1A",
            NATIONAL_NUMBERS[1],
            *secret,
            "Aerts",
            "Nele",
            "Moeder",
            "0474 55 66 77",
            "nele@example.be",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_an_informat_list_is_recognised_with_two_parents_and_their_relation():
    table = roster.read_roster(to_csv(informat_rows()).encode("utf-8"), "informat.csv")
    assert roster_profiles.recognise(table.headers) is roster_profiles.INFORMAT
    mapping = roster.guess_mapping(table.headers)
    assert mapping["external_key"] == "Stamnummer" and mapping["class_name"] == "Klas"
    assert (
        mapping["caregiver2_first_name"],
        mapping["caregiver2_relation"],
        mapping["caregiver2_mobile"],
    ) == ("Voornaam LPV2", "Relatie LPV2", "GSM LPV2")
    assert set(dict(roster_profiles.left_out_columns(table.headers))) == {
        "Rijksregisternummer",
        "Nationaliteit",
        "Thuistaal",
        "Opleidingsniveau moeder",
        "Schooltoelage",
        "Levensbeschouwing",
    }
    rows = roster.rows_from_table(table, mapping, TODAY)
    assert [(c.first_name, c.last_name, c.kinship) for c in rows[0].caregivers] == [
        ("Bart", "Wouters", Kinship.FATHER),
        ("Ilse", "Hermans", Kinship.STEP_PARENT),
    ]
    assert [(c.first_name, c.kinship) for c in rows[1].caregivers] == [("Nele", Kinship.MOTHER)]


def test_a_wisa_query_with_usual_dutch_names_and_mother_father_columns():
    headers = [
        "Stamboeknummer",
        "Familienaam",
        "Voornaam",
        "Geboortedatum",
        "Klasgroep",
        "Naam moeder",
        "Voornaam moeder",
        "GSM moeder",
        "Naam vader",
        "Voornaam vader",
        "GSM vader",
    ]
    table = roster.read_roster(
        to_csv(
            [
                headers,
                [
                    "8001",
                    "Claes",
                    "Rune",
                    "01/01/2019",
                    "3B",
                    "Claes",
                    "Ine",
                    "0475 00 00 01",
                    "Maes",
                    "Dirk",
                    "0475 00 00 02",
                ],
            ]
        ).encode(),
        "wisa.csv",
    )
    assert roster_profiles.recognise(table.headers) is roster_profiles.WISA
    mapping = roster.guess_mapping(table.headers)
    assert (mapping["caregiver1_first_name"], mapping["caregiver2_mobile"]) == (
        "Voornaam moeder",
        "GSM vader",
    )
    (row,) = roster.rows_from_table(table, mapping, TODAY)
    assert [(c.first_name, c.kinship) for c in row.caregivers] == [
        ("Ine", Kinship.MOTHER),
        ("Dirk", Kinship.FATHER),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "kinship"),
    [
        ("Moeder", "caregiver", Kinship.MOTHER),
        ("vader", "caregiver", Kinship.FATHER),
        ("Pleegmoeder", "caregiver", Kinship.FOSTER_PARENT),
        ("Plusvader", "caregiver", Kinship.STEP_PARENT),
        ("Stiefmoeder", "caregiver", Kinship.STEP_PARENT),
        ("Meemoeder", "caregiver", Kinship.CO_PARENT),
        ("Meevader", "caregiver", Kinship.CO_PARENT),
        ("Grootvader", "caregiver", Kinship.GRANDPARENT),
        ("Voogd", "caregiver", Kinship.GUARDIAN),
        ("Broer", "caregiver", Kinship.OTHER),
        ("Zus", "caregiver", Kinship.OTHER),
        ("Maak uw keuze", "unused", None),
        ("0", "unused", None),
        ("", "unused", None),
        ("Logopedist", "staff", None),
        ("ION-begeleider", "staff", None),
        ("Begeleider", "staff", None),
        ("Externe begeleider", "staff", None),
        ("Interimaris", "staff", None),
    ],
)
def test_relations_become_the_apps_kinship_types(text, kind, kinship):
    relation = roster_profiles.classify_relation(text)
    assert (relation.kind, relation.kinship) == (kind, kinship)


def test_an_unknown_relation_is_kept_as_other_with_a_warning():
    table = roster.read_roster(
        b"Stamnummer;Naam;Voornaam;Voornaam LPV1;Relatie LPV1\r\n1;A;B;C;Buurvrouw\r\n", "x.csv"
    )
    (row,) = roster.rows_from_table(table, roster.guess_mapping(table.headers), TODAY)
    assert row.caregivers[0].kinship is Kinship.OTHER
    assert [w.code for w in row.warnings] == ["unknown_relation"]


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("15.03.04-123.78", False),
        (valid_national_number("150304", 123), True),
        (valid_national_number("850730", 33)[:6] + "-" + valid_national_number("850730", 33)[6:], True),
        ("1001", False),
        ("12345678901", False),
    ],
)
def test_a_key_that_looks_like_a_national_register_number_is_refused(value, refused):
    table = roster.read_roster(f"Stamboeknummer;Voornaam;Naam\r\n{value};Zoë;Çelik\r\n".encode(), "x.csv")
    (row,) = roster.rows_from_table(table, roster.guess_mapping(table.headers), TODAY)
    assert ("national_number" in [p.code for p in row.errors]) is refused
    if refused:
        assert row.external_key == ""  # never shown again


def test_a_left_out_column_cannot_be_chosen_for_any_field():
    headers = ["Rijksregisternummer", "Voornaam", "Naam", "INSZ ouder"]
    problems = roster.mapping_problems(
        {
            "external_key": "Rijksregisternummer",
            "first_name": "Voornaam",
            "last_name": "Naam",
            "caregiver1_phone": "INSZ ouder",
        },
        headers,
    )
    assert set(problems) == {"external_key", "caregiver1_phone"}
    table = roster.read_roster(b"Rijksregisternummer;Voornaam;Naam\r\n16113004551;Zoe;Celik\r\n", "x.csv")
    (row,) = roster.rows_from_table(
        table, {"external_key": "Rijksregisternummer", "first_name": "Voornaam", "last_name": "Naam"}, TODAY
    )
    assert row.external_key == "" and [p.code for p in row.errors] == []  # never even read: no key column


# --- the database side --------------------------------------------------------------------------


def test_smartschool_import_every_caregiver_with_the_right_relation(app, client, login_as):
    from school.extensions import db
    from school.families.models import Caregiver, Pupil

    login_as("admin")
    url, html, mapping = upload(client, "export.csv", smartschool_csv())
    assert "Smartschool" in html and 'id="roster-left-out"' in html
    assert "rijksregisternummer" in html.split('id="roster-left-out"')[1].split("</div>")[0]
    # the left-out columns are not even offered in a select
    assert not re.search(r'<option value="(rijksregisternummer|nationaliteit|Godsdienstkeuze)"', html)
    assert "niet als ouder bewaard: Els Claes (Logopedist)" in html
    response = client.post(url, data=mapping)
    assert response.status_code == 302
    assert counts(app)["Pupil"] == 30
    found = caregivers_of(app)
    for key, (_first, _last, _class, slots) in SPECIAL_FAMILIES.items():
        expected = {(f"{f} {n}", KINSHIP_OF[t]) for f, n, t, *_rest in slots if f and t in KINSHIP_OF}
        assert found[key] == expected, key
    assert found["6000"] == found["6001"]  # siblings with the same parents: one household
    with app.app_context():
        names = {c.full_name for c in db.session.scalars(select(Caregiver))}
        assert not names & STAFF  # professionals are never caregivers
        emails = set(db.session.scalars(select(Caregiver.email)))
        assert not any(e and e.endswith("@leerling.example") for e in emails)  # the pupil's own
        yusuf = db.session.scalar(select(Pupil).where(Pupil.external_key == "5004"))
        assert yusuf.school_class.name == "4A" and yusuf.birth_date is not None
    assert_never_stored(
        app,
        [
            valid_national_number((dt.date(2016, 1, 1) + dt.timedelta(days=97 * n)).strftime("%y%m%d"), n + 1)
            for n in range(30)
        ]
        + SECRETS,
        present="Sarah",
    )


def test_a_reimport_with_another_mapping_changes_nothing(app, client, login_as):
    login_as("admin")
    import_file(client, "export.csv", smartschool_csv())
    before, households, people = counts(app), versions(app), caregivers_of(app)
    # another mapping: co-account first and last names swapped, the landline where the mobile was
    change = {}
    for n in range(1, 7):
        change[f"map-caregiver{n}_first_name"] = f"naam_coaccount{n}"
        change[f"map-caregiver{n}_last_name"] = f"voornaam_coaccount{n}"
        change[f"map-caregiver{n}_mobile"] = f"telefoonnummer_coaccount{n}"
        change[f"map-caregiver{n}_phone"] = f"mobielnummer_coaccount{n}"
    url, html, mapping = upload(client, "export.csv", smartschool_csv())
    mapping.update(change)
    preview = client.get(url, query_string=mapping).get_data(as_text=True)
    assert re.search(r"<strong>30</strong>\s*ongewijzigd", preview), preview[:3000]
    client.post(url, data=mapping)
    assert counts(app) == before and versions(app) == households and caregivers_of(app) == people


def handmade_rows() -> list[list[str]]:
    return [
        [
            "Naam",
            "Voornaam",
            "Klas",
            "Geboortedatum",
            "Voornaam ouder",
            "Naam ouder",
            "Relatie",
            "GSM",
            "E-mail",
        ],
        [
            "Öztürk",
            "Zeynep",
            "2A",
            "14/02/2019",
            "Ayşe",
            "Öztürk",
            "moeder",
            "0476 12 34 56",
            "ayse@example.be",
        ],
        ["Öztürk", "Zeynep", "2A", "14/02/2019", "Mehmet", "Öztürk", "vader", "0476 65 43 21", ""],
        ["Öztürk", "Zeynep", "2A", "14/02/2019", "Nur", "Yilmaz", "pleegmoeder", "", "nur@example.be"],
        ["Lambert", "Chloé", "K1", "", "Sophie", "Lambert", "Mama", "0477 00 11 22", ""],
        ["Lambert", "Chloé", "K1", "", "Karim", "Benali", "plusvader", "0477 00 11 23", ""],
        ["Lambert", "Chloé", "K1", "", "Marie", "Dupont", "Logopedist", "", ""],
    ]


@pytest.mark.parametrize("form", ["cp1252", "utf-8-sig", "xlsx"])
def test_the_hand_made_sheet_one_row_per_parent(app, client, login_as, form):
    login_as("reception")
    rows = handmade_rows()
    if form == "xlsx":
        data, name = make_xlsx(rows), "leerlingen.xlsx"
    else:
        text = to_csv(rows)
        if form == "cp1252":
            text = text.replace("ş", "s")  # Windows-1252 has no ş: the secretariat typed an s
        data, name = text.encode(form), "leerlingen.csv"
    table = roster.read_roster(data, name)
    assert roster_profiles.recognise(table.headers) is roster_profiles.HANDMADE
    url, html, mapping = upload(client, name, data)
    assert mapping["map-external_key"] == "" and mapping["map-caregiver1_relation"] == "Relatie"
    assert re.search(r"<strong>2</strong>\s*nieuwe leerlingen", html)
    client.post(url, data=mapping)
    ayse = "Ayşe Öztürk" if form != "cp1252" else "Ayse Öztürk"
    assert caregivers_of(app) == {
        "Zeynep": {
            (ayse, Kinship.MOTHER),
            ("Mehmet Öztürk", Kinship.FATHER),
            ("Nur Yilmaz", Kinship.FOSTER_PARENT),
        },
        "Chloé": {("Sophie Lambert", Kinship.MOTHER), ("Karim Benali", Kinship.STEP_PARENT)},
    }
    before, households = counts(app), versions(app)
    url, html, mapping = upload(client, name, data)  # again: the pupils are matched on their names
    assert re.search(r"<strong>2</strong>\s*ongewijzigd", html)
    client.post(url, data=mapping)
    assert counts(app) == before and versions(app) == households


def test_then_smartschool_gives_the_sheets_pupils_their_number(app, client, login_as):
    login_as("admin")
    import_file(client, "leerlingen.csv", to_csv(handmade_rows()).encode("utf-8"))
    data = to_csv(
        [
            [
                "internnummer",
                "voornaam",
                "naam",
                "geboortedatum",
                "Klas",
                "voornaam_coaccount1",
                "naam_coaccount1",
                "type_coaccount1",
                "mobielnummer_coaccount1",
            ],
            ["9001", "Zeynep", "Öztürk", "2019-02-14", "2A", "Ayşe", "Öztürk", "Moeder", "+32 476 12 34 56"],
        ]
    ).encode()
    html = import_file(client, "export.csv", data)
    assert "leerlingnummer toegevoegd" in html
    assert counts(app)["Pupil"] == 2 and counts(app)["Caregiver"] == 5
    assert "9001" in caregivers_of(app)


def test_the_national_register_number_as_key_is_refused_and_never_stored(app, client, login_as):
    login_as("admin")
    number, other = valid_national_number("160101", 7), valid_national_number("170202", 9)
    data = to_csv(
        [
            ["Stamboeknummer", "Voornaam", "Naam", "Rijksregisternummer"],
            [number, "Zoë", "Çelik", number],
            ["1002", "Emre", "Çelik", other],
        ]
    ).encode()
    url, html, mapping = upload(client, "x.csv", data)
    assert "lijkt op een rijksregisternummer" in html and number not in html
    # choosing a left-out column by hand (a forged form) is refused with a message
    forged = client.post(url, data=mapping | {"map-external_key": "Rijksregisternummer"})
    assert forged.status_code == 422 and 'id="map-external_key-error"' in forged.get_data(as_text=True)
    assert counts(app)["Pupil"] == 0
    client.post(url, data=mapping)
    assert counts(app)["Pupil"] == 1
    assert_never_stored(app, [number, other], present="Emre")


def test_a_mapping_saved_as_a_named_profile(app, client, login_as):
    from school.extensions import db
    from school.settings import Setting

    login_as("admin")
    data = to_csv(
        [
            ["Nr", "Kind", "Familie", "Groep", "Mama", "Tel mama"],
            ["1", "Zoë", "Çelik", "1A", "Ayşe", "0470 12 34 56"],
        ]
    ).encode()
    url, html, mapping = upload(client, "eigen.csv", data)
    mine = mapping | {
        "map-external_key": "Nr",
        "map-first_name": "Kind",
        "map-last_name": "Familie",
        "map-class_name": "Groep",
        "map-caregiver1_first_name": "Mama",
        "map-caregiver1_mobile": "Tel mama",
    }
    bad = client.post(url, data=mine | {"action": "save-profile", "profile_name": " "})
    assert bad.status_code == 422 and 'id="profile-name-error"' in bad.get_data(as_text=True)
    saved = client.post(url, data=mine | {"action": "save-profile", "profile_name": "Onze lijst"})
    assert saved.status_code == 302 and "profile=Onze" in saved.headers["Location"]
    with app.app_context():
        assert db.session.get(Setting, "roster_profiles").value["Onze lijst"]["external_key"] == "Nr"
    # the next file: the profile chosen by name proposes every column
    url, html, mapping = upload(client, "eigen.csv", data)
    assert mapping["map-external_key"] == ""  # not recognised by itself
    html = client.get(url, query_string={"profile": "Onze lijst"}).get_data(as_text=True)
    chosen = selected_mapping(html)
    assert chosen["map-external_key"] == "Nr" and chosen["map-caregiver1_mobile"] == "Tel mama"
    client.post(url, data=chosen | {"profile": "Onze lijst"})
    assert caregivers_of(app) == {"1": {("Ayşe", Kinship.MOTHER)}}  # the column says "Mama"


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_dry_run_prints_the_preview_and_stores_nothing(app, runner, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(smartschool_csv())
    result = runner.invoke(args=["import-roster", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Profiel: Smartschool" in result.output
    assert "Weggelaten: rijksregisternummer" in result.output
    assert "Sarah Janssens (moeder)" in result.output and "Tom Wouters (plus- of stiefouder)" in result.output
    assert "niet als ouder bewaard: Els Claes (Logopedist)" in result.output
    assert "30 nieuw" in result.output and "er is niets gewijzigd" in result.output
    assert counts(app)["Pupil"] == 0
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0 and counts(app)["Pupil"] == 30
    result = runner.invoke(args=["import-roster", str(path), "--dry-run"])
    assert "0 nieuw, 0 bijgewerkt, 30 ongewijzigd" in result.output


def test_cli_uses_the_recognised_or_the_named_profile_never_a_left_mapping(
    app, runner, tmp_path, client, login_as
):
    login_as("admin")
    data = to_csv([["Nr", "Voornaam", "Naam", "Groep"], ["1", "Zoë", "Çelik", "1A"]]).encode()
    url, _html, mapping = upload(client, "eigen.csv", data)
    client.post(
        url, data=mapping | {"map-external_key": "Nr", "action": "save-profile", "profile_name": "nr"}
    )
    path = tmp_path / "eigen.csv"
    path.write_bytes(data)
    result = runner.invoke(args=["import-roster", str(path), "--dry-run"])
    assert "Profiel: Wisa" in result.output and "Geen leerlingnummer" not in result.output  # matched on names
    result = runner.invoke(args=["import-roster", str(path), "--profile", "nr"])
    assert result.exit_code == 0 and "Profiel: nr" in result.output
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Pupil).where(Pupil.external_key == "1")) == 1
        )
    result = runner.invoke(args=["import-roster", str(path), "--profile", "onbekend"])
    assert result.exit_code == 1 and "onbekend" in result.output and "smartschool" in result.output


def test_a_smartschool_leaver_is_listed_and_not_imported(app, client, login_as):
    login_as("admin")
    rows = smartschool_rows(smartschool_families())
    leaver = rows[0].index("schoolverlater")
    rows[1][leaver] = "1"  # Lotte left
    url, html, mapping = upload(client, "export.csv", to_csv(rows).encode())
    assert re.search(r"<strong>1</strong>\s*schoolverlaters \(niet geïmporteerd\)", html)
    assert re.search(r"<strong>29</strong>\s*nieuwe leerlingen", html)
    client.post(url, data=mapping)
    assert counts(app)["Pupil"] == 29 and "5001" not in caregivers_of(app)


def test_cancelling_removes_the_uploaded_file_at_once(app, client, login_as):
    login_as("reception")
    url, _html, mapping = upload(client, "export.csv", smartschool_csv())
    token = url.rsplit("/", 1)[1]
    folder = Path(app.instance_path) / "roster-uploads"
    assert len(list(folder.glob(f"{token}.*"))) == 2
    response = client.post(url, data=mapping | {"action": "cancel"})
    assert response.status_code == 302 and response.headers["Location"] == "/families/"
    assert list(folder.glob(f"{token}.*")) == [] and counts(app)["Pupil"] == 0
    assert client.get(url).status_code == 404


def test_the_preview_is_valid_html(app, client, login_as):
    from tests.quality import assert_valid_html

    login_as("admin")
    rows = smartschool_rows(smartschool_families())
    rows[2][rows[0].index("internnummer")] = valid_national_number("160101", 7)  # a row error
    url, html, _mapping = upload(client, "export.csv", to_csv(rows).encode())
    fragment = client.get(url, query_string=_mapping, headers={"HX-Request": "true"}).get_data(as_text=True)
    page = f"<!doctype html><html lang=nl><title>x</title>{fragment}</html>"
    assert_valid_html({"preview": html, "fragment": page})


def test_informat_import_keeps_both_parents_and_nothing_of_the_left_out_columns(app, client, login_as):
    login_as("admin")
    data = to_csv(informat_rows()).encode("utf-8-sig")
    html = import_file(client, "leerlingen_informat.csv", data)
    assert "Informat" in html and html.count("wordt nooit bewaard") >= 6
    assert caregivers_of(app) == {
        "7001": {("Bart Wouters", Kinship.FATHER), ("Ilse Hermans", Kinship.STEP_PARENT)},
        "7002": {("Nele Aerts", Kinship.MOTHER)},
    }
    assert_never_stored(app, NATIONAL_NUMBERS[:2] + SECRETS, present="Ilse")
