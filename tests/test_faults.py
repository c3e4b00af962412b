"""Faults lose nothing: a locked database, a full disk, a killed writer.

SQLite only (the file, its locks and its page limit are what is tested);
PostgreSQL's own locking is exercised by the rest of the suite.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event, select

from school.audit import AuditEvent
from school.contacts.models import ContactMoment
from school.extensions import db
from school.families.models import Household
from tests.factories.app import TEST_PASSWORD, browser_login, fresh_app, login, serve
from tests.factories.intake import intake_data
from tests.factories.reads import count, form_id, moments
from tests.factories.small_school import build_school

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="faults of the SQLite file"
)

TOKEN = "tok-fault-" + "b" * 22


@pytest.fixture
def quick_app(database_url, tmp_path):
    """The test app, with a short busy timeout so a held lock shows quickly."""
    yield from fresh_app(database_url, tmp_path, SQLITE_BUSY_TIMEOUT=0.2)


def _sqlite_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def _logged_in_htmx(app, make_user_in, school):
    client = app.test_client()
    user = make_user_in(app, school)
    assert login(client, app, user).status_code == 302
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


def _teacher(app, school) -> int:
    from school.accounts import service
    from school.accounts.models import Role

    with app.app_context():
        return service.create_user(
            name="Juf Fout", email="fout@school.test", role=Role.TEACHER,
            password=TEST_PASSWORD, class_ids=[school.class_a],
        ).id


def _post(client, app, school, note="opvolgen in een rustig moment"):
    return client.post("/contacts/log", data={
        "household_id": school.households["Peeters"],
        "form_id": school.gate_form,
        "submission_token": TOKEN,
        "note": note,
    })


def test_a_lock_held_past_the_timeout_says_try_again_and_writes_nothing(quick_app):
    app = quick_app
    school = build_school(app)
    school.gate_form = form_id(app, "gate_conversation")
    client = _logged_in_htmx(app, _teacher, school)
    with app.app_context():
        events_before = count(app, AuditEvent)
    holder = sqlite3.connect(_sqlite_path(app), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = _post(client, app, school)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Er is niets opgeslagen" in html and "probeer het opnieuw" in html
    # htmx puts the message beside the form, which keeps what was typed.
    assert response.headers["HX-Retarget"] == "#request-problem"
    assert "<form" not in html
    assert moments(app) == []
    assert count(app, AuditEvent) == events_before
    # Once the lock is gone the same submission saves, once.
    assert _post(client, app, school).status_code == 200
    assert len(moments(app)) == 1


class _HeldLock:
    """Another writer holding SQLite's write lock for the length of a `with`."""

    def __init__(self, app):
        self.path = _sqlite_path(app)

    def __enter__(self):
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *_exc):
        self.holder.execute("ROLLBACK")
        self.holder.close()


def _form_of(html: str, action: str) -> str:
    """The <form> that posts to `action`, as text."""
    start = html.index(f'action="{action}"')
    return html[html.rindex("<form", 0, start):html.index("</form>", start)]


def test_without_javascript_a_busy_quick_log_shows_the_form_again_with_the_note(quick_app):
    app = quick_app
    school = build_school(app)
    school.gate_form = form_id(app, "gate_conversation")
    client = app.test_client()
    assert login(client, app, _teacher(app, school)).status_code == 302
    note = "Mama vraagt een gesprek over de zwemles"
    with app.app_context():
        events_before = count(app, AuditEvent)
    with _HeldLock(app):
        response = _post(client, app, school, note=note)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "HX-Retarget" not in response.headers
    html = response.get_data(as_text=True)
    assert "Er is niets opgeslagen" in html and "probeer het opnieuw" in html
    form = _form_of(html, "/contacts/log")
    assert note in form  # in the note field, ready to send again
    assert TOKEN in form  # the same submission: sending it again saves it once
    assert moments(app) == []
    assert count(app, AuditEvent) == events_before
    # Sent again from that form once the lock is gone: saved, once.
    assert _post(client, app, school, note=note).status_code == 302
    assert _post(client, app, school, note=note).status_code == 302
    assert [m["note"] for m in moments(app)] == [note]


def test_without_javascript_a_busy_intake_shows_the_form_again_with_what_was_typed(quick_app):
    from school.accounts import service
    from school.accounts.models import Role
    from school.families.models import Household, InfoTopic

    app = quick_app
    school = build_school(app)
    client = app.test_client()
    with app.app_context():
        user = service.create_user(name="Onthaal", email="onthaal@school.test", role=Role.RECEPTION,
                                   password=TEST_PASSWORD).id
        topics = list(db.session.scalars(select(InfoTopic.id)))
    assert login(client, app, user).status_code == 302
    data = intake_data({"1a": school.class_a, "k2": school.class_b, "topics": topics,
                        "gate": form_id(app, "gate_conversation")})
    with app.app_context():
        households_before = count(app, Household)
    with _HeldLock(app):
        response = client.post("/families/intake", data=data)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Er is niets opgeslagen" in html
    assert "needs attention" not in html and "aandacht" not in html  # no field is wrong
    form = _form_of(html, "/families/intake")
    for typed in ("Zoë houdt van tekenen.", "Berichten graag mondeling.", "Ayşe", "+32 470 12 34 56"):
        assert typed in form
    assert count(app, Household) == households_before
    assert client.post("/families/intake", data=data).status_code == 302
    assert count(app, Household) == households_before + 1


def test_a_full_disk_rolls_back_everything_and_reads_keep_working(quick_app):
    app = quick_app
    school = build_school(app)
    school.gate_form = form_id(app, "gate_conversation")
    client = _logged_in_htmx(app, _teacher, school)
    with app.app_context():
        engine = db.engine
        events_before = count(app, AuditEvent)

    def no_room(dbapi_connection, _record):
        dbapi_connection.execute("VACUUM")  # no free pages left to fill
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    with app.app_context():
        engine.dispose()  # new connections get the limit
    event.listen(engine, "connect", no_room)
    try:
        # Five families with the longest note: more than the one page a table has.
        response = client.post("/contacts/log/several", data={
            "household_ids": list(school.households.values())[:5],
            "form_id": school.gate_form,
            "submission_token": TOKEN,
            "note": "opvolgen " * 111,
        })
        assert response.status_code == 503
        assert "geen plaats meer" in response.get_data(as_text=True)
        assert count(app, ContactMoment) == 0
        assert count(app, AuditEvent) == events_before
        # Reading still works while the disk is full.
        page = client.get("/contacts/log", headers={"HX-Request": ""})
        assert page.status_code == 200 and "Emma Peeters" in page.get_data(as_text=True)
    finally:
        event.remove(engine, "connect", no_room)
        with app.app_context():
            engine.dispose()


KILLED_WRITER = textwrap.dedent("""
    import os, signal, sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("BEGIN IMMEDIATE")
    for i in range(500):
        con.execute(
            "INSERT INTO audit_events (action, at, detail) VALUES (?, CURRENT_TIMESTAMP, '{}')",
            (f"half-written-{i}",),
        )
    print("inserted", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_a_writer_killed_mid_transaction_leaves_no_rows_and_an_intact_file(app):
    path = _sqlite_path(app)
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, path], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == -signal.SIGKILL
    assert "inserted" in result.stdout
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute(
            "SELECT count(*) FROM audit_events WHERE action LIKE 'half-written-%'"
        ).fetchone()[0] == 0
    finally:
        con.close()


@pytest.fixture
def quick_server(quick_app):
    """quick_app served on a free loopback port in a thread (as conftest's live_server)."""
    with serve(quick_app) as base_url:
        yield base_url


@pytest.mark.browser
def test_in_the_browser_a_busy_save_keeps_the_typed_note_in_its_field(quick_app, quick_server, page):
    app = quick_app
    school = build_school(app)
    _teacher(app, school)
    browser_login(page, quick_server, "fout@school.test")
    page.goto(f"{quick_server}/contacts/log?household_id={school.households['Peeters']}")
    page.get_by_text("Gesprek aan de schoolpoort", exact=True).first.click()
    page.locator("#more-fields > summary").click()
    note = page.locator("#moment-form textarea[name=note]")
    note.fill("Papa vraagt of de turnzak mee moet")
    page.evaluate("window.__marker = 'no reload'")
    with _HeldLock(app):
        def the_post(r) -> bool:
            return r.url.endswith("/contacts/log") and r.request.method == "POST"

        with page.expect_response(the_post) as sent:
            page.get_by_role("button", name="Bewaren").click()
        assert sent.value.status == 503
        page.locator("#request-problem-text").wait_for()
    assert "probeer het opnieuw" in page.locator("#request-problem").inner_text()
    assert page.evaluate("window.__marker") == "no reload"
    assert note.input_value() == "Papa vraagt of de turnzak mee moet"
    assert page.get_by_role("button", name="Bewaren").is_enabled()
    assert moments(app) == []
    # The lock is gone: the same button saves it, and the message goes.
    page.get_by_role("button", name="Bewaren").click()
    page.locator("#saved-contact").wait_for()
    assert page.locator("#request-problem").inner_text() == ""
    assert [m["note"] for m in moments(app)] == ["Papa vraagt of de turnzak mee moet"]


def test_after_its_commit_a_request_reads_without_holding_the_write_lock(quick_app):
    """Rendering the answer to a POST must not keep other writers waiting; a later change still
    takes the write lock when its transaction begins."""
    app = quick_app
    school = build_school(app)

    def another_writer_can_start() -> bool:
        other = sqlite3.connect(_sqlite_path(app), isolation_level=None, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    with app.test_request_context("/contacts/log", method="POST"):
        db.session.scalars(select(ContactMoment)).all()
        assert not another_writer_can_start()  # a POST's transaction takes the lock up front
        db.session.commit()
        db.session.scalars(select(ContactMoment)).all()  # rendering the answer: reading only
        assert another_writer_can_start()
        db.session.rollback()
        household = db.session.get(Household, next(iter(school.households.values())))
        household.display_name = "Gezin Peeters-Janssens"
        db.session.flush()  # a change after the commit begins IMMEDIATE again
        assert not another_writer_can_start()
        db.session.rollback()


def test_a_family_page_viewed_while_someone_else_saves_is_shown_and_audited(quick_app):
    """A page view reads, then writes its audit event. Another writer committing in between must
    not make it fail: SQLite refuses a deferred transaction that has read the lock at once."""
    app = quick_app
    school = build_school(app)
    household_id = school.households["Peeters"]
    client = app.test_client()
    assert login(client, app, _teacher(app, school)).status_code == 302
    interleaved = []

    def someone_else_saves(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO audit_events") and not interleaved:
            other = sqlite3.connect(_sqlite_path(app), isolation_level=None)
            other.execute("INSERT INTO login_failures (key, source, at) "
                          "VALUES ('elsewhere', 'elsewhere', '2026-01-01 08:00:00')")
            other.close()
            interleaved.append(True)

    with app.app_context():
        events_before = count(app, AuditEvent)
        event.listen(db.engine, "before_cursor_execute", someone_else_saves)
    try:
        response = client.get(f"/families/{household_id}")
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", someone_else_saves)
    assert interleaved
    assert response.status_code == 200
    assert "Gezin Peeters" in response.get_data(as_text=True)
    with app.app_context():
        assert count(app, AuditEvent) == events_before + 1
        viewed = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (viewed.action, viewed.household_ref) == ("family.viewed", str(household_id))
