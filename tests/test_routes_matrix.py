"""Every route × every role, generated from app.url_map.

Each endpoint declares its access rule on the view (school.access):
an endpoint without one fails here, so a new route cannot slip through. For
each role the rule is checked against what the server really answers, for the
whole page and for the htmx fragment, with records inside the user's reach
and — for routes that name a family's record — records outside it:

- allowed: not 403/404/500, and not sent to the login page;
- refused: 404 (for a role as for a record outside one's reach — the app
  never answers 403, so nobody learns that a record exists), and exactly one
  `access.refused` event in the audit trail;
- anonymous: sent to the login page, except for the public endpoints.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from school import create_app
from school.access import RECORD_ARGS, Rule, rule_for
from school.accounts.models import Role
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import School, build_school

ROLES = tuple(Role)


def _endpoints() -> list[str]:
    app = create_app({"TESTING": True, "SECRET_KEY": "matrix-listing-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted({rule.endpoint for rule in app.url_map.iter_rules()})


ENDPOINTS = _endpoints()


def _values(school: School, role_key: str, outsider: bool) -> tuple[dict, dict]:
    """URL arguments, and the query/form values that name records, for one role and variant."""
    url = {
        "household_id": school.outside if outsider else school.inside,
        "moment_id": (school.moments_outside if outsider else school.moments)[role_key],
        "group_id": (school.groups_outside if outsider else school.groups)[role_key],
        "follow_up_id": school.follow_up_outside if outsider else school.follow_up_inside,
        "user_id": school.users["other_teacher"],
        "form_id": school.form_id,
        "token": school.uploads.get(role_key, "no-upload-for-this-role"),
        "kind": "access",
        "filename": "app.css",
        "name": "htmx.min.js",
    }
    token = (school.tokens_outside if outsider else school.tokens)[role_key]
    sent = {"household_id": str(url["household_id"]), "token": token, "saved": token}
    return url, sent


def _refusals(app) -> int:
    from school.audit import AuditEvent

    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.refused")
        )


def _request(client, method: str, path: str, sent: dict, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        return client.get(path, query_string=sent, headers=headers)
    return client.post(path, data=sent, headers=headers)


def test_every_endpoint_declares_an_access_rule(app):
    missing = [e for e in ENDPOINTS if not isinstance(rule_for(app, e), Rule)]
    assert missing == [], "declare who may open these (school.access)"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_route_matrix(app, endpoint):
    rule = rule_for(app, endpoint)
    assert isinstance(rule, Rule), f"{endpoint} has no access rule"
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 in the report, not an abort of the test
    school = build_school(app)
    url_rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    problems: list[str] = []
    for url_rule in url_rules:
        methods = sorted(url_rule.methods - {"HEAD", "OPTIONS"})
        limited = rule.limited_roles(url_rule.arguments)
        names_records = bool(RECORD_ARGS & url_rule.arguments) or rule.limited is not None
        variants = (False, True) if names_records else (False,)
        # Anonymous.
        url, sent = _values(school, "director", outsider=False)
        path = url_rule.build({k: url[k] for k in url_rule.arguments}, append_unknown=False)[1]
        for method in methods:
            response = _request(app.test_client(), method, path, sent, htmx=False)
            if rule.public:
                if response.status_code in (403, 404, 500):
                    problems.append(f"anonymous {method} {path}: {response.status_code}")
            elif not (response.status_code == 302 and "/login" in response.headers["Location"]):
                problems.append(f"anonymous {method} {path}: {response.status_code}, not the login page")
        # Every role, with records inside and (where the route names one) outside its reach.
        for role in ROLES:
            for outsider in variants:
                url, sent = _values(school, role.value, outsider)
                path = url_rule.build({k: url[k] for k in url_rule.arguments}, append_unknown=False)[1]
                refused = not rule.allows(role) or (outsider and role in limited)
                for method in methods:
                    for htmx in ((False, True) if method == "GET" else (False,)):
                        client = signed_in_client(app, school.users[role.value])
                        before = _refusals(app)
                        response = _request(client, method, path, sent, htmx)
                        logged = _refusals(app) - before
                        where = (f"{role.value} {method} {path}{' (htmx)' if htmx else ''}"
                                 f"{' outside their reach' if outsider else ''}")
                        location = response.headers.get("Location", "")
                        if rule.public:
                            if response.status_code in (403, 404, 500):
                                problems.append(f"{where}: {response.status_code}")
                        elif refused:
                            if response.status_code != 404 or logged != 1:
                                problems.append(f"{where}: {response.status_code} with {logged} refusal(s) "
                                                "logged, expected 404 and one")
                        elif response.status_code in (403, 404, 500) or "/login?next=" in location or logged:
                            problems.append(f"{where}: {response.status_code} {location} "
                                            f"({logged} refusal(s) logged), expected to be allowed")
    assert problems == []


# The rules, as declared on the views (the matrix above checks the declarations hold).
SETTINGS_AND_ACCOUNTS = (
    "admin.", "visibility.settings", "families.topics", "contacts.catalogue", "dashboard.goals",
)


def test_only_the_director_and_the_admin_change_settings_and_accounts(app):
    for endpoint in ENDPOINTS:
        if endpoint.startswith(SETTINGS_AND_ACCOUNTS):
            assert rule_for(app, endpoint).roles <= {Role.DIRECTOR, Role.ADMIN}, endpoint


def test_the_family_rights_and_the_audit_trail_are_the_directors(app):
    privacy = [e for e in ENDPOINTS if e.startswith("privacy.")]
    assert len(privacy) >= 6
    for endpoint in privacy:
        assert rule_for(app, endpoint).roles == {Role.DIRECTOR}, endpoint


def test_the_admin_opens_no_contacts_notes_signals_or_follow_ups(app):
    """Accounts, the catalogue and the rosters: the admin opens a family's details (its page, which
    shows it nothing more, and the roster's pages) and nothing of its contacts (README role table)."""
    details_and_settings = {
        "visibility.family", "visibility.follow_ups", "visibility.settings",
        "contacts.catalogue", "contacts.catalogue_edit", "contacts.catalogue_move",
    }
    contact_endpoints = [e for e in ENDPOINTS if e not in details_and_settings
                         and e.startswith(("contacts.", "visibility.", "dashboard.", "privacy."))]
    assert "visibility.family_timeline" in contact_endpoints and len(contact_endpoints) >= 25
    for endpoint in contact_endpoints:
        assert Role.ADMIN not in rule_for(app, endpoint).roles, endpoint


def test_public_endpoints_are_only_login_language_assets_and_the_health_check(app):
    """A new public endpoint is a conscious choice: it must be added here."""
    public = {e for e in ENDPOINTS if rule_for(app, e).public}
    assert public <= {"accounts.login", "accounts.language", "static", "vendor", "health.healthz"}


# --- ids no database column can hold: a plain 404, never a 500 (issue 23) ------------------------

# PostgreSQL's INTEGER (every id column) holds 1 .. 2**31 - 1; SQLite's 8-byte integers 2**63 - 1.
ID_EDGES = ["2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "0", "-1",
            "9" * 40, "9" * 5000, "00", "1.5", "1e3", "0x10", "٣", "²", "%20", "1%0A"]
URL_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def _id_arguments(url_rule) -> list[str]:
    """The arguments of a URL rule that name a row by its number."""
    return [name for name in url_rule.arguments if name.endswith("_id")]


ID_RULES = sorted(
    (r.rule, r.endpoint) for r in create_app(
        {"TESTING": True, "SECRET_KEY": "matrix-listing-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    ).url_map.iter_rules() if _id_arguments(r)
)


def test_every_url_rule_with_an_id_uses_the_bounded_converter(app):
    from school.ids import IdConverter

    assert len(ID_RULES) >= 19
    for url_rule in app.url_map.iter_rules():
        for name in _id_arguments(url_rule):
            assert isinstance(url_rule._converters[name], IdConverter), (url_rule.rule, name)


@pytest.mark.parametrize(("rule", "endpoint"), ID_RULES)
def test_ids_out_of_range_or_malformed_answer_404_on_every_rule(app, rule, endpoint):
    """Every role, page and fragment, GET and POST: an id the database cannot hold is a 404."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    school = build_school(app)
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    methods = sorted(url_rule.methods - {"HEAD", "OPTIONS"})
    problems = []

    def check(name: str, value: str, role: Role, htmx: bool) -> None:
        url, sent = _values(school, role.value, outsider=False)
        values = {k: str(v) for k, v in url.items()} | {name: value}
        path = URL_ARGUMENT.sub(lambda m: values[m[1]], rule)
        for method in methods:
            response = _request(signed_in_client(app, school.users[role.value]), method, path, sent, htmx)
            if response.status_code != 404:
                problems.append(f"{role.value} {method} {path!r}: {response.status_code}")

    @given(name=st.sampled_from(_id_arguments(url_rule)),
           value=st.one_of(st.sampled_from(ID_EDGES), st.integers(min_value=2**31).map(str),
                           st.integers(max_value=0).map(str)),
           role=st.sampled_from(ROLES), htmx=st.booleans())
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def probe(name, value, role, htmx):
        check(name, value, role, htmx)

    for value in ID_EDGES:  # each edge, for each argument, with a role the rule lets in
        for name in _id_arguments(url_rule):
            allowed = [r for r in ROLES if rule_for(app, endpoint).allows(r)] or [Role.DIRECTOR]
            check(name, value, allowed[0], False)
    probe()
    assert problems == []
