"""Many teachers logging at once through the production server lose nothing.

Gunicorn with several worker processes (the README's production command) on a
free loopback port, on the suite's database; a bounded number of concurrent
quick-log writes, half of them sent twice as a phone on flaky Wi-Fi would.
Every write must be answered with success and saved exactly once.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD
from tests.test_contacts_support import build_school, form_id, moments

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 6
WRITES_PER_CLIENT = 15
WORKERS = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_server(app, tmp_path):
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
    yield base
    server.terminate()
    server.wait(timeout=15)


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
