"""Extensions, created unbound; create_app() binds them."""

from __future__ import annotations

import enum
import sqlite3

from flask import g, has_request_context, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
htmx = Htmx()


def enum_type(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum by its value as a plain string (portable, readable)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL and foreign keys on every SQLite connection (the busy timeout is the
    driver's `timeout`, set from SQLITE_BUSY_TIMEOUT in create_app)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver's own implicit BEGIN is off: _sqlite_begin() below decides.
    dbapi_connection.isolation_level = None


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Writers take SQLite's write lock when their transaction starts.

    A deferred transaction that reads and then writes cannot wait for the lock
    (SQLite answers "database is locked" at once when another writer committed
    in between), so every transaction that may write - a POST, a CLI command -
    begins IMMEDIATE and waits up to the busy timeout instead. Page views
    (GET) read in a deferred transaction and never hold up the writers.
    """
    if conn.dialect.name != "sqlite":
        return
    reads_only = has_request_context() and (
        request.method in READ_ONLY_METHODS
        or g.get("database_read_only", False)
        # After the request's own commit, what follows is mostly the answer being rendered:
        # reading. It takes the lock only when the session has changes to write.
        or (g.get("database_committed", False) and not _session_has_changes())
    )
    writes = not reads_only
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _session_has_changes() -> bool:
    session = db.session()
    return bool(session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_commit")
def _request_committed(_session) -> None:
    """Remember that this request has committed (see _sqlite_begin): rendering the answer then
    reads without holding SQLite's write lock, so other writers are not kept waiting."""
    if has_request_context():
        g.database_committed = True


def will_write_again() -> None:
    """Call after a commit when the request goes on to read and then write again (a flow of
    several transactions): its next transaction takes SQLite's write lock up front, like the
    first. A deferred one that read first could not wait for the lock when it came to write."""
    if has_request_context():
        g.database_committed = False
