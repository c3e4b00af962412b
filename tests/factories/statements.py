"""Counting the SQL statements a piece of work sends (for the "fixed number of queries" tests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from school.extensions import db

# Not queries: SQLite's BEGIN IMMEDIATE opens each write-ready transaction, once per transaction.
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def recorded_statements(engine: Engine, *, skip: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """The statements sent on `engine` meanwhile, except those that start with one of `skip`."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(skip):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def count_statements(app: Flask, fn: Callable[[], object], *, skip: tuple[str, ...] = ()) -> int:
    """How many statements `fn()` sends on the app's engine (those starting with `skip` not counted)."""
    with app.app_context():
        engine = db.engine
    with recorded_statements(engine, skip=skip) as statements:
        fn()
    return len(statements)
