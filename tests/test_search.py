"""Finding a family: accent- and case-insensitive, by phone, by class, within the user's reach."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from school.families.search import fold, phone_key, query_terms
from school.schoolyear import span_for, today
from tests.factories.app import login
from tests.factories.rows import enrolled


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zoë", "zoe"),
        ("ÇELIK", "celik"),
        ("  Łukasz   Øster ", "lukasz oster"),
        ("Straße", "strasse"),
        ("İlayda", "ilayda"),
        ("Nguyễn Thị", "nguyen thi"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    "typed",
    ["+32 470 12 34 56", "0470 12 34 56", "0470/12.34.56", "0032470123456", "32470123456", "(0470) 12-34-56"],
)
def test_phone_key_ignores_prefix_and_spacing(typed):
    assert phone_key(typed) == "470123456"


def test_phone_key_keeps_a_foreign_country_code():
    assert phone_key("+31 6 1234 5678") == "31612345678"
    assert phone_key("0031 6 1234 5678") == "31612345678"
    assert phone_key("") == ""


def test_query_terms():
    assert query_terms("Zoë Çelik") == ["zoe", "celik"]
    assert query_terms("0470 12 34") == ["4701234"]
    assert query_terms("+32 470") == ["470"]
    assert query_terms("1A") == ["1a"]
    assert query_terms("   ") == []
    assert query_terms("12") == ["12"]  # too short to be a phone number: text


@pytest.fixture
def families(app, make_user):
    """Three households: Çelik (Zoë, 1A), Janssens (Lena, 2B), Peeters (no children yet)."""
    from school.extensions import db
    from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear

    with app.app_context():
        span = span_for(today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        one_a = SchoolClass(school_year=year, name="1A", level=Level.LAGER, sort_order=1)
        two_b = SchoolClass(school_year=year, name="2B", level=Level.LAGER, sort_order=2)
        celik = Household(
            display_name="Çelik",
            caregivers=[
                Caregiver(
                    first_name="Ayşe",
                    last_name="Çelik",
                    kinship=Kinship.MOTHER,
                    phone="+32 470 12 34 56",
                    email="ayse@example.be",
                ),
            ],
            pupils=[Pupil(first_name="Zoë", last_name="Çelik", enrolments=enrolled(one_a))],
        )
        janssens = Household(
            display_name="Janssens",
            caregivers=[
                Caregiver(
                    first_name="Tom", last_name="Janssens", kinship=Kinship.FATHER, phone="0486 99 88 77"
                ),
            ],
            pupils=[Pupil(first_name="Lena", last_name="Janssens", enrolments=enrolled(two_b))],
        )
        peeters = Household(
            display_name="Peeters",
            caregivers=[
                Caregiver(first_name="Zoe", last_name="Peeters", kinship=Kinship.GRANDPARENT),
            ],
        )
        db.session.add_all([year, one_a, two_b, celik, janssens, peeters])
        db.session.commit()
        ids = {
            "celik": celik.id,
            "janssens": janssens.id,
            "peeters": peeters.id,
            "1a": one_a.id,
            "2b": two_b.id,
        }
    ids["teacher_2b"] = make_user("teacher", classes=(ids["2b"],))
    return ids


def found(client, q: str, path: str = "/families/search") -> list[str]:
    html = client.get(path, query_string={"q": q}).get_data(as_text=True)
    import re

    return sorted(re.findall(r'id="family-option-(\d+)"', html))


def test_accents_and_case_do_not_matter(app, client, login_as, families):
    login_as("reception")
    celik, peeters = str(families["celik"]), str(families["peeters"])
    assert found(client, "zoe") == sorted([celik, peeters])  # Zoë Çelik (child) and Zoe Peeters (grandparent)
    assert found(client, "ZOË") == sorted([celik, peeters])
    assert found(client, "celik") == [celik]
    assert found(client, "Çelik") == [celik]
    assert found(client, "zoe cel") == [celik]
    assert found(client, "ayse") == [celik]


def test_by_phone_whatever_way_it_is_typed(app, client, login_as, families):
    login_as("reception")
    celik, janssens = str(families["celik"]), str(families["janssens"])
    for typed in ("0470 12 34 56", "+32470123456", "470 123", "0032 470"):
        assert found(client, typed) == [celik], typed
    assert found(client, "0486/99.88") == [janssens]


def test_by_class_and_by_email(app, client, login_as, families):
    login_as("reception")
    assert found(client, "2b") == [str(families["janssens"])]
    assert found(client, "ayse@example") == [str(families["celik"])]


def test_the_list_page_searches_the_same_way(app, client, login_as, families):
    login_as("reception")
    assert found(client, "ZOE", path="/families/") == sorted(
        [str(families["celik"]), str(families["peeters"])]
    )
    html = client.get("/families/").get_data(as_text=True)
    assert 'href="/families/intake"' in html and "Nieuwe inschrijving" in html
    assert 'href="/families/import"' in html


def test_search_is_a_fragment_for_htmx_and_a_page_otherwise(app, htmx, make_user, families):
    login(htmx, app, make_user("reception"))
    fragment = htmx.get("/families/search", query_string={"q": "zoe"})
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="search-results">') and "<html" not in body
    assert "Zoë Çelik · 1A" in body
    assert "HX-Request" in fragment.headers["Vary"]
    page = app.test_client()
    login(page, app, make_user("reception"))
    full = page.get("/families/search", query_string={"q": "zoe"}).get_data(as_text=True)
    assert "<html" in full and 'id="find-q"' in full and "Zoë Çelik · 1A" in full


def test_teachers_find_only_families_in_their_reach(app, client, login_as, families):
    user_id = login_as("teacher")
    assert found(client, "celik") == []
    assert client.get("/families/intake").status_code == 404
    from school.extensions import db

    client2 = app.test_client()
    login(client2, app, families["teacher_2b"])
    assert found(client2, "lena") == [str(families["janssens"])]
    assert found(client2, "zoe") == []
    del user_id, db


def test_the_key_follows_every_change(app, ctx, families):
    """A class change, a renamed caregiver, a new child: the key is refreshed in the same flush."""
    from school.extensions import db
    from school.families.enrolments import place
    from school.families.models import Caregiver, Household, Pupil, SchoolClass
    from school.schoolyear import today

    celik = db.session.get(Household, families["celik"])
    zoe = db.session.scalar(select(Pupil).where(Pupil.first_name == "Zoë"))
    place(zoe, db.session.get(SchoolClass, families["2b"]), today())
    db.session.commit()
    assert "2b" in db.session.get(Household, families["celik"]).search_key
    caregiver = db.session.scalar(select(Caregiver).where(Caregiver.first_name == "Ayşe"))
    caregiver.first_name = "Ayşegül"
    celik.pupils.append(Pupil(first_name="Émile", last_name="Çelik"))
    db.session.commit()
    key = db.session.get(Household, families["celik"]).search_key
    assert "aysegul celik" in key and "emile celik" in key


def test_every_page_has_the_family_search_in_the_header(app, client, login_as, families):
    login_as("teacher", classes=(families["2b"],))
    for path in ("/account", f"/families/{families['janssens']}"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="header-q"' in html, path
        assert 'action="/families/"' in html and 'hx-get="/families/search"' in html
    # the family pages have their own, bigger search box
    for path in ("/families/", "/families/search"):
        assert 'id="header-q"' not in client.get(path).get_data(as_text=True), path


def test_a_page_past_the_end_shows_the_last_page(app, client, login_as, families):
    login_as("reception")
    for page in ("9" * 20, "-3", "abc", "2"):
        response = client.get("/families/", query_string={"q": "zoe", "page": page})
        assert response.status_code == 200, page
        shown = sorted(re.findall(r'id="family-option-(\d+)"', response.get_data(as_text=True)))
        assert shown == sorted([str(families["celik"]), str(families["peeters"])]), page


@pytest.mark.parametrize("typed", ["zoe", "Zoë", "ZOE", "zoë celik"])
def test_a_child_without_a_household_is_found_whatever_the_accents(app, client, login_as, families, typed):
    """Finding a child to link at the intake: one in no household yet ignores accents too."""
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        db.session.add(Pupil(first_name="Zoë", last_name="Çelik-Nieuw", external_key="7001"))
        db.session.commit()
    login_as("reception")
    html = client.get("/families/pupils", query_string={"pupil_query": typed}).get_data(as_text=True)
    assert "Çelik-Nieuw" in html


def test_control_characters_in_a_search_are_ignored_not_an_error(app, client, login_as, families):
    """PostgreSQL refuses NUL in a query: what was typed is cleaned first."""
    login_as("reception")
    assert found(client, "zoe\x00") == sorted([str(families["celik"]), str(families["peeters"])])
    assert found(client, "ayse\x00") == [str(families["celik"])]
    assert found(client, "\x00", path="/families/") != []  # nothing left to search for: every family
    for path, args in (
        ("/families/pupils", {"pupil_query": "zo\x00"}),
        ("/families/duplicates", {"caregivers-0-phone": "0470\x001234", "caregivers-0-email": "a\x00@b.be"}),
    ):
        assert client.get(path, query_string=args).status_code == 200, path
