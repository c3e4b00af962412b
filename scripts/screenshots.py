"""Phone- and desktop-sized screenshots of every main page of the demo school.

    make screenshots        # writes screenshots/*.png (not committed)

Serves the app on a free loopback port from a temporary copy of the demo
school, logs in as each demo role, and photographs the role's pages (its
navigation, a family page, the forms people fill in: the quick log with a
family chosen, the intake, a follow-up) at 390x844 and 1280x900. A role that
cannot log in or sees no pages stops the run with a message.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
PASSWORD = "schoolpoort-demo-2026"
ROLES = {
    "teacher": "elke.vermeulen@delinde.example",
    "reception": "onthaal@delinde.example",
    "care": "zorg@delinde.example",
    "director": "directie@delinde.example",
    "admin": "beheer@delinde.example",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(database: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FLASK_APP": "app"}
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        flask + ["run", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the app did not start")


def _shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(f"  {name}.png")


def _log_in(page, base: str, email: str) -> None:
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    # The role's home page, not the login page again (a wrong password, a slow server).
    page.wait_for_url(lambda url: url.startswith(base) and "/login" not in url, timeout=30_000)
    page.wait_for_load_state("networkidle")


def _forms(page, base: str, size: str, role: str) -> int:
    """The forms people fill in, as they look when filled in: how many shots."""
    shots = 0
    if role == "teacher":
        # the quick log with a family chosen (the form, not the family picker)
        page.goto(base + "/contacts/log")
        page.locator("#family-results a.family-choice").first.click()
        page.locator("#moment-form").wait_for()
        page.locator("#more-fields > summary").click()
        _shoot(page, f"{size}-{role}-quick-log-family")
        shots += 1
    if role == "reception":
        page.goto(base + "/families/intake")
        page.locator("#caregivers-0-first_name").wait_for()
        _shoot(page, f"{size}-{role}-intake")
        shots += 1
    if role == "care":
        page.goto(base + "/less-visible")
        plan = page.locator("#less-visible-list a[href*='/follow-ups/new']").first
        plan.click()
        page.locator("#follow-up-form").wait_for()
        _shoot(page, f"{size}-{role}-follow-up-form")
        shots += 1
    return shots


def main() -> int:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server, base = _serve(Path(folder) / "demo.sqlite")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                for size, viewport in SIZES.items():
                    for role, email in ROLES.items():
                        context = browser.new_context(viewport=viewport, locale="nl-BE")
                        page = context.new_page()
                        page.set_default_timeout(30_000)
                        page.goto(base + "/login")
                        if role == "teacher":
                            _shoot(page, f"{size}-login")
                        _log_in(page, base, email)
                        links = page.locator("nav .role-nav a").evaluate_all("a => a.map(x => x.href)")
                        if not links:
                            raise SystemExit(f"{role} ({email}) sees no pages in the menu at {page.url}")
                        family = page.locator("a[href*='/families/']").evaluate_all(
                            "a => a.map(x => x.href).filter(h => /\\/families\\/\\d+$/.test(h))"
                        )
                        shots = 0
                        for index, href in enumerate(links):
                            page.goto(href)
                            _shoot(page, f"{size}-{role}-{index + 1}-{href.rstrip('/').rsplit('/', 1)[-1]}")
                            shots += 1
                        if family:
                            page.goto(family[0])
                            _shoot(page, f"{size}-{role}-family")
                            shots += 1
                        shots += _forms(page, base, size, role)
                        if shots == 0:
                            raise SystemExit(f"no screenshots for {role}")
                        context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
