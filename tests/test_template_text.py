"""Every word a user reads goes through the translations.

Strips the Jinja syntax from each template and looks for letters left in text
nodes and in the attributes people read (aria-label, title, alt, placeholder).
"""

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}
# A value is shown only on input buttons; elsewhere it is data sent with the form.
SHOWN_VALUE_INPUTS = {"submit", "button", "reset"}
# Words that are the same in every language (names, symbols) may stand as they are.
ALLOWED = {"Schoolpoort"}


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        shows_value = tag == "input" and dict(attrs).get("type") in SHOWN_VALUE_INPUTS
        for name, value in attrs:
            read = name in READ_ATTRIBUTES or (name == "value" and shows_value)
            if read and value and re.search(r"[A-Za-zÀ-ÿ]{2,}", value):
                self.found.append(f"{name}={value!r}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        text = data.strip()
        if not self._skip and text and text not in ALLOWED and re.search(r"[A-Za-zÀ-ÿ]{2,}", text):
            self.found.append(repr(text))


def test_templates_have_no_untranslated_text():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        finder = _TextFinder()
        finder.feed(JINJA.sub(" ", path.read_text(encoding="utf-8")))
        problems += [f"{path.relative_to(ROOT)}: {text}" for text in finder.found]
    assert problems == []
