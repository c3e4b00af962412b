"""Phone- and desktop-sized screenshots of every main page of the demo school.

    make screenshots        # writes screenshots/*.png (not committed)

Serves the app on a free loopback port from a temporary copy of the demo
school, logs in as each demo role, and photographs the role's pages (its
navigation, a family page, the forms people fill in) at 390x844 and 1280x900.
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
                        page.goto(base + "/login")
                        if role == "teacher":
                            _shoot(page, f"{size}-login")
                        page.get_by_label("E-mailadres").fill(email)
                        page.get_by_label("Wachtwoord").fill(PASSWORD)
                        page.get_by_role("button", name="Aanmelden").click()
                        links = page.locator("nav .role-nav a").evaluate_all("a => a.map(x => x.href)")
                        family = page.locator("a[href*='/families/']").evaluate_all(
                            "a => a.map(x => x.href).filter(h => /\\/families\\/\\d+$/.test(h))"
                        )
                        for index, href in enumerate(links):
                            page.goto(href)
                            _shoot(page, f"{size}-{role}-{index + 1}-{href.rstrip('/').rsplit('/', 1)[-1]}")
                        if family:
                            page.goto(family[0])
                            _shoot(page, f"{size}-{role}-family")
                        context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"Screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
