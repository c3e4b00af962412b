"""Who may open which page: one rule per endpoint, declared on the view itself.

Every view carries an `access_rule`, set by one of the decorators here:

- `public` — no login needed (the login page, the language switch, assets);
- `signed_in` — any logged-in user;
- `roles_required(*roles)` — only these roles.

`limited` names the roles that reach only part of the records the request
names (a household, a contact moment, a group activity, a follow-up, in the
URL or in the form): a teacher sees the families of their own classes, and
some roles may change only what they logged themselves. For a record outside
their reach they get 404. When the URL names a record and `limited` is not
given, it is the teacher (the family scope, `school.families.scope`).

Refused access always answers 404 — the same answer as for a record that does
not exist, so nothing is given away — and is written to the audit trail
(`refuse` raises `Refused`; its handler writes the event).

Every read of a family's data is audited here, in one place: the family gate
(`school.families.scope.get_household_or_404`, which every route naming a
family's record passes) tells `family_opened` which household the user was
allowed to see, and after a successful GET `_audit_family_reads` writes one
`family.viewed` event for it — page or htmx fragment, whichever endpoint
served it. The endpoint says what it showed with `shows_family` on its rule:
the name of the page in the event's detail (`FAMILY_PAGE`, the family page and
its fragments, has none); `False` for a GET that opens the family but shows
nothing of it (an export, audited as one). Not declared, the endpoint's name
is the page: a new fragment cannot go unaudited. To keep the trail readable,
a view that repeats one of the same user, family and page less than
`VIEW_QUIET_SECONDS` ago writes nothing (tests/test_family_reads.py).
tests/test_routes_matrix.py walks `app.url_map`, fails for an endpoint
without a rule, and checks each rule for every role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import NoReturn

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from school import audit
from school.extensions import db
from school.policy import Role
from school.schoolyear import utcnow

ALL_ROLES = frozenset(Role)
# URL arguments that name a record of a family.
RECORD_ARGS = frozenset({"household_id", "moment_id", "group_id", "follow_up_id"})
# Flask's own endpoint for /static (no view of ours to decorate).
BUILT_IN_PUBLIC = frozenset({"static"})
# `shows_family` of the family page and its fragments: its events carry no page name.
FAMILY_PAGE = "family"
# A family view repeated by the same user, of the same page, within this many seconds writes no event.
VIEW_QUIET_SECONDS = 60


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    public: bool = False
    # None: the default (the teacher, when the URL names a family's record).
    limited: frozenset[Role] | None = None
    # What a GET shows of a family it opens: a page name, False for nothing, None (not declared):
    # the endpoint's name (see the module docstring).
    shows_family: str | bool | None = None

    def allows(self, role: Role | None) -> bool:
        return self.public or role in self.roles

    def limited_roles(self, url_arguments: Iterable[str]) -> frozenset[Role]:
        """The roles for which a record outside their reach answers 404."""
        if self.limited is not None:
            return self.limited & self.roles
        if RECORD_ARGS & set(url_arguments):
            return frozenset({Role.TEACHER}) & self.roles
        return frozenset()


def _mark(view: Callable, rule: Rule) -> Callable:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: Callable) -> Callable:
    """Open to everybody, logged in or not."""
    return _mark(view, Rule(frozenset(), public=True))


def roles_required(
    *roles: Role, limited: Iterable[Role] | None = None, shows_family: str | bool | None = None,
) -> Callable:
    """Only these roles; any other gets 404 (logged), as for anything outside their reach.

    `shows_family`: what a GET shows of the family it opens (the module docstring)."""
    allowed = frozenset(roles)
    rule = Rule(allowed, limited=frozenset(limited) if limited is not None else None,
                shows_family=shows_family)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                refuse(reason="role")
            return view(*args, **kwargs)

        return _mark(wrapped, rule)

    return decorator


def signed_in(
    view: Callable | None = None, *, limited: Iterable[Role] | None = None,
    shows_family: str | bool | None = None,
) -> Callable:
    """Any logged-in user (`@signed_in` or `@signed_in(limited=..., shows_family=...)`)."""
    decorator = roles_required(*ALL_ROLES, limited=limited, shows_family=shows_family)
    return decorator(view) if view is not None else decorator


def rule_for(app: Flask, endpoint: str) -> Rule | None:
    """The rule of an endpoint, or None when it has none (the matrix test fails then)."""
    if endpoint in BUILT_IN_PUBLIC:
        return Rule(frozenset(), public=True)
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def may_open(endpoint: str) -> bool:
    """Whether the current user's role may open `endpoint` (for links in templates)."""
    rule = rule_for(current_app, endpoint)
    if rule is None:
        return False
    if rule.public:
        return True
    return bool(current_user.is_authenticated) and rule.allows(current_user.role)


class Refused(NotFound):
    """Access refused: answered as 404 (like a record that does not exist), and audited."""

    def __init__(self, **detail: object) -> None:
        super().__init__()
        self.detail = detail


def refuse(
    *, reason: str = "scope", object_type: str | None = None, object_id: int | None = None,
    household_id: int | None = None,
) -> NoReturn:
    """Refuse the request: 404, and the refusal in the audit trail (see `_answer_refused`)."""
    raise Refused(reason=reason, object_type=object_type, object_id=object_id, household_id=household_id)


def _answer_refused(error: Refused):
    """Whatever the request had changed is rolled back; the refusal is written in a transaction of
    its own; the answer is the ordinary 404 page."""
    detail = dict(error.detail)
    user_id = current_user.id if current_user.is_authenticated else None
    db.session.rollback()
    audit.record_alone(
        "access.refused", user_id=user_id, endpoint=request.endpoint, method=request.method, **detail,
    )
    return current_app.handle_http_exception(NotFound())


def family_opened(household_id: int) -> None:
    """The family gate let the current user see this household in this request (audited after a
    successful GET by `_audit_family_reads`)."""
    if has_request_context():
        opened = g.setdefault("families_opened", [])
        if household_id not in opened:
            opened.append(household_id)


def page_shown(endpoint: str | None) -> str | None:
    """What the endpoint's rule says a GET shows of a family: the page's name, or None for nothing."""
    rule = rule_for(current_app, endpoint) if endpoint else None
    shows = rule.shows_family if rule is not None else None
    if shows is False:
        return None
    if shows is None or shows is True:
        return endpoint
    return shows


def _recently_viewed(user_id: int, household_id: int, page: str | None) -> bool:
    since = utcnow().replace(tzinfo=None) - dt.timedelta(seconds=VIEW_QUIET_SECONDS)  # `at` is naive UTC
    details = db.session.scalars(
        select(audit.AuditEvent.detail).where(
            audit.AuditEvent.action == "family.viewed",
            audit.AuditEvent.user_id == user_id,
            audit.AuditEvent.household_ref == str(household_id),
            audit.AuditEvent.at >= since,
        )
    )
    return any((detail or {}).get("page") == page for detail in details)


def _audit_family_reads(response: Response) -> Response:
    """One `family.viewed` event per family a successful GET opened (the module docstring)."""
    opened = g.get("families_opened")
    if not opened or request.method != "GET" or not 200 <= response.status_code < 300:
        return response
    if not current_user.is_authenticated:
        return response
    page = page_shown(request.endpoint)
    if page is None:
        return response
    detail_page = None if page == FAMILY_PAGE else page
    user_id = current_user.id
    for household_id in opened:
        if _recently_viewed(user_id, household_id, detail_page):
            continue
        detail = {"page": detail_page} if detail_page else {}
        audit.record_alone("family.viewed", object_type="household", object_id=household_id,
                           household_id=household_id, user_id=user_id, **detail)
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["may_open"] = may_open
    app.register_error_handler(Refused, _answer_refused)
    app.after_request(_audit_family_reads)
