"""Helpers the test modules share: plain functions, imported where needed.

`tests/conftest.py` holds the fixtures and builds them on these; no test
module imports from another test module or from conftest.

- `app`: test apps, a live server, logging in (by the form, by a session, in the browser).
- `rows`: one row at a time (class, family, contact, agreement) on the fixed day TODAY.
- `reads`: the database read back as plain values (contact moments, audit events, counts).
- `statements`: counting the SQL statements a request sends.
- Schools, each for its own tests:
  - `small_school`: two classes and six families (the contacts tests);
  - `matrix_school`: every kind of record inside and outside a teacher's reach
    (the route matrix, privacy and security tests);
  - `dashboard_school`: three classes with a term of contacts (the dashboard).
- `intake`: the intake form as a browser sends it.
- `recount`: the stored summaries and the same rows recounted from the log.
- `wording`: the words no text may use about a family.
"""
