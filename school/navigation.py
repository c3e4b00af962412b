"""The navigation each role sees."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from school.policy import Role

_LOG = ("contacts.quick_log", _l("Log contact"))
_FAMILIES = ("families.index", _l("Families"))
_FOLLOW_UPS = ("visibility.follow_ups", _l("Follow-ups"))
_LESS_VISIBLE = ("visibility.less_visible", _l("Less visible"))
_DASHBOARD = ("dashboard.index", _l("Dashboard"))
_ACCOUNTS = ("admin.users", _l("Accounts"))
_CATALOGUE = ("contacts.catalogue", _l("Catalogue"))
_AUDIT = ("privacy.audit_trail", _l("Audit trail"))

NAVIGATION = {
    Role.TEACHER: (_LOG, _FAMILIES, _LESS_VISIBLE, _FOLLOW_UPS),
    Role.RECEPTION: (_FAMILIES, _LOG),
    Role.CARE: (_FOLLOW_UPS, _LESS_VISIBLE, _FAMILIES, _LOG, _DASHBOARD),
    Role.DIRECTOR: (_DASHBOARD, _LESS_VISIBLE, _FAMILIES, _FOLLOW_UPS, _LOG, _CATALOGUE, _AUDIT),
    Role.ADMIN: (_ACCOUNTS, _FAMILIES, _CATALOGUE),
}


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, str(label)) for endpoint, label in NAVIGATION[current_user.role]]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
