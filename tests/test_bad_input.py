"""Bad input: every form and query parameter of the app, driven with hostile text.

Hypothesis puts arbitrary text - NUL and the other control characters, lone
surrogates sent as the invalid UTF-8 a broken client sends, 10 000 characters,
right-to-left text and bidi overrides, emoji with ZWJ sequences, decomposed
accents, markup - into each field of each form in turn. Every answer is a
success (200, 302, 303) or a 422 whose messages are Dutch, never a 500. After a
success the stored text is exactly what the form accepted (its own filters,
e.g. strip, applied), in NFC; after a 422 the database is unchanged and the
text is back in the form, escaped. Buttons and hidden fields (tokens, versions,
ids) that no person types may also answer 400/404/409 when tampered with.

Bodies are built as bytes, so a lone surrogate arrives as invalid UTF-8: the
expected text is what Werkzeug's own decoding hands the app (it keeps invalid
bytes as their %XX escapes).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler its parser uses)
import wtforms
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from school import schoolyear
from tests.factories.app import TEST_PASSWORD, login
from tests.factories.reads import form_id
from tests.factories.small_school import build_school

ROOT = Path(__file__).resolve().parent.parent

# --- hostile text ------------------------------------------------------------------

SPECIALS = [
    # control characters (tab and line breaks are allowed), and a few that look like them
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\t", "\n", "\r\n",
    # lone surrogates and a pair encoded separately (CESU): invalid UTF-8 on the wire
    "\ud800", "\udfff", "\udc80", "\ud83d\ude00",
    # right-to-left text, bidi marks and overrides, invisible characters
    "مرحبا بكم", "שָׁלוֹם", "\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069",
    "\u200e", "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u2028", "\u3000",
    "\ufffd", "\ufffe", "\uffff", "\U0010ffff", "\U000e0001",
    # emoji, ZWJ sequences, flags, skin tones
    "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "👍🏽", "🇧🇪", "😀",
    # decomposed accents and characters NFC changes
    "e\u0301", "Zoe\u0308", "n\u0303", "A\u030a", "\u1100\u1161", "\u212b", "\u2126", "\u0958",
    # markup and template syntax
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "</textarea><b>x</b>",
    "'", '"', "&amp;", "&#0;", "{{ 7*7 }}", "{% raw %}", "%(name)s", "%s", "\\", "%", "%00", "+", "&", "=",
    # digits that are not ASCII, numbers that do not fit, dates that do not exist
    "²", "①", "٣", "௫", "-1", "0", "99999999999999999999", "1e5", "NaN", "1.5",
    "2026-04-31", "2025-02-29", "31/04/2026", "29/02/2025", "9999-12-31", "0001-01-01", "0000-00-00",
    "null", "None", " ", "",
]
LONG_PIECES = ["a", "é", "e\u0301", "👨\u200d👩\u200d👧", "مر", "<b>", "\u202e", " x", "\x00"]
# Just under, at and over the column sizes of the database.
EDGES = [40, 41, 60, 61, 64, 65, 100, 101, 120, 121, 160, 161, 254, 255, 256, 257, 1000, 1001, 2000, 2001,
         4000, 4001]

piece = st.one_of(
    st.sampled_from(SPECIALS),
    st.text(max_size=6),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.characters(max_codepoint=0x1F),
)
# Text every form should keep: no control characters, within the sizes.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
STORABLE = [s for s in SPECIALS if not UNSTORABLE.search(s)]
storable_piece = st.one_of(
    st.sampled_from(STORABLE), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=5),
)
hostile_text = st.one_of(
    st.lists(piece, min_size=1, max_size=6).map("".join),
    st.lists(storable_piece, min_size=1, max_size=5).map("".join),
    st.sampled_from(LONG_PIECES).map(lambda s: (s * 10_000)[:10_000]),
    st.builds(lambda s, n: (s * n)[:n], st.sampled_from(["x", "é", "e\u0301", "😀", "ß"]),
              st.sampled_from(EDGES)),
    st.text(),
)

BAD_INPUT = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def wire(value: str) -> bytes:
    """The bytes a (possibly broken) client sends for `value`: lone surrogates as invalid UTF-8."""
    return value.encode("utf-8", "surrogatepass")


def received(value: str) -> str:
    """What Werkzeug's form and query parsing hands the app for `value`."""
    return wire(value).decode("utf-8", "werkzeug.url_quote")


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def urlencoded(pairs) -> bytes:
    return "&".join(f"{quote_plus(wire(k))}={quote_plus(wire(v))}" for k, v in pairs).encode("ascii")


def post(client, url: str, pairs, **kwargs):
    return client.post(url, data=urlencoded(pairs), content_type="application/x-www-form-urlencoded",
                       **kwargs)


def get(client, url: str, pairs, **kwargs):
    return client.get(url, query_string=urlencoded(pairs).decode("ascii"), **kwargs)


def replaced(pairs, name: str, value: str) -> list[tuple[str, str]]:
    """The pairs with every value of `name` replaced by one `value`."""
    return [(k, v) for k, v in pairs if k != name] + [(name, value)]


# --- the answers ---------------------------------------------------------------------


def _message_pattern() -> re.Pattern:
    """Any sequence of Dutch messages (the app's own and WTForms'), placeholders filled in.

    From the catalogues the app runs with; a message that is only placeholders
    (like "%(name)s") would match anything, so it is left out.
    """
    texts: set[str] = set()
    for path in (ROOT / "translations/nl/LC_MESSAGES/messages.po",
                 Path(wtforms.__file__).parent / "locale/nl/LC_MESSAGES/wtforms.mo"):
        with open(path, "rb") as catalogue_file:
            catalogue = read_mo(catalogue_file) if path.suffix == ".mo" else read_po(catalogue_file)
        for message in catalogue:
            if message.id:  # not the header
                strings = message.string if isinstance(message.string, tuple | list) else [message.string]
                texts.update(s for s in strings if s)
    placeholder = re.compile(r"%(?:\(\w+\))?[sdi]")
    alternatives = "|".join(
        ".*?".join(re.escape(part) for part in placeholder.split(t))
        for t in sorted(texts, key=len, reverse=True)
        if re.search(r"[^\W\d_]{3}", placeholder.sub("", t))
    )
    return re.compile(rf"(?:{alternatives})(?:\s+(?:{alternatives}))*", re.DOTALL)


DUTCH = _message_pattern()
ERROR_ELEMENT = re.compile(
    r'<(small|p|span|div)\b[^>]*class="[^"]*field-error[^"]*"[^>]*>(.*?)</\1>', re.DOTALL
)
TAGS = re.compile(r"<[^>]+>")


# The family form also lists every message at its top (fields it does not show included).
ALERT_ITEM = re.compile(r'<li><a href="#[^"]*">[^<]*</a>: (.*?)</li>', re.DOTALL)


def error_messages(body: str) -> list[str]:
    found = [m[2] for m in ERROR_ELEMENT.finditer(body)] + ALERT_ITEM.findall(body)
    return [html.unescape(TAGS.sub("", m)).strip() for m in found]


def assert_dutch_refusal(response) -> str:
    body = response.get_data(as_text=True)
    messages = [m for m in error_messages(body) if m]
    assert messages, f"a {response.status_code} without a message:\n{body[:3000]}"
    for message in messages:
        assert DUTCH.fullmatch(message), f"not a Dutch message: {message!r}"
    return body


def answer(response, *, tampered: bool = False, also=()) -> str:
    """'ok' for a success, 'refused' for a 422 with Dutch messages; anything else fails.

    A tampered button or hidden field may also be refused with 400, 404 or 409.
    """
    status = response.status_code
    body = response.get_data(as_text=True)
    assert status != 500, body[:3000]
    if status in (200, 302, 303):
        return "ok"
    if tampered and status in (400, 404, 409, 422):
        return "refused"
    assert status in (422, *also), (status, body[:3000])
    assert_dutch_refusal(response)
    return "refused"


def assert_shown_back(response, accepted: str | None) -> None:
    """After a 422 the user's text is in the form again, escaped."""
    if not accepted:
        return
    body = response.get_data(as_text=True)
    assert str(escape(accepted)) in body, f"{accepted[:80]!r} is not back in the form"


# --- the database --------------------------------------------------------------------

SKIPPED_TABLES = {"audit_events", "login_failures", "alembic_version"}


def digest(app) -> dict[str, list]:
    """Every row of every table (the audit trail and login failures aside)."""
    from school.extensions import db

    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            rows = db.session.execute(select(table)).all()
            out[table.name] = sorted(tuple(map(repr, row)) for row in rows)
        db.session.remove()
        return out


def scalar(app, statement):
    from school.extensions import db

    with app.app_context():
        value = db.session.scalar(statement)
        db.session.remove()
        return value


# --- forms as a browser sends them ----------------------------------------------------


class _FormScraper(HTMLParser):
    """The successful controls of one form of a page, as a browser would submit them."""

    def __init__(self, form_id: str | None, action: str | None):
        super().__init__(convert_charrefs=True)
        self.want_id, self.want_action = form_id, action
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = (self.want_id is None or a.get("id") == self.want_id) and (
                self.want_action is None or a.get("action") == self.want_action
            )
            return
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((name, a.get("value", "on")))
                return
            self.pairs.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "options": [], "selected": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": ""}
            self._select["options"].append(self._option)
            if "selected" in a:
                self._select["selected"].append(self._option)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["selected"] or self._select["options"][:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self.pairs.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # As a browser: line breaks become LF, the first one right after the tag goes,
            # and every line break is sent as CR LF.
            value = self._textarea["text"].replace("\r\n", "\n").replace("\r", "\n")
            value = value[1:] if value.startswith("\n") else value
            self.pairs.append((self._textarea["name"], value.replace("\n", "\r\n")))
            self._textarea = None


def scrape(client, url: str, *, form_id: str | None = None, action: str | None = None) -> list:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    scraper = _FormScraper(form_id, action)
    scraper.feed(response.get_data(as_text=True))
    assert scraper.pairs, f"no form found on {url}"
    return scraper.pairs


# --- a school with a user of every role --------------------------------------------------

@dataclass
class World:
    """A small school (tests.factories.small_school); users and their clients made when first asked for."""

    app: object
    school: object
    make_user: object
    users: dict[str, int] = field(default_factory=dict)
    clients: dict[str, object] = field(default_factory=dict)

    def user(self, role: str) -> int:
        if role not in self.users:
            classes = (self.school.class_a,) if role == "teacher" else ()
            self.users[role] = self.make_user(role, email=f"{role}@school.test", classes=classes)
        return self.users[role]

    def client(self, role: str):
        if role not in self.clients:
            client = self.app.test_client()
            assert login(client, self.app, self.user(role)).status_code == 302
            self.clients[role] = client
        return self.clients[role]

    def form(self, code: str) -> int:
        return form_id(self.app, code)


@pytest.fixture
def world(app, make_user) -> World:
    return World(app, build_school(app), make_user)


def token() -> str:
    return secrets.token_urlsafe(24)


def today() -> str:
    return schoolyear.today().isoformat()


def strip(value: str) -> str:
    return nfc(value).strip()


def strip_or_none(value: str) -> str | None:
    return nfc(value).strip() or None



def unstored(keep):
    """A text field whose text is used but not stored as such (a search, a password)."""

    def _keep(value: str):
        return keep(value)

    _keep.unstored = True
    return _keep


def lowered(value: str) -> str | None:
    """An e-mail address: the form strips it, the account or caregiver keeps it in lower case."""
    return strip(value).lower() or None


lowered.shown = strip


def as_is_or_none(value: str) -> str | None:
    return nfc(value) or None


HTMX = {"HX-Request": "true"}


def drive(world, role: str, url: str, base, name: str, value: str, *, texts=None, read=None,
          tampered=(), htmx: bool = False, shown_back: bool = True):
    """Send `base` with `name` set to `value`; check the answer and what is stored.

    `texts` maps each text field to what its filters keep of the received text
    (marked `unstored` for a text that is not kept, like a password or a
    search); `read(name, response)` gives what was stored for that field after
    a success.
    """
    texts = texts or {}
    client = world.client(role)
    before = digest(world.app)
    response = post(client, url, replaced(base, name, value), headers=HTMX if htmx else {})
    outcome = answer(response, tampered=name in tampered)
    event(f"{name}: {outcome}")
    if name in texts:
        accepted = texts[name](received(value))
        if outcome == "ok":
            if not getattr(texts[name], "unstored", False):
                assert read(name, response) == accepted, name
        else:
            assert digest(world.app) == before
            if shown_back:
                assert_shown_back(response, getattr(texts[name], "shown", texts[name])(received(value)))
    elif outcome == "refused":
        assert digest(world.app) == before
    return response, outcome


def moment_fields(world, sent: str) -> list[tuple[str, str]]:
    return [("form_id", str(world.form("gate_conversation"))), ("submission_token", sent),
            ("occurred_on", today()), ("tone", "neutral"), ("reach", ""), ("initiative", "school"),
            ("mediator", "none"), ("note", "")]


def moment_notes(app, submission_token: str) -> set:
    from school.contacts.models import ContactMoment
    from school.extensions import db

    with app.app_context():
        notes = set(db.session.scalars(
            select(ContactMoment.note).where(ContactMoment.submission_token == submission_token)
        ))
        db.session.remove()
        return notes


MOMENT_CHOICES = ["form_id", "occurred_on", "tone", "reach", "initiative", "mediator", "confidential"]


# --- contact moments: one family, several, correcting -----------------------------------------


@given(name=st.sampled_from(["note", *MOMENT_CHOICES, "caregiver_id", "pupil_id", "household_id",
                             "submission_token", "back"]),
       value=hostile_text, htmx=st.booleans())
# A token with a 65th character, a line break, once passed the pattern (PostgreSQL: too long, a 500).
@example(name="submission_token", value="a" * 64 + "\n", htmx=False)
@BAD_INPUT
def test_quick_log(world, name, value, htmx):
    sent = token()
    base = [("household_id", str(world.school.households["Peeters"])), *moment_fields(world, sent),
            ("caregiver_id", ""), ("pupil_id", "")]
    drive(world, "teacher", "/contacts/log", base, name, value, htmx=htmx,
          texts={"note": strip_or_none}, read=lambda *_: moment_notes(world.app, sent).pop(),
          tampered=("household_id", "submission_token", "back"))


@given(name=st.sampled_from(["note", *MOMENT_CHOICES, "household_ids", "submission_token"]),
       value=hostile_text, htmx=st.booleans())
@BAD_INPUT
def test_several_families(world, name, value, htmx):
    sent = token()
    families = world.school.households
    base = [("household_ids", str(families["Peeters"])), ("household_ids", str(families["Nowak"])),
            *moment_fields(world, sent)]
    drive(world, "teacher", "/contacts/log/several", base, name, value, htmx=htmx,
          texts={"note": strip_or_none}, read=lambda *_: moment_notes(world.app, sent).pop(),
          tampered=("submission_token",))


@pytest.fixture
def own_moment(world) -> int:
    from school.contacts.models import ContactMoment

    sent = token()
    base = [("household_id", str(world.school.households["Peeters"])), *moment_fields(world, sent)]
    assert post(world.client("teacher"), "/contacts/log", base).status_code == 302
    return scalar(world.app, select(ContactMoment.id).where(ContactMoment.submission_token == sent))


@given(name=st.sampled_from(["note", *MOMENT_CHOICES, "caregiver_id", "pupil_id", "version", "back"]),
       value=hostile_text)
@BAD_INPUT
def test_correcting_a_moment(world, own_moment, name, value):
    from school.contacts.models import ContactMoment

    url = f"/contacts/moments/{own_moment}/edit"
    base = scrape(world.client("teacher"), url, form_id="edit-form")
    drive(world, "teacher", url, base, name, value, texts={"note": strip_or_none},
          read=lambda *_: scalar(world.app, select(ContactMoment.note).where(ContactMoment.id == own_moment)),
          tampered=("version", "back"))


# --- group activities and broadcasts ---------------------------------------------------------


def group_field(app, sent: str, column: str):
    from school.contacts.models import GroupContact

    return scalar(app, select(getattr(GroupContact, column)).where(GroupContact.submission_token == sent))


@given(name=st.sampled_from(["title", "note", "form_id", "audience", "came", "occurred_on", "record_absent",
                             "submission_token"]),
       value=hostile_text, htmx=st.booleans())
@BAD_INPUT
def test_group_activity(world, name, value, htmx):
    sent = token()
    base = [("form_id", str(world.form("info_evening"))), ("audience", str(world.school.class_a)),
            ("came", str(world.school.households["Peeters"])), ("submission_token", sent),
            ("occurred_on", today()), ("title", "Infoavond"), ("note", "")]
    drive(world, "teacher", "/contacts/group/new", base, name, value, htmx=htmx,
          texts={"title": strip_or_none, "note": strip_or_none},
          read=lambda column, _: group_field(world.app, sent, column), tampered=("submission_token",))


@given(name=st.sampled_from(["title", "note", "form_id", "audience", "occurred_on", "submission_token"]),
       value=hostile_text, htmx=st.booleans())
@BAD_INPUT
def test_broadcast(world, name, value, htmx):
    sent = token()
    base = [("form_id", str(world.form("newsletter"))), ("audience", str(world.school.class_a)),
            ("submission_token", sent), ("occurred_on", today()), ("title", "Nieuwsbrief"), ("note", "")]
    drive(world, "teacher", "/contacts/broadcast/new", base, name, value, htmx=htmx,
          texts={"title": strip_or_none, "note": strip_or_none},
          read=lambda column, _: group_field(world.app, sent, column), tampered=("submission_token",))


# --- the catalogue -----------------------------------------------------------------------------


def newest_form_name(app):
    from school.catalogue import ContactForm

    return scalar(app, select(ContactForm.name).order_by(ContactForm.id.desc()).limit(1))


@given(name=st.sampled_from(["name", "quadrant", "level", "is_broadcast", "active"]), value=hostile_text)
@BAD_INPUT
def test_catalogue_new_form(world, name, value):
    base = replaced(scrape(world.client("admin"), "/contacts/catalogue", form_id="new-contact-form"),
                    "name", "Koffiemoment")
    base = replaced(base, "submission_token", token())  # each example is a form shown anew
    drive(world, "admin", "/contacts/catalogue", base, name, value, texts={"name": strip},
          read=lambda *_: newest_form_name(world.app))


@given(name=st.sampled_from(["name", "quadrant", "level", "is_broadcast", "active"]), value=hostile_text)
@BAD_INPUT
def test_catalogue_edit_form(world, name, value):
    from school.catalogue import ContactForm

    client = world.client("admin")
    post(client, "/contacts/catalogue", [("name", "Koffiemoment"), ("quadrant", "informal_oral"),
                                         ("level", "family"), ("active", "y"), ("submission_token", token())])
    form = scalar(world.app, select(ContactForm.id).order_by(ContactForm.id.desc()).limit(1))
    url = f"/contacts/catalogue/{form}"
    drive(world, "admin", url, scrape(client, url, form_id="edit-contact-form"), name, value,
          texts={"name": strip},
          read=lambda *_: scalar(world.app, select(ContactForm.name).where(ContactForm.id == form)))


# --- buttons: no typed text, only what a page's buttons send ----------------------------------


@given(case=st.sampled_from([("admin", "catalogue_move", "direction"), ("teacher", "undo", "token"),
                             ("teacher", "undo", "back"), ("teacher", "language", "locale"),
                             ("teacher", "language", "next"), ("director", "consent", "consent")]),
       value=hostile_text)
@BAD_INPUT
def test_buttons(world, case, value):
    role, button, name = case
    peeters = world.school.households["Peeters"]
    url, base = {
        "catalogue_move": (
            f"/contacts/catalogue/{world.form('gate_conversation')}/move", [("direction", "up")]
        ),
        "undo": ("/contacts/undo", [("token", token())]),
        "language": ("/language", [("locale", "nl"), ("next", "/contacts/log")]),
        "consent": (f"/privacy/families/{peeters}/consent", [("consent", "given")]),
    }[button]
    response, outcome = drive(world, role, url, base, name, value, tampered=(name,))
    if button == "language" and outcome == "ok":
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//")


# --- numbers: the dashboard's goals and the signals' thresholds -----------------------------------


@given(data=st.data(), value=hostile_text)
@BAD_INPUT
def test_goals(world, data, value):
    base = scrape(world.client("director"), "/dashboard/goals", form_id="goals-form")
    name = data.draw(st.sampled_from(sorted(dict(base))))
    drive(world, "director", "/dashboard/goals", base, name, value)


@given(data=st.data(), value=hostile_text)
@BAD_INPUT
def test_thresholds(world, data, value):
    base = scrape(world.client("director"), "/settings/signals", form_id="thresholds-form")
    name = data.draw(st.sampled_from(sorted(dict(base))))
    drive(world, "director", "/settings/signals", base, name, value)


# --- the intake, editing a family, the intake's checklist --------------------------------------

FAMILY_TEXTS = {
    "display_name": lambda v: strip(v) or "Çelik",  # left blank: the family's last name
    "about_child": as_is_or_none,
    "needs_from_school": as_is_or_none,
    "contact_note": as_is_or_none,
    "help_offer": as_is_or_none,
    "caregivers-0-first_name": strip,
    "caregivers-0-last_name": strip,
    "caregivers-0-phone": strip_or_none,
    "caregivers-0-email": lowered,
    "children-0-first_name": strip,
    "children-0-last_name": strip,
    "children-0-external_key": strip_or_none,
    "agreements-0-occasion": strip_or_none,
    "pupil_query": unstored(strip),  # only for looking up a child
}
FAMILY_TAMPERED = ("submission_token", "version", "duplicates_ack", "known_pupils_ack", "caregivers-0-id",
                   "caregivers-1-id", "children-0-pupil_id", "children-1-pupil_id", "agreements-0-id",
                   "agreements-1-id")


def family_value(app, household_id: int, name: str):
    """What is stored for a field of the family form."""
    from school.extensions import db
    from school.families.models import Household

    with app.app_context():
        household = db.session.get(Household, household_id)
        row, _, column = name.partition("-0-")
        if not column:
            value = getattr(household, name)
        elif row == "caregivers":
            value = getattr(household.caregivers[0], column)
        elif row == "children":
            value = getattr(household.pupils[0], column)
        else:
            value = getattr([a for a in household.agreements if a.active][0], column)
        db.session.remove()
        return value


def intake_base(world) -> list[tuple[str, str]]:
    from school.families.models import InfoTopic

    topic = scalar(world.app, select(InfoTopic.id).order_by(InfoTopic.id).limit(1))
    return [
        ("submission_token", token()), ("duplicates_ack", "1"), ("known_pupils_ack", "1"),
        ("display_name", ""),
        ("about_child", "Zoë houdt van tekenen."), ("needs_from_school", ""), ("contact_language", "tr"),
        ("interpreter_needed", "y"), ("interpreter_language", "tr"), ("written_ok", "no"),
        ("digital_ok", "yes"),
        ("preferred_channels", "gate"), ("preferred_times", "afternoon_gate"), ("info_explained", str(topic)),
        ("contact_note", ""), ("help_offer", ""),
        ("caregivers-0-first_name", "Ayşe"), ("caregivers-0-last_name", "Çelik"),
        ("caregivers-0-kinship", "mother"), ("caregivers-0-phone", "0470 12 34 56"),
        ("caregivers-0-email", "ayse@example.be"), ("caregivers-0-contact_language", ""),
        ("children-0-first_name", "Zoë"), ("children-0-last_name", "Çelik"),
        ("children-0-birth_date", "2019-03-04"), ("children-0-class_id", str(world.school.class_a)),
        ("children-0-external_key", ""),
        ("agreements-0-form_id", str(world.form("gate_conversation"))), ("agreements-0-every_days", "14"),
        ("agreements-0-occasion", "bij het ophalen"), ("contact_person_id", ""), ("consent_external", "y"),
        ("intake_mediator", "professional_interpreter"), ("pupil_query", ""), ("finish", "1"),
    ]


def saved_household(response) -> int:
    match = re.fullmatch(r"/families/(\d+)(?:/edit)?", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


@given(data=st.data(), value=hostile_text)
@BAD_INPUT
def test_intake(world, data, value):
    base = intake_base(world)
    name = data.draw(st.sampled_from(sorted({n for n, _v in base} | {"caregivers-0-id", "children-0-pupil_id",
                                                                        "agreements-0-id", "version"})))
    drive(world, "reception", "/families/intake", base, name, value, texts=FAMILY_TEXTS,
          read=lambda field_name, response: family_value(world.app, saved_household(response), field_name),
          tampered=FAMILY_TAMPERED)


ROWS = {"caregivers": ("id", "first_name", "last_name", "kinship", "phone", "email", "contact_language",
                       "remove"),
        "children": ("pupil_id", "first_name", "last_name", "birth_date", "class_id", "external_key",
                     "remove"),
        "agreements": ("id", "form_id", "every_days", "occasion", "remove")}
EDIT_FIELDS = sorted(
    {"display_name", "about_child", "needs_from_school", "contact_language", "interpreter_needed",
     "interpreter_language", "written_ok", "digital_ok", "preferred_channels", "preferred_times",
     "info_explained",
     "contact_note", "help_offer", "pupil_query", "contact_person_id", "consent_external", "intake_mediator",
     "submission_token", "version", "duplicates_ack"}
    | {f"{row}-{i}-{column}" for row, columns in ROWS.items() for column in columns for i in (0, 1)}
)


@pytest.fixture
def intake_done(world) -> int:
    response = post(world.client("reception"), "/families/intake", intake_base(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return saved_household(response)


@given(data=st.data(), value=hostile_text)
@BAD_INPUT
def test_editing_a_family(world, intake_done, data, value):
    url = f"/families/{intake_done}/edit"
    base = scrape(world.client("reception"), url, form_id="family-form")
    name = data.draw(st.sampled_from(EDIT_FIELDS))
    first_name = family_value(world.app, intake_done, "children-0-first_name")
    last_name = family_value(world.app, intake_done, "children-0-last_name")
    texts = {
        **FAMILY_TEXTS,
        # A child already at school keeps its name when the field is left blank, and its
        # pupil number (the school administration's) is not changed from this form.
        "children-0-first_name": lambda v: strip(v) or first_name,
        "children-0-last_name": lambda v: strip(v) or last_name,
        "children-0-external_key": unstored(strip_or_none),
    }
    drive(world, "reception", url, base, name, value, texts=texts,
          read=lambda field_name, _: family_value(world.app, intake_done, field_name),
          tampered=FAMILY_TAMPERED)


@given(data=st.data(), value=hostile_text)
@BAD_INPUT
def test_intake_checklist(world, data, value):
    from school.extensions import db
    from school.families.models import InfoTopic
    from school.families.topics import topic_label

    def read(name, _response):
        with world.app.test_request_context():
            if name == "new_label":
                topic = db.session.scalars(select(InfoTopic).where(InfoTopic.id > last_id)).one_or_none()
                if topic is None:
                    return None
            else:
                topic = db.session.get(InfoTopic, int(dict(base)["topics-0-id"]))
            label = topic_label(topic)
            db.session.remove()
            return label

    base = scrape(world.client("admin"), "/families/topics", form_id="topics-form")
    base = replaced(base, "submission_token", token())  # each example is a form shown anew
    name = data.draw(st.sampled_from(["new_label", "topics-0-label", "topics-0-active", "topics-0-sort_order",
                                      "topics-0-id"]))
    first_label = dict(base)["topics-0-label"]
    last_id = scalar(world.app, select(func.max(InfoTopic.id)))
    drive(world, "admin", "/families/topics", base, name, value,
          # A blank label keeps the old one.
          texts={"new_label": strip_or_none, "topics-0-label": lambda v: strip(v) or first_label},
          read=read, tampered=("topics-0-id",))


# --- follow-ups ----------------------------------------------------------------------------------


def follow_up_value(app, name: str, follow_up_id: int | None = None):
    from school.visibility.models import FollowUp

    statement = select(getattr(FollowUp, name))
    if follow_up_id is None:
        statement = statement.order_by(FollowUp.id.desc()).limit(1)
    else:
        statement = statement.where(FollowUp.id == follow_up_id)
    return scalar(app, statement)


def in_a_week() -> str:
    return (schoolyear.today() + dt.timedelta(days=7)).isoformat()


@given(name=st.sampled_from(["note", "signal_code", "owner", "approach", "due_on"]), value=hostile_text,
       htmx=st.booleans())
@BAD_INPUT
def test_new_follow_up(world, name, value, htmx):
    base = [("signal_code", ""), ("owner", str(world.user("care"))), ("approach", "phone"),
            ("due_on", in_a_week()), ("note", "Bellen na schooltijd"), ("submission_token", token())]
    drive(world, "care", f"/families/{world.school.households['Peeters']}/follow-ups/new", base, name, value,
          htmx=htmx, texts={"note": strip_or_none}, read=lambda *_: follow_up_value(world.app, "note"))


@given(name=st.sampled_from(["note", "closing_reason", "status", "signal_code", "owner", "approach",
                             "due_on", "version"]),
       value=hostile_text, closing=st.booleans())
@BAD_INPUT
def test_editing_a_follow_up(world, name, value, closing):
    client = world.client("care")
    peeters = world.school.households["Peeters"]
    if follow_up_value(world.app, "id") is None:
        response = post(client, f"/families/{peeters}/follow-ups/new", [
            ("submission_token", token()),
            ("signal_code", ""), ("owner", str(world.user("care"))), ("approach", "phone"),
            ("due_on", in_a_week()),
        ])
        assert response.status_code == 302
    follow_up = follow_up_value(world.app, "id")
    url = f"/follow-ups/{follow_up}"
    base = scrape(client, url, form_id="follow-up-form")
    if closing:  # the reason is kept only when the follow-up is closed by hand
        base = replaced(replaced(base, "status", "closed"), "closing_reason", "Verhuisd")
    else:
        base = replaced(replaced(base, "status", "open"), "closing_reason", "")
    drive(world, "care", url, base, name, value,
          texts={"note": strip_or_none, **({"closing_reason": strip_or_none} if closing else {})},
          read=lambda column, _: follow_up_value(world.app, column, follow_up), tampered=("version",))


# --- the family's rights -------------------------------------------------------------------------


@given(name=st.sampled_from(["reason", "confirm"]), value=hostile_text)
@BAD_INPUT
def test_erasing_a_family(world, name, value):
    from school.extensions import db
    from school.families.models import Household

    with world.app.app_context():
        household = Household(display_name="Gezin Weg")
        db.session.add(household)
        db.session.commit()
        household_id = household.id
        db.session.remove()
    base = [("reason", "request"), ("confirm", "y")]
    url = f"/privacy/families/{household_id}/erase"
    _response, outcome = drive(world, "director", url, base, name, value)
    gone = scalar(world.app, select(Household.id).where(Household.id == household_id)) is None
    assert gone == (outcome == "ok")


# --- accounts -------------------------------------------------------------------------------------


def user_value(app, column: str, user_id: int | None = None):
    from school.accounts.models import User

    statement = select(getattr(User, column))
    if user_id is None:
        statement = statement.order_by(User.id.desc()).limit(1)
    else:
        statement = statement.where(User.id == user_id)
    return scalar(app, statement)


def password_works(app, user_id: int, password: str) -> bool:
    from school.accounts.passwords import verify_password

    return verify_password(user_value(app, "password_hash", user_id), password)


@given(name=st.sampled_from(["name", "email", "role", "classes", "locale", "active", "password"]),
       value=hostile_text)
@settings(BAD_INPUT, max_examples=15)  # each success hashes a password (argon2: slow on purpose)
def test_new_account(world, name, value):
    base = [("name", "Juf Lotte"), ("email", f"lotte-{secrets.token_hex(4)}@school.test"),
            ("role", "teacher"),
            ("classes", str(world.school.class_a)), ("locale", ""), ("active", "y"),
            ("password", "een lang wachtwoord voor Lotte")]
    response, outcome = drive(
        world, "admin", "/admin/users/new", base, name, value,
        texts={"name": strip, "email": lowered, "password": unstored(nfc)},
        read=lambda column, _: user_value(world.app, column), shown_back=name != "password",
    )
    if name == "password" and outcome == "ok":
        assert password_works(world.app, user_value(world.app, "id"), nfc(received(value)))


@given(name=st.sampled_from(["name", "email", "role", "classes", "locale", "active"]), value=hostile_text)
@BAD_INPUT
def test_editing_an_account(world, name, value):
    subject = world.user("teacher")
    url = f"/admin/users/{subject}"
    base = scrape(world.client("admin"), url, form_id="user-form")
    drive(world, "admin", url, base, name, value,
          texts={"name": strip, "email": lowered},
          read=lambda column, _: user_value(world.app, column, subject))


@given(value=hostile_text)
@settings(BAD_INPUT, max_examples=15)  # each success hashes a password (argon2: slow on purpose)
def test_setting_a_new_password(world, value):
    subject = world.user("teacher")
    _response, outcome = drive(world, "admin", f"/admin/users/{subject}/password", [("new", "x" * 20)], "new",
                               value, texts={"new": unstored(nfc)}, shown_back=False)
    if outcome == "ok":
        assert password_works(world.app, subject, nfc(received(value)))


@given(name=st.sampled_from(["current", "new", "confirm"]), value=hostile_text)
@settings(BAD_INPUT, max_examples=15)  # each success hashes a password (argon2: slow on purpose)
def test_changing_ones_password(world, name, value):
    user = world.user("care")
    client = world.client("care")
    current = getattr(world, "care_password", TEST_PASSWORD)
    new = f"nieuw wachtwoord {secrets.token_hex(4)}"
    base = [("current", current), ("new", new), ("confirm", new)]
    if name == "new":  # typed twice, as the form asks
        base = replaced(base, "confirm", value)
    _response, outcome = drive(world, "care", "/account", base, name, value, texts={name: unstored(nfc)},
                               shown_back=False)
    assert client.get("/account").status_code == 200  # still signed in
    if outcome == "ok":
        world.care_password = nfc(received(value)) if name == "new" else new
        assert password_works(world.app, user, world.care_password)


@given(name=st.sampled_from(["email", "password"]), value=hostile_text)
@settings(BAD_INPUT, max_examples=15)  # each attempt checks a password (argon2: slow on purpose)
def test_login(world, name, value):
    world.user("teacher")
    base = [("email", "teacher@school.test"), ("password", "wrong password, on purpose")]
    response = post(world.app.test_client(), "/login", replaced(base, name, value))
    # Five failures for one address make it wait (429), with a message as clear as a 422's.
    outcome = answer(response, also=(429,))
    assert outcome == "refused" or received(value) == TEST_PASSWORD


# --- query parameters: search as you type, filters, paging ------------------------------------

QUERIES = [
    ("teacher", "/contacts/log", ("household_id", "saved", "back")),
    ("teacher", "/contacts/families", ("q",)),
    ("teacher", "/contacts/today", ("q",)),
    ("teacher", "/contacts/group/new", ("audience",)),
    ("teacher", "/contacts/broadcast/new", ("audience",)),
    ("teacher", "/contacts/log/several", ("household_ids",)),
    ("reception", "/families/", ("q", "page")),
    ("reception", "/families/search", ("q",)),
    ("reception", "/families/pupils", ("pupil_query", "household_id")),
    ("reception", "/families/duplicates", ("caregivers-0-phone", "caregivers-0-email", "exclude")),
    ("care", "/families/{peeters}", ("quadrant", "page")),
    ("care", "/families/{peeters}/timeline", ("quadrant", "page", "household_id")),
    ("care", "/families/{peeters}/grid", ("quadrant",)),
    ("care", "/families/{peeters}/reach", ("page",)),
    ("care", "/families/{peeters}/follow-ups/new", ("signal",)),
    ("care", "/less-visible", ("class", "signal", "sort", "without_plan", "page")),
    ("care", "/follow-ups", ("page",)),
    ("director", "/dashboard/", ("year", "from", "to", "class", "level")),
    ("director", "/dashboard/print", ("year", "from", "to", "class", "level")),
    ("director", "/dashboard/export.csv", ("year", "from", "to", "class", "level")),
    ("director", "/privacy/audit", ("family", "user", "action", "date_from", "date_to", "page")),
    ("director", "/privacy/families/{peeters}", ("page",)),
    ("admin", "/admin/users", ("page",)),
    (None, "/login", ("next",)),
]
# Parameters that name a row: one that does not exist (or is out of reach) answers 404.
ID_PARAMETERS = {"household_id"}


@pytest.mark.parametrize("role", ["teacher", "reception", "care", "director", "admin", None])
def test_query_parameters(world, role):
    """Every query parameter of the pages a role uses, with hostile text: a page, never a 500."""
    queries = [(path, name) for who, path, names in QUERIES if who == role for name in names]

    @given(query=st.sampled_from(queries), value=hostile_text, htmx=st.booleans())
    @settings(BAD_INPUT, max_examples=6 * len(queries))
    def run(query, value, htmx):
        path, name = query
        client = world.client(role) if role else world.app.test_client()
        url = path.format(peeters=world.school.households["Peeters"])
        response = get(client, url, [(name, value)], headers=HTMX if htmx else {})
        event(f"{url} {name}: {response.status_code}")
        answer(response, tampered=name in ID_PARAMETERS)
        if response.status_code in (302, 303):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location

    run()


EDGE_VALUES = ["9999-12-31", "0001-01-01", "9" * 30, "\x00"]


def test_query_parameters_at_the_edges(world):
    """The values random text seldom hits: the first and last day Python knows, huge numbers."""
    for role, path, names in QUERIES:
        client = world.client(role) if role else world.app.test_client()
        url = path.format(peeters=world.school.households["Peeters"])
        for name in names:
            for value in EDGE_VALUES:
                answer(get(client, url, [(name, value)]), tampered=name in ID_PARAMETERS)


# --- markup in names and notes is shown as text, in pages and fragments -----------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def test_markup_in_names_and_notes_shows_as_text(world):
    from school.families.models import Household

    reception, teacher = world.client("reception"), world.client("teacher")
    family = world.school.households["Diallo"]  # no contact yet: on the less-visible list
    edit = f"/families/{family}/edit"
    base = replaced(scrape(reception, edit, form_id="family-form"), "display_name", f"Gezin {SCRIPT}")
    base = replaced(replaced(base, "caregivers-0-first_name", IMG), "about_child", IMG)
    response = post(reception, edit, base)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    # Two calls that did not reach them, one with a note: the family is on the less-visible list.
    for text in ("", f"{SCRIPT} {IMG}"):
        sent = token()
        call = [("household_id", str(family)), *moment_fields(world, sent)]
        call = replaced(call, "form_id", str(world.form("spontaneous_call")))
        call = replaced(call, "reach", "not_reached")
        assert post(teacher, "/contacts/log", replaced(call, "note", text)).status_code == 302
    stored = scalar(world.app, select(Household.display_name).where(Household.id == family))
    assert stored == f"Gezin {SCRIPT}"

    care, director = world.client("care"), world.client("director")
    plan = [("signal_code", ""), ("owner", str(world.user("care"))), ("approach", "phone"),
            ("due_on", in_a_week()), ("note", f"{IMG} {SCRIPT}"), ("submission_token", token())]
    assert post(care, f"/families/{family}/follow-ups/new", plan).status_code == 302
    pages = [  # (who, what, as a fragment, shows the family's name)
        (care, f"/families/{family}", {}, True),
        (care, f"/families/{family}/timeline", HTMX, True),  # the note
        (care, f"/families/{family}/reach", HTMX, False),
        (care, "/less-visible", {}, True),
        (care, "/less-visible?sort=name", HTMX, True),
        (care, "/follow-ups", {}, True),
        (reception, "/families/?q=Gezin", {}, True),
        (reception, "/families/search?q=Gezin", HTMX, True),
        (reception, edit, {}, True),
        (teacher, "/contacts/families?q=Diallo", HTMX, True),
        (teacher, f"/contacts/log?household_id={family}", {}, True),
        (teacher, "/contacts/today", HTMX, True),
        (teacher, f"/contacts/log?saved={sent}", {}, True),
        (director, f"/privacy/families/{family}", {}, True),
        (director, f"/privacy/families/{family}/export/access", {}, True),
        (director, "/dashboard/", {}, False),
    ]
    for client, url, headers, shows_name in pages:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
        assert not shows_name or "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


# --- dates that do not exist, dates in the future ----------------------------------------------

IMPOSSIBLE = ["2026-04-31", "2025-02-29", "31/04/2026", "29/02/2025", "2026-13-01", "00/01/2026"]


def future() -> list[str]:
    tomorrow = schoolyear.today() + dt.timedelta(days=1)
    return [tomorrow.isoformat(), tomorrow.strftime("%d/%m/%Y"), "2999-01-01"]


def refused_with(response, words: str) -> None:
    assert response.status_code == 422, response.status_code
    body = assert_dutch_refusal(response)
    assert words in " ".join(error_messages(body)), error_messages(body)


def test_impossible_and_future_dates_are_refused_clearly(world, own_moment):
    from school.contacts.models import ContactMoment

    teacher, reception, care = world.client("teacher"), world.client("reception"), world.client("care")
    director = world.client("director")
    families = world.school.households
    forms = {
        "/contacts/log": lambda: [("household_id", str(families["Peeters"])), *moment_fields(world, token())],
        "/contacts/log/several": lambda: [("household_ids", str(families["Nowak"])),
                                          *moment_fields(world, token())],
        "/contacts/group/new": lambda: [("form_id", str(world.form("info_evening"))),
                                        ("audience", str(world.school.class_a)),
                                        ("came", str(families["Peeters"])), ("submission_token", token())],
        "/contacts/broadcast/new": lambda: [("form_id", str(world.form("newsletter"))),
                                            ("audience", str(world.school.class_a)),
                                            ("submission_token", token())],
        f"/contacts/moments/{own_moment}/edit": lambda: scrape(
            teacher, f"/contacts/moments/{own_moment}/edit", form_id="edit-form"
        ),
    }
    before = digest(world.app)
    for url, base in forms.items():
        for day in IMPOSSIBLE:
            refused_with(post(teacher, url, replaced(base(), "occurred_on", day)), "Die datum bestaat niet")
        for day in future():
            refused_with(post(teacher, url, replaced(base(), "occurred_on", day)),
                         "Die datum ligt in de toekomst")
    def intake_born(day):
        return post(reception, "/families/intake", replaced(intake_base(world), "children-0-birth_date", day))

    for day in IMPOSSIBLE:
        refused_with(intake_born(day), "Die datum bestaat niet")
        refused_with(get(director, "/privacy/audit", [("date_from", day)]), "Die datum bestaat niet")
    for day in future():
        refused_with(intake_born(day), "Een datum in de toekomst kan hier niet")
    plan = [("signal_code", ""), ("owner", str(world.user("care"))), ("approach", "phone"),
            ("submission_token", token())]
    for day in IMPOSSIBLE:
        refused_with(post(care, f"/families/{families['Peeters']}/follow-ups/new", [*plan, ("due_on", day)]),
                     "Die datum bestaat niet")
    after = digest(world.app)
    assert after == before, {t: set(after[t]) ^ set(before[t]) for t in after if after[t] != before[t]}
    # A date typed the Belgian way is a real date.
    day = schoolyear.today().strftime("%d/%m/%Y")
    sent = token()
    base = [("household_id", str(families["Janssens"])),
            *replaced(moment_fields(world, sent), "occurred_on", day)]
    assert post(teacher, "/contacts/log", base).status_code == 302
    saved = select(ContactMoment.occurred_on).where(ContactMoment.submission_token == sent)
    assert scalar(world.app, saved) == schoolyear.today()


# --- ids: what a database id column holds, and no more (issue 23) ---------------------------------

# PostgreSQL's INTEGER (every id column) holds 1 .. 2**31 - 1; SQLite's 8-byte integers 2**63 - 1.
FORM_ID_EDGES = ["2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "0", "-1",
                 "9" * 40, "9" * 5000, "٣", "1.5"]
form_ids = st.one_of(st.sampled_from(FORM_ID_EDGES), st.integers().map(str), hostile_text)


def child_rows(base, pupil_id: str, first_name: str) -> list[tuple[str, str]]:
    return replaced(replaced(base, "children-0-pupil_id", pupil_id), "children-0-first_name", first_name)


@given(value=form_ids)
@example(value="2147483647")
@example(value="2147483648")
@example(value="9223372036854775807")
@example(value="9223372036854775808")
@example(value="0")
@example(value="-1")
@example(value="9" * 40)
@BAD_INPUT
def test_ids_in_lookups_and_forms_never_answer_500(world, intake_done, value):
    """A family's id in the quick log and the pupils lookup, a child's in the family form."""
    teacher, reception = world.client("teacher"), world.client("reception")
    before = digest(world.app)
    assert get(teacher, "/contacts/log", [("household_id", value)]).status_code in (200, 404)
    logged = post(teacher, "/contacts/log", [("household_id", value), *moment_fields(world, token())])
    assert logged.status_code in (400, 404, 422), logged.status_code
    lookup = get(reception, "/families/pupils", [("pupil_query", "zoe"), ("household_id", value)])
    assert lookup.status_code in (200, 404), lookup.status_code
    edit = f"/families/{intake_done}/edit"
    base = scrape(reception, edit, form_id="family-form")
    link = post(reception, edit, [*replaced(base, "pupil_query", ""), ("link_pupil", value)])
    assert link.status_code == 200, link.status_code
    assert digest(world.app) == before
    # The spare (blank) row: a child linked by this id, or nothing (no new child each example).
    saved = post(reception, edit, replaced(base, "children-1-pupil_id", value))
    assert saved.status_code in (302, 422), saved.status_code
    if saved.status_code == 422:
        assert_dutch_refusal(saved)
        assert digest(world.app) == before


@pytest.mark.parametrize("value", ["2147483647", "2147483648", "9" * 40, "0", "-1"])
def test_ids_a_database_cannot_hold_in_a_url_answer_404(world, value):
    teacher, reception = world.client("teacher"), world.client("reception")
    assert get(teacher, "/contacts/log", [("household_id", value)]).status_code == 404
    lookup = get(reception, "/families/pupils", [("pupil_query", "zoe"), ("household_id", value)])
    assert lookup.status_code == 404
    assert post(teacher, "/contacts/log", [("household_id", value), *moment_fields(world, token())]
                ).status_code == 404


def test_a_child_id_that_names_no_child_is_refused_with_a_message(world, intake_done):
    reception = world.client("reception")
    edit = f"/families/{intake_done}/edit"
    base = scrape(reception, edit, form_id="family-form")
    before = digest(world.app)
    response = post(reception, edit, child_rows(base, "2147483647", "Zoë"))
    assert response.status_code == 422, response.status_code
    assert_dutch_refusal(response)
    assert digest(world.app) == before


@pytest.mark.parametrize("row", [0, 1])
def test_another_familys_child_is_never_renamed_from_this_form(world, intake_done, row):
    """The family form may link a child of another household (separated parents), not rename it."""
    from school.families.models import Pupil

    reception = world.client("reception")
    emma = world.school.pupils["Emma"]
    edit = f"/families/{intake_done}/edit"
    base = scrape(reception, edit, form_id="family-form")
    sent = replaced(base, f"children-{row}-pupil_id", str(emma))
    sent = replaced(sent, f"children-{row}-first_name", "Hacked")
    sent = replaced(sent, f"children-{row}-last_name", "Peeters")
    before = digest(world.app)
    response = post(reception, edit, sent)
    assert response.status_code == 422, response.status_code
    assert_dutch_refusal(response)
    assert digest(world.app) == before
    assert scalar(world.app, select(Pupil.first_name).where(Pupil.id == emma)) == "Emma"
