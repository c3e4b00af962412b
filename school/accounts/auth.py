"""Login sessions and role checks."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, flash, make_response, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from school.accounts.models import User
from school.extensions import db, login_manager
from school.web import safe_next, wants_fragment


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS.

    Behind the school's HTTPS proxy gunicorn marks forwarded requests as
    https (X-Forwarded-Proto from forwarded_allow_ips); SESSION_COOKIE_SECURE
    = True forces the flag regardless.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    app.before_request(enforce_session_limits)


def unauthorized() -> Response:
    """Not logged in (or no longer): to the login page, and back here afterwards."""
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return to_login()


def to_login() -> Response:
    """The login page, with a safe `next` to come back to.

    An htmx swap must not get the login page inside its region: it gets an
    HX-Redirect, so the browser goes to the login page as a whole page, and
    comes back afterwards to the page the user was on (not the fragment's URL).
    """
    fragment = wants_fragment()
    login = url_for("accounts.login", next=_come_back_to(fragment))
    if not fragment:
        return redirect(login)
    response = make_response("", 401)
    response.headers["HX-Redirect"] = login
    response.vary.add("HX-Request")
    return response


def _come_back_to(fragment: bool) -> str | None:
    """Where to go after logging in: a path on this site, or nothing."""
    if fragment:
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        if current.netloc and current.netloc != request.host:
            return None
        target = current.path + (f"?{current.query}" if current.query else "")
    elif request.method == "GET":
        target = request.full_path.removesuffix("?")
    else:
        return None
    return safe_next(target)


def start_session() -> None:
    """Call right after login_user(): the clocks for both time limits start."""
    now = int(time.time())
    session.permanent = True
    session["login_at"] = now
    session["seen_at"] = now


def enforce_session_limits():
    """An idle timeout and an absolute lifetime, both suited to a school day."""
    if request.endpoint in (None, "static", "vendor") or not current_user.is_authenticated:
        return None
    idle, lifetime = _limits()
    now = int(time.time())
    login_at = session.get("login_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - login_at > lifetime:
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please log in again."), "info")
        return to_login()
    session["seen_at"] = now
    return None


def _limits() -> tuple[int, int]:
    return (
        int(current_app.config["SESSION_IDLE_MINUTES"]) * 60,
        int(current_app.config["SESSION_MAX_HOURS"]) * 3600,
    )


def load_user(session_id: str) -> User | None:
    """The session holds 'id.session_version'; an outdated version logs out."""
    user_id, _, version = session_id.partition(".")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
