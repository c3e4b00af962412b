"""Many teachers logging at once through the production server lose nothing.

Gunicorn with several worker processes (the README's production command) on a
free loopback port, on the suite's database; a bounded number of concurrent
quick-log writes, half of them sent twice as a phone on flaky Wi-Fi would.
Every write must be answered with success and saved exactly once.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories.app import TEST_PASSWORD
from tests.factories.reads import form_id, moments
from tests.factories.recount import recounted_rows, stored_rows
from tests.factories.small_school import build_school

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 6
WRITES_PER_CLIENT = 15
WORKERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Gunicorn:
    base: str
    master: subprocess.Popen

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master), from /proc."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == self.master.pid:
                found.append(int(stat.parent.name))
        return found


@pytest.fixture
def gunicorn_server(app, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "load-test-" + "k" * 32,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "app:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=10).read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None:
                pytest.fail(f"gunicorn stopped: {server.stdout.read()}")
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not answer in 30 s")
    yield Gunicorn(base, server)
    server.terminate()
    server.wait(timeout=15)


@pytest.fixture
def production_server(gunicorn_server):
    return gunicorn_server.base


class Phone:
    """One teacher's browser: a cookie jar and the CSRF token of her pages."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def csrf(self, path: str) -> str:
        html = self.opener.open(self.base + path, timeout=20).read().decode()
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def post(self, path: str, data: dict, headers: dict | None = None) -> int:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {}, method="POST")
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_concurrent_quick_logs_from_several_workers_are_each_saved_once(app, make_user, production_server):
    school = build_school(app)
    gate = form_id(app, "gate_conversation")
    families = [school.households[f] for f in ("Peeters", "El Amrani", "Nowak", "Janssens", "Diallo")]
    teachers = [
        make_user("teacher", email=f"load{i}@school.test", classes=(school.class_a,)) for i in range(CLIENTS)
    ]

    def one_teacher(index: int) -> list[tuple[str, int]]:
        phone = Phone(production_server)
        token = phone.csrf("/login")
        status = phone.post("/login", {"csrf_token": token, "email": f"load{index}@school.test",
                                       "password": TEST_PASSWORD})
        assert status == 302, status
        csrf = phone.csrf("/contacts/log")
        answers = []
        for n in range(WRITES_PER_CLIENT):
            submission = f"load-{index:02d}-{n:03d}-" + "x" * 16
            data = {"csrf_token": csrf, "household_id": families[n % len(families)], "form_id": gate,
                    "submission_token": submission}
            headers = {"HX-Request": "true", "X-CSRFToken": csrf}
            answers.append((submission, phone.post("/contacts/log", data, headers)))
            if n % 2:  # the response got lost on the way: the phone sends it again
                answers.append((submission, phone.post("/contacts/log", data, headers)))
        return answers

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = [a for answers in pool.map(one_teacher, range(len(teachers))) for a in answers]
    elapsed = time.monotonic() - started

    failures = [(token, status) for token, status in results if status != 200]
    assert failures == []
    saved = moments(app)
    tokens = sorted(m["token"] for m in saved)
    expected = sorted({token for token, _status in results})
    assert len(expected) == CLIENTS * WRITES_PER_CLIENT
    assert tokens == expected  # every write once, none twice
    assert elapsed < 120


def _lost_or_status(phone: Phone, path: str, data: dict, headers: dict) -> int:
    """The answer's status, or 0 when the connection broke (its worker was killed)."""
    try:
        return phone.post(path, data, headers)
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError):
        return 0


def test_a_worker_killed_during_quick_logs_leaves_whole_writes_and_the_next_one_saves(app, make_user,
                                                                                        gunicorn_server):
    """SIGKILL a gunicorn worker while quick logs are in flight (the real app, not a script).

    A write is all or nothing: every moment has its audit event, no audit event
    or summary points at a moment that is not there, the per-family summaries
    equal a recount, the SQLite file passes integrity_check; a phone that lost
    its answer sends again and gets the moment once; the next write saves.
    """
    from sqlalchemy import text

    from school.extensions import db

    school = build_school(app)
    gate = form_id(app, "gate_conversation")
    families = [school.households[f] for f in ("Peeters", "El Amrani", "Nowak", "Janssens", "Diallo")]
    phones_count = 4
    for i in range(phones_count):
        make_user("teacher", email=f"kill{i}@school.test", classes=(school.class_a,))
    phones = []
    for i in range(phones_count):
        phone = Phone(gunicorn_server.base)
        assert phone.post("/login", {"csrf_token": phone.csrf("/login"), "email": f"kill{i}@school.test",
                                     "password": TEST_PASSWORD}) == 302
        phones.append((phone, phone.csrf("/contacts/log")))

    stop = threading.Event()
    sent: list[tuple[int, dict, int]] = []  # (phone, data, status)

    def keep_logging(index: int) -> None:
        phone, csrf = phones[index]
        n = 0
        while not stop.is_set() and n < 200:
            data = {"csrf_token": csrf, "household_id": families[n % len(families)], "form_id": gate,
                    "submission_token": f"kill-{index:02d}-{n:03d}-" + "y" * 16,
                    "note": f"telefoon {index} bericht {n}"}
            status = _lost_or_status(phone, "/contacts/log", data,
                                     {"HX-Request": "true", "X-CSRFToken": csrf})
            sent.append((index, data, status))
            n += 1

    killed = []
    with ThreadPoolExecutor(max_workers=phones_count) as pool:
        running = [pool.submit(keep_logging, i) for i in range(phones_count)]
        try:
            for _round in range(3):  # three kills while the phones keep writing
                time.sleep(0.7)
                victims = gunicorn_server.workers()
                assert victims, "gunicorn has no workers"
                os.kill(victims[0], signal.SIGKILL)
                killed.append(victims[0])
            time.sleep(0.7)
        finally:
            stop.set()
            for future in running:
                future.result(timeout=120)

    assert len(killed) == 3
    assert any(status == 200 for _i, _d, status in sent)
    assert {status for _i, _d, status in sent} <= {0, 200}, "only saved, or the connection broke"

    def consistent() -> None:
        with app.app_context():
            orphans = db.session.execute(text(
                "SELECT count(*) FROM contact_moments m WHERE NOT EXISTS (SELECT 1 FROM audit_events a "
                "WHERE a.action = 'contact.created' AND a.object_id = m.id)"
            )).scalar()
            assert orphans == 0, "a moment without its audit event"
            unknown = db.session.execute(text(
                "SELECT count(*) FROM audit_events a WHERE a.action = 'contact.created' "
                "AND NOT EXISTS (SELECT 1 FROM contact_moments m WHERE m.id = a.object_id)"
            )).scalar()
            assert unknown == 0, "an audit event of a moment that was never saved"
            assert stored_rows() == recounted_rows(), "summaries that differ from the contact log"
            if db.engine.dialect.name == "sqlite":
                assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            db.session.rollback()

    consistent()
    saved = {m["token"]: m for m in moments(app)}
    for _index, data, status in sent:
        if status == 200:
            assert saved[data["submission_token"]]["note"] == data["note"]
    # A phone whose answer was lost sends the same submission again: saved once.
    lost = [(index, data) for index, data, status in sent if status == 0]
    for index, data in lost:
        phone, csrf = phones[index]
        assert phone.post("/contacts/log", data, {"HX-Request": "true", "X-CSRFToken": csrf}) == 200
    # And the next new write saves.
    phone, csrf = phones[0]
    fresh = {"csrf_token": csrf, "household_id": families[0], "form_id": gate,
             "submission_token": "kill-after-" + "z" * 16}
    assert phone.post("/contacts/log", fresh, {"HX-Request": "true", "X-CSRFToken": csrf}) == 200
    consistent()
    tokens = sorted(m["token"] for m in moments(app))
    assert tokens == sorted({d["submission_token"] for _i, d, _s in sent} | {fresh["submission_token"]})
