"""Configuration defaults. instance/config.py and the environment override them.

No secrets here: SECRET_KEY must come from the environment or instance/config.py
in production (the app refuses to start otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside debug/testing

DEFAULTS: dict[str, object] = {
    "SECRET_KEY": DEV_SECRET_KEY,
    "SCHOOL_NAME": "Basisschool De Linde",
    "LANGUAGES": ("nl", "fr", "en"),
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
    "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
    "VENDOR_DIR": str(PROJECT_ROOT / "node_modules"),
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Seconds a SQLite writer waits for another's write lock before giving up.
    "SQLITE_BUSY_TIMEOUT": 5.0,
    # Seconds a PostgreSQL statement waits for another's row or table lock (lock_timeout);
    # None: the same as SQLITE_BUSY_TIMEOUT. Past it the request answers "try again" (503).
    "DATABASE_LOCK_TIMEOUT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # False: Secure whenever the request came over HTTPS (school.accounts.auth); True: always.
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "PASSWORD_MIN_LENGTH": 12,
    # A school day: an hour without activity, or ten hours after login, ends a session.
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_MAX_HOURS": 10,
    "PERMANENT_SESSION_LIFETIME": 10 * 3600,
    # Login throttling per source (the client address; school.accounts.service.authenticate):
    # five failed logins for one e-mail address from one source within a quarter of an hour, or
    # twenty from one source for any addresses, and that source waits. Failures for an address
    # from three other sources: every check for it waits a second (at most five, whatever is set).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_MAX_SOURCE_FAILURES": 20,
    "LOGIN_WINDOW_MINUTES": 15,
    "LOGIN_ATTACK_SOURCES": 3,
    "LOGIN_ATTACK_DELAY_SECONDS": 1.0,
    # How many proxies in front of the app set X-Forwarded-For and -Proto (0: none, the client is
    # the peer). Set it behind the school's reverse proxy, so logins are counted per real client.
    "TRUSTED_PROXIES": 0,
    # `flask purge` erases households whose children all left more than this long ago.
    "RETENTION_MONTHS": 24,
}


def database_url(instance_path: str) -> str:
    """DATABASE_URL when set (PostgreSQL through psycopg 3), else the SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'schoolpoort.sqlite'}"
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
