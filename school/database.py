"""Transactions: who begins and commits them, and SQLite's write lock — one rule, in one place.

Services own their transaction: they begin it (by their first query) and commit it;
helpers and the audit trail write into the caller's transaction and never commit. A
service that must end what came before and write in a transaction of its own (a page
view's audit event, each step of a login) uses `writing()`.

SQLite has one writer at a time. A transaction that will write takes the write lock
when it begins (BEGIN IMMEDIATE), so it waits its turn up to the busy timeout. One that
only reads begins deferred and never holds the writers up. Begun deferred, a transaction
that has read cannot take the lock later once another writer committed: SQLite answers
"database is locked" at once, whatever the timeout. So `begins_writing()` decides up
front, in this order:
- inside `writing()`: it takes the lock up front when the block reads before it writes;
- outside a request (the CLI, a script, a test's setup): it writes;
- in the busy answer, or a dry run (`g.database_read_only`): it only reads;
- a GET, HEAD or OPTIONS request: it only reads;
- after the request's first commit, what follows is mostly the answer being rendered:
  it writes only when the session already holds changes;
- any other request (a POST): it writes.
PostgreSQL needs none of this: a row lock waits by itself (up to lock_timeout).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

from school.extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Inside writing(): whether its transaction takes the write lock as it begins (None: outside).
_writing: ContextVar[bool | None] = ContextVar("schoolpoort_writing", default=None)


@contextmanager
def writing(*, reads_first: bool = True) -> Iterator[scoped_session]:
    """A write transaction of its own: whatever the session did before is committed first (a
    reading transaction just ends), and the block's transaction commits at its end (or rolls back
    if the block raises).

    A block that reads before it writes takes SQLite's write lock as it begins. One whose first
    statement is its write (`reads_first=False`: an audit event after a page was read) needs no
    lock up front: SQLite takes it at that statement and waits for it, as nothing was read before.
    """
    db.session.commit()
    token = _writing.set(reads_first)
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _writing.reset(token)


def begins_writing() -> bool:
    """Whether the transaction that begins now will write (the rule in this module's docstring)."""
    inside = _writing.get()
    if inside is not None:
        return inside
    if not has_request_context():
        return True
    if g.get("database_read_only", False) or request.method in READ_ONLY_METHODS:
        return False
    if g.get("database_committed", False):
        session = db.session()
        return bool(session.new or session.dirty or session.deleted)
    return True


def _sqlite_connected(dbapi_connection, _record) -> None:
    """WAL and foreign keys on every SQLite connection (the busy timeout is the driver's `timeout`,
    set from SQLITE_BUSY_TIMEOUT in create_app), and secure_delete: a deleted row's bytes are
    overwritten with zeros, not left in free pages (erasure, school.privacy.service)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
    # The driver's own implicit BEGIN is off: _sqlite_begin decides.
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if begins_writing() else "BEGIN")


def _committed(_session) -> None:
    if has_request_context():
        g.database_committed = True


def init_app(app: Flask) -> None:
    """The transaction rule on this app's engine (SQLite only), and the request's commit noted."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connected):
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
