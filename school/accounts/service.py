"""Accounts: the only place that changes users and commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time

from flask import current_app
from sqlalchemy import and_, case, delete, distinct, func, or_, select

from school import audit
from school.accounts.models import LoginFailure, Role, User
from school.accounts.passwords import hash_password, needs_rehash, verify_password
from school.database import writing
from school.extensions import db
from school.schoolyear import utcnow


class EmailTaken(ValueError):
    pass


class Throttled(Exception):
    """Too many failed logins from this source lately: for this e-mail address (known or not), or
    for any address (password spraying)."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The user for these credentials, or None: one answer for every failure.

    `address` is the client's (request.remote_addr): the source of the attempt. The limits hold
    per source, so a guesser cannot lock the account's owner out (OWASP, ASVS 6.3):
    - LOGIN_MAX_FAILURES failures for this address from this source within LOGIN_WINDOW_MINUTES,
      or LOGIN_MAX_SOURCE_FAILURES from this source for any addresses (password spraying), and the
      source is refused (Throttled) without even checking the password, whether or not an account
      has that address. The same password from another source is checked as usual;
    - when failures for this address came from LOGIN_ATTACK_SOURCES other sources within the
      window (a distributed attack), every check for it waits LOGIN_ATTACK_DELAY_SECONDS first
      (at most MAX_ATTACK_DELAY_SECONDS), so the right password still gets through, a little later.

    The attempt is written (and committed) as a failure BEFORE the slow password check, and only
    then are the attempts counted: parallel requests each see the ones committed before them, so at
    most LOGIN_MAX_FAILURES of them from one source (and LOGIN_MAX_SOURCE_FAILURES over all
    addresses) get as far as the check. A good password removes this source's failures for the
    address (not the other sources': they stay refused); a throttled attempt removes its own (it
    checked nothing, so it does not stretch the wait).
    """
    config = current_app.config
    key, source = throttle_key(email), source_key(address)
    with writing():
        attempt = LoginFailure(key=key, source=source, at=_now())
        db.session.add(attempt)
        db.session.flush()
        attempt_id = attempt.id
    with writing():
        user = find_by_email(email)
        user_id = user.id if user else None
        here, from_source, other_sources = _failures(key, source)
        limit = (
            "account" if here > config["LOGIN_MAX_FAILURES"]
            else "source" if from_source > config["LOGIN_MAX_SOURCE_FAILURES"]
            else None
        )
        if limit:
            db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
            audit.record("login.throttled", user_id=user_id, limit=limit)
        password_hash, active = (user.password_hash, user.active) if user else (None, False)
    if limit:
        raise Throttled(int(config["LOGIN_WINDOW_MINUTES"]))
    delay = attack_delay() if other_sources >= config["LOGIN_ATTACK_SOURCES"] else 0.0
    # No transaction (nor SQLite's write lock) is held through the wait and the slow check.
    if delay:
        pause(delay)
    ok = verify_password(password_hash, password)
    detail = {"delayed": True} if delay else {}
    with writing():
        if not ok or user is None or not active:
            db.session.execute(delete(LoginFailure).where(LoginFailure.at < _window_start()))
            audit.record("login.failed", user_id=user_id, **detail)
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        db.session.execute(
            delete(LoginFailure).where(LoginFailure.key == key, LoginFailure.source == source)
        )
        audit.record("login", object_type="user", object_id=user.id, user_id=user.id, **detail)
    return user


def _failures(key: str, source: str) -> tuple[int, int, int]:
    """Within the window: the failures for this address from this source, the failures from this
    source for any address, and how many other sources failed for this address. One query."""
    for_key, from_source = LoginFailure.key == key, LoginFailure.source == source
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((and_(for_key, from_source), 1), else_=0)), 0),
            func.coalesce(func.sum(case((from_source, 1), else_=0)), 0),
            func.count(distinct(case((and_(for_key, ~from_source), LoginFailure.source)))),
        ).where(LoginFailure.at >= _window_start(), or_(for_key, from_source))
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


# However it is configured, a login under attack never waits longer than this.
MAX_ATTACK_DELAY_SECONDS = 5.0


def attack_delay() -> float:
    """Seconds every password check for an address under a distributed attack waits: small and
    bounded, so the owner still gets in and a worker is not held for long."""
    seconds = float(current_app.config["LOGIN_ATTACK_DELAY_SECONDS"])
    return min(max(seconds, 0.0), MAX_ATTACK_DELAY_SECONDS)


def pause(seconds: float) -> None:
    time.sleep(seconds)


def throttle_key(email: str) -> str:
    """A keyed hash of the typed address: the throttle table holds no typed text."""
    return _keyed(normalise_email(email))


def source_key(address: str | None) -> str:
    """A keyed hash of the client address (its own namespace, apart from e-mail addresses): the
    throttle table holds no address either. Clients without one share a single source."""
    return _keyed("source " + (address or "unknown"))


def _keyed(text: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _now() -> dt.datetime:
    return utcnow().replace(tzinfo=None)


def _window_start() -> dt.datetime:
    return _now() - dt.timedelta(minutes=int(current_app.config["LOGIN_WINDOW_MINUTES"]))


def end_sessions(user: User) -> None:
    """Every session of this user stops working (logout, password change)."""
    user.session_version += 1


def logout(user: User) -> None:
    end_sessions(user)
    audit.record("logout", object_type="user", object_id=user.id, user_id=user.id)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> bool:
    if not verify_password(user.password_hash, current):
        return False
    user.password_hash = hash_password(new)
    end_sessions(user)
    audit.record("password.changed", object_type="user", object_id=user.id)
    db.session.commit()
    return True


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale or None
    db.session.commit()


def create_user(
    *, name: str, email: str, role: Role, password: str, locale: str | None = None,
    class_ids: list[int] | tuple[int, ...] = (), active: bool = True,
) -> User:
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        name=name, email=normalise_email(email), role=role, locale=locale or None,
        password_hash=hash_password(password), active=active,
    )
    user.classes = _classes(class_ids)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", object_type="user", object_id=user.id, role=role.value)
    db.session.commit()
    return user


def update_user(
    user: User, *, name: str, email: str, role: Role, locale: str | None,
    class_ids: list[int], active: bool,
) -> None:
    other = find_by_email(email)
    if other is not None and other.id != user.id:
        raise EmailTaken(email)
    if user.active and not active:
        end_sessions(user)
    user.name, user.email, user.role = name, normalise_email(email), role
    user.locale, user.active = locale or None, active
    user.classes = _classes(class_ids)
    audit.record("user.updated", object_type="user", object_id=user.id, role=role.value, active=active)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record("password.reset", object_type="user", object_id=user.id)
    db.session.commit()


def _classes(class_ids) -> list:
    """The classes with these ids. A class is the families domain's (SchoolClass), above this one:
    it is reached through the User.classes relationship instead of an import."""
    if not class_ids:
        return []
    school_class = User.classes.property.mapper.class_
    return list(db.session.scalars(select(school_class).where(school_class.id.in_(list(class_ids)))))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.name)))

