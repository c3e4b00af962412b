"""Five journeys through the demo school, end to end in Chromium, as the people who do them.

Reception does an intake; a teacher on a phone logs a gate conversation and a
class activity; care staff follow up a less-visible family until it is reached;
the director filters the dashboard and prints it; the admin creates a teacher
and assigns a class. Every journey runs in Dutch; the teacher's also in French
and the intake also in English.

On the way, every page and every htmx state the journey reaches goes through
axe-core (WCAG 2.1 A/AA, no serious or critical violation) and must say its
language in <html lang>; at the end of each journey the raw HTML of every full
page it rendered goes through the Nu HTML Checker in one run.

Beside the journeys, with the keyboard alone (a visible focus on every stop):
the login and the gate log, an intake (a refused one too), a follow-up, the
dashboard's filters and the admin creating a teacher; and the core forms with JavaScript switched off, the
quick log's tap targets, form errors that are announced, the language choice
remembered per user, and dates and numbers in each locale's own format.

One demo school per module (school.demo.seed()), served in a thread with CSRF on.
The last two tests read that school without Chromium, so they are not marked
`browser` and run on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.numbers import format_percent
from babel.support import Translations
from playwright.sync_api import expect
from sqlalchemy import select

from school import demo
from tests.factories.app import PHONE, empty_database, make_app, serve
from tests.quality import assert_accessible, assert_valid_html

ROOT = Path(__file__).resolve().parent.parent
BROWSER_LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}
LANGUAGE_BUTTONS = {"nl": "Nederlands", "fr": "Français", "en": "English"}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = demo.DEMO_PASSWORD


class Lang:
    """The interface text in one language, looked up by its English message id."""

    def __init__(self, code: str):
        self.code = code
        self.catalog = Translations.load(str(ROOT / "translations"), [code])

    def __call__(self, msgid: str, **values) -> str:
        text = self.catalog.gettext(msgid)
        return text % values if values else text

    def n(self, singular: str, plural: str, num: int) -> str:
        return self.catalog.ngettext(singular, plural, num) % {"num": num}

    def day(self, value: dt.date) -> str:
        return format_date(value, "medium", locale=self.code)


# --- one demo school for the module -------------------------------------------


@dataclass
class School:
    app: object
    base: str
    teacher: str
    teacher_class: str
    emails: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def school(database_url, tmp_path_factory) -> Iterator[School]:
    app = make_app(database_url, tmp_path_factory.mktemp("journeys"), WTF_CSRF_ENABLED=True)
    with app.app_context():
        empty_database()
        assert demo.seed()
        teacher = demo._staff_email(demo._login_teacher_name())
    emails = {key: f"{key}@{demo.STAFF_DOMAIN}" for key in ("onthaal", "zorg", "directie", "beheer")}
    with serve(app) as base_url:
        yield School(app, base_url, teacher, demo.LOGIN_TEACHER_CLASS, emails)
    with app.app_context():
        from school.extensions import db

        db.session.remove()
        db.engine.dispose()


def forget_language(school: School, email: str) -> None:
    """The user has not chosen a language (an earlier journey may have chosen one)."""
    from school.accounts.models import User
    from school.extensions import db

    def _forget():
        db.session.scalars(select(User).where(User.email == email)).one().locale = None
        db.session.commit()

    in_app(school, _forget)


def in_app(school: School, fn):
    with school.app.app_context():
        return fn()


# --- a journey: one browser context, checks after every step --------------------

SETTLED = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


class Journey:
    def __init__(self, browser, school: School, locale: str, viewport: dict, javascript: bool = True):
        self.school, self.locale, self.t = school, locale, Lang(locale)
        self.context = browser.new_context(
            viewport=viewport, locale=BROWSER_LOCALES[locale], java_script_enabled=javascript
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.documents: dict[str, str] = {}
        self.errors: list[str] = []
        self.closed = False
        # Script errors; a refused form (422) is expected, and said on the page.
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and not (
            m.text.startswith("Failed to load resource") and "422" in m.text) else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def url(self, path: str) -> str:
        return self.school.base + path

    def settle(self) -> None:
        """No htmx request or swap under way (polled with evaluate(), which the CSP allows)."""
        self.page.wait_for_load_state("load")
        for _ in range(200):
            if self.page.evaluate(SETTLED):
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"htmx never settled on {self.page.url}")

    def check(self, record: bool = False) -> None:
        """After a navigation or a swap: the page's language, axe-core, and (full pages) keep it for vnu."""
        self.settle()
        assert self.page.locator("html").get_attribute("lang") == self.locale, self.page.url
        assert_accessible(self.page)
        if record:
            self.record()

    def record(self) -> None:
        """The raw HTML of the page at this URL, fetched with the same cookies, for the Nu HTML Checker."""
        url = self.page.url
        key = f"{self.locale} {url.removeprefix(self.school.base)}"
        if key not in self.documents:
            response = self.page.request.get(url)
            assert response.status == 200, (url, response.status)
            self.documents[key] = response.text()

    def record_live(self, name: str) -> None:
        """The live DOM (after htmx swaps, or a page that answered a POST)."""
        self.documents[f"{self.locale} {name} (live)"] = self.page.content()

    def goto(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.check(record=True)

    def log_in(self, email: str) -> None:
        """Choose the journey's language on the login page (remembered for the user), then log in."""
        page = self.page
        page.goto(self.url("/login"))
        page.get_by_role("button", name=LANGUAGE_BUTTONS[self.locale]).click()
        self.check(record=True)
        page.get_by_label(self.t("E-mail address")).fill(email)
        page.get_by_label(self.t("Password")).fill(PASSWORD)
        page.locator("#login").get_by_role("button", name=self.t("Log in")).click()
        page.wait_for_url(lambda u: "/login" not in u)
        self.check(record=True)

    def finish(self) -> None:
        if self.documents:
            assert_valid_html(self.documents)
        assert self.errors == [], self.errors
        self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.close()


@pytest.fixture
def journeys(browser, school):
    opened: list[Journey] = []

    def _open(locale: str, viewport: dict = DESKTOP, javascript: bool = True) -> Journey:
        journey = Journey(browser, school, locale, viewport, javascript)
        opened.append(journey)
        return journey

    yield _open
    for journey in opened:
        journey.close()


def wtforms_text(locale: str, msgid: str) -> str:
    """A message of WTForms' own validators (DataRequired, ...) in `locale`, as Flask-WTF shows it."""
    from wtforms.i18n import get_translations

    return get_translations([locale]).gettext(msgid)


def moments_of(school: School, household_id: int):
    from school.contacts.models import ContactMoment
    from school.extensions import db

    def _load():
        rows = db.session.scalars(
            select(ContactMoment).where(ContactMoment.household_id == household_id).order_by(ContactMoment.id)
        )
        return [(m.form.code, m.reach.value, m.tone.value, m.occurred_on) for m in rows]

    return in_app(school, _load)


def family_id(page) -> int:
    match = re.search(r"/families/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


# --- 1. reception: an intake at the desk ----------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_reception_does_an_intake(journeys, school, locale):
    j = journeys(locale)
    page, t = j.page, j.t
    j.log_in(school.emails["onthaal"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Families"))
    page.get_by_role("button", name=t("New intake")).click()
    j.check(record=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("New intake"))

    surname = {"nl": "Wouters", "en": "Okafor"}[locale]
    page.get_by_label(t("What should the school know about the child?")).fill("Tekent graag.")
    page.locator("#contact_language").select_option("nl")
    page.locator("#caregivers-0-first_name").fill("Ines")
    page.locator("#caregivers-0-last_name").fill(surname)
    page.locator("#caregivers-0-kinship").select_option("mother")
    page.locator("#caregivers-0-phone").fill("0470 55 66 " + {"nl": "01", "en": "02"}[locale])
    page.locator("#children-0-first_name").fill("Noor")
    page.locator("#children-0-last_name").fill(surname)
    page.locator("#children-0-birth_date").fill("2019-05-06")
    page.locator("#children-0-class_id").select_option(label="L1A")
    # a second child: the row comes with an htmx swap of the form, nothing typed is lost
    page.get_by_role("button", name=t("Add a child")).click()
    page.locator("#children-1-first_name").wait_for()
    j.check()
    assert page.locator("#caregivers-0-first_name").input_value() == "Ines"
    page.locator("#children-1-first_name").fill("Sem")
    page.locator("#children-1-last_name").fill(surname)
    page.locator("#children-1-class_id").select_option(label="K2")
    page.locator("#agreements-0-form_id").select_option(label=t("Conversation at the school gate"))
    page.locator("#agreements-0-every_days").select_option("14")
    page.get_by_role("button", name=t("Finish intake")).click()
    page.wait_for_url(re.compile(r"/families/\d+$"))
    j.check(record=True)
    expect(page.locator("#family-name")).to_contain_text(surname)
    household_id = family_id(page)
    [(form, reach, _tone, on)] = moments_of(school, household_id)
    assert (form, reach) == ("enrolment_interview", "two_way")
    # the timeline gives the date in the locale's own format
    expect(page.locator("#timeline-moments time").first).to_have_text(t.day(on))

    # find the family again from the header: three letters, the results swap in
    page.locator("#header-q").press_sequentially("sem", delay=40)
    page.locator(f"#header-search-results #family-option-{household_id}").wait_for()
    j.check()
    page.keyboard.press("ArrowDown")
    with page.expect_navigation(url=re.compile(rf"/families/{household_id}$")):
        page.keyboard.press("Enter")
    j.check()
    j.finish()


# --- 2. a teacher on a phone: the gate, then the info evening -------------------


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["nl", "fr"])
def test_teacher_logs_a_gate_conversation_and_a_class_activity(journeys, school, locale):
    j = journeys(locale, PHONE)
    page, t = j.page, j.t
    j.log_in(school.teacher)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Log a contact"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    menu = page.locator("nav .role-nav a").evaluate_all(
        "links => links.map(a => [a.textContent, a.getBoundingClientRect().height])")
    assert menu and all(height >= 44 for _, height in menu), menu

    # one of her families, from the class list: the form swaps in
    family = page.locator("#family-results a.family-choice").nth({"nl": 0, "fr": 1}[locale])
    name = family.locator(".family-choice-name").inner_text()
    family.click()
    page.locator("#moment-form").wait_for()
    j.check(record=True)  # the pushed URL renders the same form as a full page
    assert_tap_targets(page)
    household_id = int(re.search(r"household_id=(\d+)", page.url).group(1))
    before = len(moments_of(school, household_id))

    # Save before choosing how: refused in place, the group says why, the focus goes there
    page.locator("#save-contact").click()
    page.locator("#form-picker .field-error").wait_for()
    j.check()
    described = page.locator("#form-picker").get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_have_text(t("Choose how you were in contact."))
    assert page.evaluate("!!document.activeElement.closest('#form-picker')")
    page.locator("#form-picker").get_by_text(t("Conversation at the school gate"), exact=True).first.click()
    page.locator("#tone").get_by_text(t("positive"), exact=True).click()
    page.locator("#more-fields summary").click()
    j.check()  # the disclosure open
    page.get_by_label(t("Short note (optional)")).fill("opvolgen in een rustig moment")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.locator("#saved-contact").wait_for()
    j.check()
    expect(page.locator("#saved-contact")).to_contain_text(t("Conversation at the school gate"))
    expect(page.locator("#today-list")).to_contain_text(t("Conversation at the school gate"))
    j.record_live("quick log saved")
    saved = moments_of(school, household_id)
    assert len(saved) == before + 1
    assert saved[-1][:3] == ("gate_conversation", "two_way", "positive")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the family page: the moment on the timeline, dated in the locale's format
    j.goto(f"/families/{household_id}")
    first = page.locator("#timeline-moments > li").first
    expect(first).to_contain_text(t("Conversation at the school gate"))
    expect(first.locator("time")).to_have_text(t.day(saved[-1][3]))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # the class activity: an information evening, three families came
    j.goto("/contacts/log")
    page.get_by_role("link", name=t("Class or school activity")).click()
    page.locator("#activity-form").wait_for()
    j.check(record=True)
    page.locator("#activity-kind").get_by_text(t("Information evening"), exact=True).click()
    boxes = page.locator("#attendance input[type=checkbox]")
    for index in range(3):
        boxes.nth(index).check()
    page.get_by_role("button", name=t("Save the activity")).click()
    page.locator("#saved-activity").wait_for()
    j.check()
    came = t.n("%(num)d family came.", "%(num)d families came.", 3)
    expect(page.locator("#saved-activity")).to_contain_text(came)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    j.record_live("activity saved")
    page.get_by_role("link", name=t("See or remove this activity")).click()
    j.check(record=True)
    assert name  # the family chosen at the start had a name to tap
    j.finish()


def assert_tap_targets(page) -> None:
    """Every button, radio label and link of the quick log's form is at least 44×44 px."""
    boxes = page.evaluate(
        """() => [...document.querySelector('#log-area').querySelectorAll(
            'label.choice, button, summary, a, input[type=date]')]
          .filter(el => el.offsetParent !== null)
          .map(el => { const r = el.getBoundingClientRect();
                       return {what: el.outerHTML.slice(0, 80), width: r.width, height: r.height}; })"""
    )
    assert len(boxes) >= 8
    small = [b for b in boxes if b["width"] < 44 or b["height"] < 44]
    assert small == [], small


# --- 3. care staff follow up a less-visible family until it is reached ----------


@pytest.mark.browser
def test_care_follows_up_a_less_visible_family_until_reached(journeys, school):
    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["zorg"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("My follow-ups"))
    page.locator("nav .role-nav").get_by_role("link", name=t("Less visible")).click()
    j.check(record=True)
    page.get_by_label(t("only families without a follow-up")).check()
    expect(page).to_have_url(re.compile(r"without_plan=1"))
    j.check(record=True)
    row = page.locator("#less-visible-list > li.lv-family").first
    family_name = row.locator(".lv-name").inner_text()
    row.get_by_role("link", name=re.compile(t("Plan a follow-up"))).click()
    j.check(record=True)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Plan a follow-up"))

    # a due date in the past: refused, and the message is announced with the field
    owner = page.get_by_label(t("Who follows up"))
    owner.select_option(owner.locator("option", has_text="Veerle Smets").get_attribute("value"))
    page.get_by_label(t("Approach")).select_option(label=t("phone call"))
    page.get_by_label(t("Due date")).fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name=t("Save"), exact=True).click()
    j.check()
    assert_announced(page, "#due_on", t("Choose today or a later day."))
    j.record_live("follow-up refused")
    page.get_by_label(t("Due date")).fill((dt.date.today() + dt.timedelta(days=7)).isoformat())
    page.get_by_label(t("Plan (optional)")).fill("Bellen na schooltijd")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.wait_for_url(re.compile(r"/families/\d+(#family-reach)?$"))
    j.check(record=True)
    expect(page.locator("#family-name")).to_have_text(family_name)
    # what the family told the school at the intake reads as words, not as codes
    facts = page.locator("#family-facts").inner_text()
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", facts), facts
    follow_up = page.locator("#family-reach .follow-up").first
    expect(follow_up).to_contain_text(t("phone call"))
    expect(follow_up).to_contain_text(t("open"))

    # she phones and reaches them: logged from the family page, the follow-up closes in place
    page.locator("#family-log-contact").click()
    page.locator("#log-area #moment-form").wait_for()
    j.check()
    choose_form(page.locator("#log-area"), t("Spontaneous phone call"))
    page.locator("#log-area").get_by_role("button", name=t("Save"), exact=True).click()
    page.locator("#log-area #saved-contact").wait_for()
    expect(page.locator("#family-reach .follow-up").first).to_contain_text(t("done"))
    j.check()
    j.record_live("family after the call")
    page.goto(j.url("/follow-ups"))
    j.check(record=True)
    expect(page.locator("#closed-follow-ups")).to_contain_text(family_name)
    j.finish()


def choose_form(scope, label: str) -> None:
    """Tap a contact form: one of the big favourites, or from 'Other contact forms'."""
    choice = scope.locator("#form-picker label.choice", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    if not choice.first.is_visible():
        scope.locator("#all-forms > summary").click()
    choice.locator("visible=true").first.click()


def assert_announced(page, selector: str, message: str) -> None:
    """The field says it is invalid and points to a visible message that says why."""
    field_ = page.locator(selector)
    assert field_.get_attribute("aria-invalid") == "true", selector
    described = (field_.get_attribute("aria-describedby") or "").split()
    texts = [page.locator(f"#{ident}") for ident in described]
    shown = [loc.inner_text() for loc in texts if loc.count() and loc.is_visible()]
    assert any(message in text for text in shown), (described, shown)


# --- 4. the director: the dashboard filtered, then printed ----------------------


@pytest.mark.browser
def test_director_filters_the_dashboard_and_prints_it(journeys, school):
    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["directie"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Contact dashboard"))
    page.evaluate("window.__sameDocument = true")
    page.get_by_label(t("Level"), exact=True).focus()
    page.get_by_label(t("Level"), exact=True).select_option("lager")
    expect(page).to_have_url(re.compile(r"level=lager"))
    j.check(record=True)
    page.get_by_label(t("Class"), exact=True).focus()
    page.get_by_label(t("Class"), exact=True).select_option(label=school.teacher_class)
    expect(page).to_have_url(re.compile(r"class=\d+"))
    expect(page.locator("#dashboard-live")).to_contain_text(t("The figures are updated:"))
    j.check(record=True)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#filter-class")).to_be_focused()
    page.locator("#dashboard-print-link").click()
    expect(page).to_have_url(re.compile(r"/dashboard/print\?.*class=\d+"))
    j.check(record=True)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#heatmap")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    j.finish()


# --- 5. the admin: a new teacher, then a class -----------------------------------


@pytest.mark.browser
def test_admin_creates_a_teacher_and_assigns_a_class(journeys, browser, school):
    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["beheer"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Accounts"))
    page.get_by_role("button", name=t("New account")).click()
    j.check(record=True)
    # saving without a name or password: each field says why
    page.get_by_role("button", name=t("Save"), exact=True).click()
    j.check()
    required = wtforms_text(j.locale, "This field is required.")
    assert_announced(page, "#name", required)
    assert_announced(page, "#password", required)
    j.record_live("new account refused")
    page.get_by_label(t("Name"), exact=True).fill("Tom Nieuw")
    page.get_by_label(t("E-mail address")).fill("tom.nieuw@delinde.example")
    page.get_by_label(t("Role")).select_option("teacher")
    page.get_by_label(t("Password")).fill("een lang wachtwoord voor Tom")
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.wait_for_load_state("load")
    j.check()
    page.goto(j.url("/admin/users"))
    j.check(record=True)
    row = page.locator("#user-list tr", has_text="Tom Nieuw")
    expect(row).to_contain_text(t("Teacher"))
    row.get_by_role("link", name="Tom Nieuw").click()
    j.check(record=True)
    page.locator("#user-form").get_by_label(school.teacher_class, exact=True).check()
    j.check()  # the class ticked
    page.get_by_role("button", name=t("Save"), exact=True).click()
    page.wait_for_load_state("load")
    j.check()
    j.record_live("account with a class")
    j.goto("/admin/users")
    expect(page.locator("#user-list tr", has_text="Tom Nieuw")).to_contain_text(school.teacher_class)
    j.finish()

    # and Tom, on his phone, finds the families of his class on the quick log
    tom = Journey(browser, school, "nl", PHONE)
    tom.page.goto(tom.url("/login"))
    tom.page.get_by_label("E-mailadres").fill("tom.nieuw@delinde.example")
    tom.page.get_by_label("Wachtwoord").fill("een lang wachtwoord voor Tom")
    tom.page.locator("#login").get_by_role("button", name="Aanmelden").click()
    tom.page.wait_for_url(re.compile(r"/contacts/log$"))
    expect(tom.page.locator("#family-results")).to_contain_text(school.teacher_class)
    assert tom.page.locator("#family-results a.family-choice").count() > 10
    tom.close()


# --- the keyboard alone ----------------------------------------------------------

# The focused element, whether it is on screen, and its focus ring: an outline of 2px or
# more, or a box-shadow ring that is there only while it has the focus.
FOCUS = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  // A radio drawn as a button is visually hidden; its label's box shows the focus.
  const shown = (el.matches('.choice input') ? el.nextElementSibling : el);
  const style = getComputedStyle(shown);
  const r = shown.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== 'none' && !/ 0px 0px 0px 0px|rgba\(0, 0, 0, 0\)/.test(style.boxShadow);
  return {
    tag: el.tagName, id: el.id, type: el.type || '', text: (el.innerText || el.value || '').slice(0, 40),
    cls: String(el.className), outline: style.outlineStyle + ' ' + style.outlineWidth,
    shadow: style.boxShadow, ring: outline || shadow,
    visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
      && style.visibility !== 'hidden',
  };
}"""


def tab(page, key: str = "Tab") -> dict:
    page.keyboard.press(key)
    focus = page.evaluate(FOCUS)
    assert focus is not None, key
    assert focus["visible"] and focus["ring"], focus
    return focus


def tab_to(page, predicate, limit: int = 60, key: str = "Tab") -> dict:
    for _ in range(limit):
        focus = tab(page, key)
        if predicate(focus):
            return focus
    raise AssertionError("never reached with the keyboard")


@pytest.mark.browser
def test_login_and_the_gate_log_with_the_keyboard_alone(journeys, school):
    forget_language(school, school.teacher)
    j = journeys("nl", PHONE)
    page, t = j.page, j.t
    page.goto(j.url("/login"))
    focus = tab(page)
    assert focus["text"] == t("Skip to content")
    tab_to(page, lambda f: f["id"] == "email")
    page.keyboard.type(school.teacher)
    tab(page)
    page.keyboard.type("not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    j.check()
    # the error is announced with the field, the e-mail address is kept
    assert_announced(page, "#password", t("That e-mail address and password do not match an active account."))
    assert page.locator("#email").input_value() == school.teacher
    tab_to(page, lambda f: f["id"] == "password")
    page.keyboard.type(PASSWORD)
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == t("Log in"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/contacts/log$"))
    j.check()

    # the first family of her class, chosen with Tab and Enter
    tab_to(page, lambda f: f["tag"] == "A" and "family-choice" in f["cls"])
    page.keyboard.press("Enter")
    page.locator("#moment-form").wait_for()
    j.check()
    household_id = int(re.search(r"household_id=(\d+)", page.url).group(1))
    before = len(moments_of(school, household_id))
    # into the form: the contact forms are one radio group, the arrow keys choose
    focus = tab_to(page, lambda f: f["type"] == "radio")
    gate = page.locator("#form-picker label.choice", has_text=t("Conversation at the school gate")).first
    gate_id = gate.get_attribute("for")
    for _ in range(12):
        if focus["id"] == gate_id:
            break
        focus = tab(page, "ArrowRight")
    assert focus["id"] == gate_id
    assert page.locator(f"#{gate_id}").is_checked()
    # the tone: Tab past "Other contact forms" into the next group, an arrow to "concern"
    focus = tab_to(page, lambda f: f["id"].startswith("tone-"), limit=3)
    focus = tab_to(page, lambda f: f["id"] == "tone-concern", limit=4, key="ArrowRight")
    page.keyboard.press("Space")
    # Shift+Tab goes back to the chosen contact form, Tab returns to the tone
    assert tab_to(page, lambda f: f["type"] == "radio", limit=3, key="Shift+Tab")["id"] == gate_id
    assert tab_to(page, lambda f: f["type"] == "radio", limit=3)["id"] == "tone-concern"
    tab_to(page, lambda f: f["id"] == "save-contact")
    page.keyboard.press("Enter")
    page.locator("#saved-contact").wait_for()
    j.check()
    saved = moments_of(school, household_id)
    assert len(saved) == before + 1 and saved[-1][:3] == ("gate_conversation", "two_way", "concern")
    # after saving, the focus lands on the confirmation so a screen reader hears it
    # and the next Tab goes on from there, not from the top of the page
    focus = tab(page)
    assert page.evaluate("!!document.activeElement.closest('#saved-contact, #log-area')"), focus
    j.finish()


def choose_with_arrows(page, select_id: str, wanted: str, limit: int = 30, settle=None) -> None:
    """On a focused <select>, ArrowDown until the option whose text contains `wanted` is chosen.

    `settle` waits after each key for what the change started (the dashboard's
    filters reload the figures on every change, and a newer one aborts the older).
    """
    for _ in range(limit):
        if wanted in page.evaluate(f"document.getElementById('{select_id}').selectedOptions[0].text"):
            return
        focus = tab(page, "ArrowDown")
        assert focus["id"] == select_id, focus
        if settle:
            settle()
    raise AssertionError(f"{wanted!r} is not an option of #{select_id}")


def type_date(page, field_id: str, day: dt.date) -> None:
    """Type a date into the focused date field, part by part (each part moves on by itself).

    Chromium orders the parts by its own language, not the page's: day first
    where it speaks Dutch, month first in English. Try day first; if the field
    did not get the date, Shift+Tab back to the first part and type month first.
    """
    for order in ("%d%m%Y", "%m%d%Y"):
        page.keyboard.type(day.strftime(order))
        if page.locator(f"#{field_id}").input_value() == day.isoformat():
            return
        for _ in range(2):
            assert tab(page, "Shift+Tab")["id"] == field_id
    raise AssertionError(f"#{field_id} did not take {day} from the keyboard")


@pytest.mark.browser
def test_a_follow_up_planned_with_the_keyboard_alone(journeys, school):
    from school.extensions import db
    from school.visibility.models import FollowUp

    def latest():
        row = db.session.scalars(select(FollowUp).order_by(FollowUp.id.desc())).first()
        return row and (row.id, row.household_id, row.owner.name, row.approach.value, row.due_on, row.note)

    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["zorg"])
    before = in_app(school, latest)
    j.goto("/less-visible?without_plan=1")
    # the first family's "Plan a follow-up" link, with Tab and Enter
    tab_to(page, lambda f: f["tag"] == "A" and f["text"].startswith(t("Plan a follow-up")), limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    j.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Plan a follow-up"))
    household_id = family_id(page)
    # each field in turn: the owner and the approach with the arrow keys, the date and the plan typed
    tab_to(page, lambda f: f["id"] == "owner")
    choose_with_arrows(page, "owner", "Veerle Smets")
    tab_to(page, lambda f: f["id"] == "approach", limit=3)
    choose_with_arrows(page, "approach", t("home visit"))
    tab_to(page, lambda f: f["id"] == "due_on", limit=3)
    due = dt.date.today() + dt.timedelta(days=9)
    type_date(page, "due_on", due)
    tab_to(page, lambda f: f["id"] == "note", limit=5)
    page.keyboard.type("Huisbezoek met de brugfiguur")
    save = tab_to(page, lambda f: f["tag"] == "BUTTON", limit=3)
    assert save["text"] == t("Save")
    with page.expect_navigation(url=re.compile(rf"/families/{household_id}(#family-reach)?$")):
        page.keyboard.press("Enter")
    j.check(record=True)
    saved = in_app(school, latest)
    assert saved != before
    assert saved[1:] == (household_id, "Veerle Smets", "home_visit", due, "Huisbezoek met de brugfiguur")
    expect(page.locator("#family-reach .follow-up").first).to_contain_text(t("home visit"))
    j.finish()


@pytest.mark.browser
def test_the_dashboard_filters_with_the_keyboard_alone(journeys, school):
    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["directie"])
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Contact dashboard"))
    page.evaluate("window.__sameDocument = true")
    # the level: an arrow key changes it, the figures follow, the focus stays on the filter
    tab_to(page, lambda f: f["id"] == "filter-level")
    choose_with_arrows(page, "filter-level", t("Primary (lager)"), settle=j.settle)
    expect(page).to_have_url(re.compile(r"level=lager"))
    j.check(record=True)
    expect(page.locator("#filter-level")).to_be_focused()
    assert page.evaluate(FOCUS)["ring"]
    # the class, the next stop
    focus = tab(page)
    assert focus["id"] == "filter-class", focus
    choose_with_arrows(page, "filter-class", school.teacher_class, settle=j.settle)
    expect(page).to_have_url(re.compile(r"class=\d+"))
    expect(page.locator("#dashboard-live")).to_contain_text(t("The figures are updated:"))
    j.check(record=True)
    expect(page.locator("#filter-class")).to_be_focused()
    assert page.evaluate(FOCUS)["ring"]
    # "Show" is a stop too; Enter on it keeps the filters
    focus = tab(page)
    assert focus["tag"] == "BUTTON" and focus["text"] == t("Show"), focus
    page.keyboard.press("Enter")
    j.settle()
    expect(page).to_have_url(re.compile(r"level=lager.*class=\d+|class=\d+.*level=lager"))
    # the button was swapped out: the focus went to the new figures' first heading, not to the top
    focus = page.evaluate(FOCUS)
    assert focus["tag"] == "H2" and focus["ring"] and page.evaluate(
        "!!document.activeElement.closest('#dashboard-view')"), focus
    # back up to the print view with Shift+Tab, and Enter
    tab_to(page, lambda f: f["id"] == "dashboard-print-link", limit=10, key="Shift+Tab")
    with page.expect_navigation(url=re.compile(r"/dashboard/print\?.*class=\d+")):
        page.keyboard.press("Enter")
    j.check(record=True)
    assert page.evaluate("window.__sameDocument || false") is False  # a real page
    j.finish()



@pytest.mark.browser
def test_an_intake_with_the_keyboard_alone(journeys, school):
    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["onthaal"])
    expect(page.locator("#family-q")).to_be_focused()  # the search has the focus; "New intake" is above it
    tab_to(page, lambda f: f["id"] == "new-intake", limit=10, key="Shift+Tab")
    with page.expect_navigation(url=re.compile(r"/families/intake$")):
        page.keyboard.press("Enter")
    j.check()

    def type_into(field_id: str, text: str, limit: int = 80) -> None:
        tab_to(page, lambda f: f["id"] == field_id, limit=limit)
        page.keyboard.type(text)

    def choose(field_id: str, text: str, limit: int = 10) -> None:
        tab_to(page, lambda f: f["id"] == field_id, limit=limit)
        choose_with_arrows(page, field_id, text)

    type_into("caregivers-0-first_name", "Yusuf")
    type_into("caregivers-0-last_name", "Toetsenbord", limit=3)
    choose("caregivers-0-kinship", page.locator("#caregivers-0-kinship option[value=father]").inner_text())
    type_into("children-0-first_name", "Lina", limit=20)
    page.keyboard.press("Enter")  # Enter in a text field never sends the half-typed intake
    expect(page).to_have_url(re.compile(r"/families/intake$"))
    type_into("children-0-last_name", "Toetsenbord", limit=3)
    choose("children-0-class_id", school.teacher_class)
    # a second child with the keyboard: the new row's first field gets the focus
    tab_to(page, lambda f: f["tag"] == "BUTTON" and t("Add a child") in f["text"], limit=15)
    page.keyboard.press("Enter")
    expect(page.locator("#children-1-first_name")).to_be_focused()
    assert page.evaluate(FOCUS)["ring"]
    j.check()
    assert page.locator("#caregivers-0-first_name").input_value() == "Yusuf"  # nothing typed is lost
    page.keyboard.type("Adam")
    type_into("children-1-last_name", "Toetsenbord", limit=3)
    finish = tab_to(page, lambda f: f["id"] == "finish-intake", limit=60)
    assert finish["text"] == t("Finish intake")
    # the second child has no class yet: the answer says so, and the focus is on the message
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#form-errors")).to_be_focused()
    j.check()
    assert_announced(page, "#children-1-class_id", t("Choose the child's class."))
    choose("children-1-class_id", school.teacher_class, limit=60)
    tab_to(page, lambda f: f["id"] == "finish-intake", limit=60)
    with page.expect_navigation(url=re.compile(r"/families/\d+$")):
        page.keyboard.press("Enter")
    j.check(record=True)
    expect(page.locator("#family-name")).to_contain_text("Toetsenbord")
    expect(page.locator("body")).to_contain_text("Adam")
    [(form, reach, _tone, _on)] = moments_of(school, family_id(page))
    assert (form, reach) == ("enrolment_interview", "two_way")
    j.finish()


@pytest.mark.browser
def test_admin_creates_a_teacher_with_the_keyboard_alone(journeys, school):
    from school.accounts.models import User
    from school.extensions import db

    j = journeys("nl")
    page, t = j.page, j.t
    j.log_in(school.emails["beheer"])
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == t("New account"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    j.check()
    tab_to(page, lambda f: f["id"] == "name")
    page.keyboard.type("Kim Toets")
    tab_to(page, lambda f: f["id"] == "email", limit=3)
    page.keyboard.type("kim.toets@delinde.example")
    tab_to(page, lambda f: f["id"] == "role", limit=3)
    choose_with_arrows(page, "role", t("Teacher"))
    tab_to(page, lambda f: f["id"] == "password", limit=5)
    page.keyboard.type("een lang wachtwoord voor Kim")
    # the class: Tab through the checkboxes to it, Space ticks it
    box = page.locator("#user-form").get_by_label(school.teacher_class, exact=True)
    box_id = box.get_attribute("id")
    tab_to(page, lambda f: f["id"] == box_id, limit=40)
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == t("Save"), limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    j.check()

    def kim():
        user = db.session.scalar(select(User).where(User.email == "kim.toets@delinde.example"))
        return user and (user.name, user.role.value, sorted(c.name for c in user.classes))

    assert in_app(school, kim) == ("Kim Toets", "teacher", [school.teacher_class])
    j.finish()


# --- without JavaScript -----------------------------------------------------------


def plain_log_in(j: Journey, email: str, *, go: bool = True) -> None:
    """Log in with the login form as it is (in whatever language the page speaks)."""
    if go:
        j.page.goto(j.url("/login"))
    j.page.locator("#email").fill(email)
    j.page.locator("#password").fill(PASSWORD)
    j.page.locator("#login button[type=submit]").click()
    j.page.wait_for_url(lambda u: "/login" not in u)


@pytest.mark.browser
def test_the_core_forms_work_without_javascript(journeys, school):
    # (CSS selectors here: role queries timed out now and then in a context without JavaScript)
    # a teacher: log in, log a contact, plan a follow-up
    forget_language(school, school.teacher)
    forget_language(school, school.emails["onthaal"])
    j = journeys("nl", PHONE, javascript=False)
    page, t = j.page, j.t
    plain_log_in(j, school.teacher)
    assert page.url.endswith("/contacts/log")
    page.locator("#family-q").fill(page.locator("#family-results .family-choice-name").first.inner_text()[:4])
    page.locator("#family-filter button[type=submit]").click()
    page.locator("#family-results a.family-choice").first.click()
    page.locator("#moment-form").wait_for()
    household_id = int(re.search(r"household_id=(\d+)", page.url).group(1))
    before = len(moments_of(school, household_id))
    choose_form(page, t("Conversation at the school gate"))
    page.locator("#save-contact").click()
    page.locator("#saved-contact").wait_for()
    assert len(moments_of(school, household_id)) == before + 1
    j.record_live("saved without JavaScript")

    page.goto(j.url(f"/families/{household_id}/follow-ups/new"))
    page.get_by_label(t("Approach")).select_option(label=t("home visit"))
    page.get_by_label(t("Due date")).fill((dt.date.today() + dt.timedelta(days=10)).isoformat())
    page.locator("#follow-up-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/families/{household_id}(#family-reach)?$"))
    expect(page.locator("#family-reach .follow-up").first).to_contain_text(t("home visit"))

    # reception: an intake saved part-way, then finished
    r = journeys("nl", DESKTOP, javascript=False)
    plain_log_in(r, school.emails["onthaal"])
    r.page.locator("#new-intake").click()
    r.page.locator("#caregivers-0-first_name").fill("Lotte")
    r.page.locator("#caregivers-0-last_name").fill("Zonderjs")
    r.page.locator("#caregivers-0-kinship").select_option("mother")
    r.page.locator("#save-draft").click()
    r.page.wait_for_url(re.compile(r"/families/\d+/edit$"))
    r.record_live("intake part-way")
    r.page.locator("#children-0-first_name").fill("Mila")
    r.page.locator("#children-0-last_name").fill("Zonderjs")
    r.page.locator("button[name=add_child]").click()  # a real submit without JavaScript
    r.page.locator("#children-1-first_name").fill("Jules")
    r.page.locator("#children-1-last_name").fill("Zonderjs")
    r.page.locator("#children-0-class_id").select_option(label="L3")
    r.page.locator("#children-1-class_id").select_option(label="K3")
    r.page.locator("#finish-intake").click()
    r.page.wait_for_url(re.compile(r"/families/\d+$"))
    expect(r.page.locator("#family-children")).to_contain_text("Jules Zonderjs")
    expect(r.page.locator("#family-children")).to_contain_text("Mila Zonderjs")
    assert [m[0] for m in moments_of(school, family_id(r.page))] == ["enrolment_interview"]
    r.record_live("family after intake")
    assert_valid_html({**j.documents, **r.documents})


# --- languages --------------------------------------------------------------------


@pytest.mark.browser
def test_the_language_choice_is_remembered_per_user(journeys, school):
    from school.accounts import service
    from school.accounts.models import Role

    in_app(school, lambda: service.create_user(
        name="Lise Taal", email="lise.taal@delinde.example", role=Role.CARE, password=PASSWORD))
    first = journeys("nl")
    first.page.goto(first.url("/login"))
    assert first.page.locator("html").get_attribute("lang") == "nl"
    first.page.get_by_role("button", name="Français").click()
    assert first.page.locator("html").get_attribute("lang") == "fr"
    plain_log_in(first, "lise.taal@delinde.example", go=False)
    assert first.page.locator("html").get_attribute("lang") == "fr"
    fr = Lang("fr")
    first.page.locator(".account-links").get_by_role("button", name=fr("Log out")).click()
    first.page.wait_for_url(re.compile(r"/login"))
    # logged out, the page follows the browser again (the next person at this computer)
    assert first.page.locator("html").get_attribute("lang") == "nl"

    # another browser, which asks for English: before logging in the page follows the
    # browser, after logging in her own choice wins
    other = journeys("en")
    other.page.goto(other.url("/login"))
    assert other.page.locator("html").get_attribute("lang") == "en"
    plain_log_in(other, "lise.taal@delinde.example", go=False)
    assert other.page.locator("html").get_attribute("lang") == "fr"
    expect(other.page.get_by_role("heading", level=1)).to_have_text(fr("My follow-ups"))


@pytest.mark.parametrize("locale, date, share, count", [
    ("nl", "4 dec 2026", "90%", "3.024"), ("fr", "4 déc. 2026", "90\xa0%", "3\u202f024"),
    ("en", "Dec 4, 2026", "90%", "3,024"),
])
def test_dates_and_numbers_per_locale(school, locale, date, share, count):
    """The formats Babel gives for each locale, and the dashboard's figures use them."""
    from flask_babel import force_locale

    from school.i18n import percent

    with school.app.test_request_context(), force_locale(locale):
        assert school.app.jinja_env.filters["day"](dt.date(2026, 12, 4)) == date
        assert percent(90) == share == format_percent(0.9, locale=locale)
        counted = school.app.jinja_env.from_string(
            '{{ ngettext("%(num)d contact moment", "%(num)d contact moments", n) }}').render(n=3024)
        assert counted == Lang(locale).n("%(num)d contact moment", "%(num)d contact moments", 3024).replace(
            "3024", count)
        assert count in counted
    client = school.app.test_client()  # CSRF is on in this module: take the token from each form

    def token(path: str) -> str:
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(path).get_data(
            as_text=True)).group(1)

    client.post("/language", data={"locale": locale, "csrf_token": token("/login")})
    response = client.post("/login", data={
        "email": school.emails["directie"], "password": PASSWORD, "csrf_token": token("/login")})
    assert response.status_code == 302
    html = client.get("/dashboard/").get_data(as_text=True)
    assert f'<html lang="{locale}">' in html
    goal = Lang(locale)("Goal: %(goal)s", goal=share)
    assert goal in html


def test_the_demo_families_use_the_intakes_own_choices(school):
    from school.families import intake
    from school.families.models import Household

    def _codes():
        from school.extensions import db

        households = db.session.scalars(select(Household)).all()
        return ({c for h in households for c in h.preferred_channels or []},
                {c for h in households for c in h.preferred_times or []})

    channels, times = in_app(school, _codes)
    assert channels and channels <= set(intake.CHANNELS)
    assert times and times <= set(intake.TIMES)
