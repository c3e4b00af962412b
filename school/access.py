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
tests/test_routes_matrix.py walks `app.url_map`, fails for an endpoint
without a rule, and checks each rule for every role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import NoReturn

from flask import Flask, current_app, request
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from school import audit
from school.extensions import db
from school.policy import Role

ALL_ROLES = frozenset(Role)
# URL arguments that name a record of a family.
RECORD_ARGS = frozenset({"household_id", "moment_id", "group_id", "follow_up_id"})
# Flask's own endpoint for /static (no view of ours to decorate).
BUILT_IN_PUBLIC = frozenset({"static"})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    public: bool = False
    # None: the default (the teacher, when the URL names a family's record).
    limited: frozenset[Role] | None = None

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


def roles_required(*roles: Role, limited: Iterable[Role] | None = None) -> Callable:
    """Only these roles; any other gets 404 (logged), as for anything outside their reach."""
    allowed = frozenset(roles)
    rule = Rule(allowed, limited=frozenset(limited) if limited is not None else None)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                refuse(reason="role")
            return view(*args, **kwargs)

        return _mark(wrapped, rule)

    return decorator


def signed_in(view: Callable | None = None, *, limited: Iterable[Role] | None = None) -> Callable:
    """Any logged-in user (`@signed_in` or `@signed_in(limited=...)`)."""
    decorator = roles_required(*ALL_ROLES, limited=limited)
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


def init_app(app: Flask) -> None:
    app.jinja_env.globals["may_open"] = may_open
    app.register_error_handler(Refused, _answer_refused)
