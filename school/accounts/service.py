"""Accounts: the only place that changes users and commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from flask import current_app
from sqlalchemy import delete, func, select

from school import audit
from school.accounts.models import LoginFailure, Role, User
from school.accounts.passwords import hash_password, needs_rehash, verify_password
from school.database import writing
from school.extensions import db
from school.schoolyear import utcnow


class EmailTaken(ValueError):
    pass


class Throttled(Exception):
    """Too many failed logins for this e-mail address lately (known or not)."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None: one answer for every failure.

    Raises Throttled after LOGIN_MAX_FAILURES failures for the address within
    LOGIN_WINDOW_MINUTES, whether or not an account has that address, without
    even checking the password.

    The attempt is written (and committed) as a failure BEFORE the slow password
    check, and only then are the attempts counted: parallel requests each see the
    ones committed before them, so at most LOGIN_MAX_FAILURES of them get as far
    as the check. A good password removes the record again; a throttled attempt
    removes its own (it checked nothing, so it does not stretch the wait).
    """
    key = throttle_key(email)
    with writing():
        attempt = LoginFailure(key=key, at=_now())
        db.session.add(attempt)
        db.session.flush()
        attempt_id = attempt.id
    with writing():
        user = find_by_email(email)
        user_id = user.id if user else None
        attempts = db.session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.key == key, LoginFailure.at >= _window_start())
        )
        throttled = attempts > current_app.config["LOGIN_MAX_FAILURES"]
        if throttled:
            db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt_id))
            audit.record("login.throttled", user_id=user_id)
        password_hash, active = (user.password_hash, user.active) if user else (None, False)
    if throttled:
        raise Throttled(int(current_app.config["LOGIN_WINDOW_MINUTES"]))
    # No transaction (nor SQLite's write lock) is held through the slow check.
    ok = verify_password(password_hash, password)
    with writing():
        if not ok or user is None or not active:
            db.session.execute(delete(LoginFailure).where(LoginFailure.at < _window_start()))
            audit.record("login.failed", user_id=user_id)
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        db.session.execute(delete(LoginFailure).where(LoginFailure.key == key))
        audit.record("login", object_type="user", object_id=user.id, user_id=user.id)
    return user


def throttle_key(email: str) -> str:
    """A keyed hash of the typed address: the throttle table holds no typed text."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, normalise_email(email).encode(), hashlib.sha256).hexdigest()


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

