"""Ids are values like any other input: what a database id column holds, and no more.

Every id column is an INTEGER: on PostgreSQL that is 4 bytes, so 1 .. 2**31 - 1.
SQLite's integers hold more, but the same bound is used on both databases, so an
id behaves the same everywhere (and a number no database can hold never reaches
the database driver, where it would be a 500).

- `IdConverter`, registered as `<id:...>`: every URL rule that names a row by its
  id. Anything else (0, negative, too large, not ASCII digits) does not match the
  rule, so the answer is a plain 404 before any view or query runs.
- `parse_id` / `is_id`: the same bound for an id read from a query string or sent
  back in a form. The form field is `school.forms.IdField`.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column
_MAX_DIGITS = len(str(MAX_ID))


def is_id(value: object) -> bool:
    """A number that can be a row id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def parse_id(value: object) -> int | None:
    """An id typed in a URL or sent back in a form; None for anything that cannot be one.

    Only ASCII digits (no sign, no other script's digits, no spaces inside), and
    checked for length before int() so a huge string is never converted.
    """
    if isinstance(value, int):
        return value if is_id(value) else None
    text = value.strip() if isinstance(value, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > _MAX_DIGITS:
        return None
    number = int(text)
    return number if is_id(number) else None


class IdConverter(BaseConverter):
    """`<id:name>`: a row id in 1 .. MAX_ID; anything else does not match (404)."""

    regex = r"[0-9]+"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]
