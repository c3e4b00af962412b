"""The quality checks can fail: each reports a document known to be bad.

tests/quality.py is what the browser tests trust for "valid HTML" and "no
serious accessibility problem"; a checker that silently passes everything
(a tool that did not run, a report that was not read) would make them pass.
"""

from __future__ import annotations

import pytest

from tests.quality import axe_violations, vnu_check, vnu_errors

GOOD = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Goed</title></head>
<body><main><h1>Goed</h1><p>Een geldig document.</p></main></body></html>"""

# Invalid (a <div> inside a <span>, a duplicate id, an obsolete element, no <title>)
# and inaccessible (an image without alt text, an input without a label, a button
# without a name, contrast of #eee on #fff).
BAD = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"></head>
<body><main>
<span><div id="x">blok in een span</div></span><p id="x">dubbel</p><blink>oud</blink>
<img src="data:,">
<input type="text">
<button></button>
<p style="color:#eee;background:#fff">bijna onzichtbaar</p>
</main></body></html>"""


def test_vnu_passes_a_valid_document():
    assert vnu_errors({"good": GOOD}) == []


def test_vnu_reports_a_known_bad_document():
    errors = vnu_errors({"good": GOOD, "bad": BAD})
    assert errors and all(e.startswith("bad:") for e in errors), errors
    text = "\n".join(errors)
    for problem in ("title", "Duplicate ID", "blink", "div"):
        assert problem in text, (problem, text)


def test_vnu_reports_a_document_it_could_not_check():
    # A fetch the checker refuses is a "non-document-error": that document was never checked.
    [error] = vnu_check({"http://127.0.0.1:1/unreachable.html": "unreachable"})
    assert error.startswith("unreachable:") and "non-document-error" in error, error
    # A file that is not there is only a warning for the checker: still not checked.
    assert vnu_check({"/nonexistent/page.html": "missing"}) == ["missing: not checked by the Nu HTML Checker"]


@pytest.mark.browser
def test_axe_reports_a_known_bad_document(page):
    page.set_content(GOOD)
    assert axe_violations(page) == []
    page.set_content(BAD)
    rules = {v["rule"] for v in axe_violations(page)}
    assert {"image-alt", "label", "button-name", "color-contrast"} <= rules, rules
