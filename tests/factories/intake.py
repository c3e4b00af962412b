"""The intake form as a browser would send it.

- `intake_data(school, **overrides)`: a complete intake for the classes and
  topics in `school` (a dict with "1a", "k2", "topics" and "gate").
- `form_values(html)`: what a browser sends for the family form on a page.
"""

from __future__ import annotations

from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict


def intake_data(school, **overrides) -> dict:
    """A complete intake: two caregivers, two children in different classes, an interpreter, an agreement."""
    data = {
        "submission_token": "tok-intake-" + "1" * 12,
        "about_child": "Zoë houdt van tekenen.",
        "needs_from_school": "Berichten graag mondeling.",
        "contact_language": "tr",
        "interpreter_needed": "y",
        "interpreter_language": "tr",
        "written_ok": "no",
        "digital_ok": "yes",
        "preferred_channels": ["gate", "phone_call"],
        "preferred_times": ["afternoon_gate"],
        "info_explained": [str(t) for t in school["topics"][:2]],
        "caregivers-0-first_name": "Ayşe",
        "caregivers-0-last_name": "Çelik",
        "caregivers-0-kinship": "mother",
        "caregivers-0-phone": "+32 470 12 34 56",
        "caregivers-0-email": "ayse@example.be",
        "caregivers-0-contact_language": "",
        "caregivers-1-first_name": "Mehmet",
        "caregivers-1-last_name": "Çelik",
        "caregivers-1-kinship": "father",
        "caregivers-1-phone": "",
        "caregivers-1-email": "",
        "caregivers-1-contact_language": "nl",
        "children-0-first_name": "Zoë",
        "children-0-last_name": "Çelik",
        "children-0-birth_date": "2019-03-04",
        "children-0-class_id": str(school["1a"]),
        "children-1-first_name": "Emre",
        "children-1-last_name": "Çelik",
        "children-1-birth_date": "2021-06-01",
        "children-1-class_id": str(school["k2"]),
        "agreements-0-form_id": str(school["gate"]),
        "agreements-0-every_days": "14",
        "agreements-0-occasion": "",
        "contact_person_id": "",
        "consent_external": "y",
        "intake_mediator": "professional_interpreter",
        "finish": "1",
    }
    data.update(overrides)
    return data


class _FormValues(HTMLParser):
    """What a browser would send for the form #family-form (without pressing a button)."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value", "y")))
            else:
                self.data.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                self._options[0][0] if self._options else ""
            ]
            self.data.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(html: str) -> MultiDict:
    parser = _FormValues()
    parser.feed(html)
    values = MultiDict()
    for name, value in parser.data:
        if name != "csrf_token":
            values.add(name, value.removeprefix("\r\n").removeprefix("\n"))
    return values
