"""Checks the browser tests run on what people see: axe-core and the Nu HTML Checker.

- `assert_accessible(page)`: axe-core (from npm) in the page as it is now — a
  whole page or an htmx state — for WCAG 2.1 A and AA; fails on any serious or
  critical violation, naming the rule and the elements.
- `assert_valid_html(*documents)`: the Nu HTML Checker (npm vnu-jar, run with
  Java) over full HTML documents in one run; fails on any error, on any
  document it could not check (non-document-error), and when it gave no report.
Both read their tools from node_modules, which `make test` installs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# A short-lived checker: the quick (C1) compiler only. The optimising compiler's threads
# cost about twice the CPU they save on runs of a few seconds; the report is the same.
# C1 code needs a deeper stack for the checker's schema (its minimum is 512k).
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-Xss4m")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# htmx's own attributes (hx-get, hx-target, ...) are not in the HTML standard;
# the checker's only complaint about them is that they exist.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element")


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() is not subject to the page's Content-Security-Policy.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    problems = axe_violations(page)
    assert problems == [], f"{page.url}: {json.dumps(problems, indent=1, ensure_ascii=False)}"


def vnu_errors(documents: dict[str, str]) -> list[str]:
    """Run the Nu HTML Checker once over {name: html}; its errors as 'name: message'."""
    with tempfile.TemporaryDirectory() as folder:
        targets = {}
        for index, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"page{index:03d}.html"
            path.write_text(html, encoding="utf-8")
            targets[str(path)] = name
        return vnu_check(targets)


def vnu_check(targets: dict[str, str]) -> list[str]:
    """The checker's errors over {file or URL: name}, plus any target it did not check."""
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML Checker (make test installs it)"
    # --verbose: the checker names each document it checked (stdout); the report is on stderr.
    result = subprocess.run(
        [java, *JAVA_OPTIONS, "-jar", str(VNU), "--format", "json", "--exit-zero-always", "--verbose",
         *targets],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stderr.strip()
    # No report at all (Java or the jar failed) must not read as "no errors".
    assert result.returncode == 0 and output.startswith("{"), (
        f"the Nu HTML Checker did not run (exit {result.returncode}): {(output or result.stdout)[:500]}")
    report = json.loads(output)
    errors = []
    for message in report.get("messages", []):
        if HTMX_ATTRIBUTE.match(message.get("message", "")):
            continue
        # "non-document-error": the checker could not read or check a document
        # (I/O, encoding, an internal error) - that document was not checked.
        if message.get("type") in ("error", "non-document-error") or message.get("subType") == "fatal":
            url = message.get("url", "")
            where = targets.get(url.removeprefix("file:"), targets.get(url, url))
            errors.append(f"{where}:{message.get('lastLine')}: {message.get('type')}: "
                          f"{message.get('message')} [{message.get('extract', '').strip()[:80]}]")
    checked = set(result.stdout.split())
    errors += [f"{name}: not checked by the Nu HTML Checker" for target, name in targets.items()
               if target not in checked]
    return errors


def assert_valid_html(documents: dict[str, str]) -> None:
    errors = vnu_errors(documents)
    assert errors == [], "\n".join(errors)
