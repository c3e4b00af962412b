"""The app factory: config, extensions, every domain's blueprints and listeners, errors, CLI.

The top of the layers: it assembles the domains, and nothing below imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined
from werkzeug.middleware.proxy_fix import ProxyFix

from school import (
    access,
    cli,
    database,
    extensions,
    health,
    i18n,
    models,  # noqa: F401 - every table registered, for migrations and relationships
    navigation,
    web,
)
from school.accounts import auth
from school.accounts import views as accounts_views
from school.admin import views as admin_views
from school.config import DEFAULTS, DEV_SECRET_KEY, database_url
from school.contacts import service as contacts_service
from school.contacts import views as contacts_views
from school.dashboard import views as dashboard_views
from school.families import views as families_views
from school.privacy import views as privacy_views
from school.visibility import service as visibility_service
from school.visibility import store as summary_store
from school.visibility import views as visibility_views

BLUEPRINTS = (
    accounts_views.bp,
    admin_views.bp,
    families_views.bp,
    contacts_views.bp,
    visibility_views.bp,
    dashboard_views.bp,
    privacy_views.bp,
    health.bp,
)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        "school",
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.jinja_environment = web.FragmentEnvironment  # before anything touches app.jinja_env
    _configure(app, test_config)
    _behind_proxies(app)

    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    database.init_app(app)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    web.init_app(app)
    access.init_app(app)
    auth.init_app(app)
    # What a domain tells the ones above it (school.events), connected once per app.
    contacts_service.init_app(app)
    visibility_service.init_app(app)
    summary_store.init_app(app)
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    i18n.init_app(app)
    navigation.init_app(app)
    cli.init_app(app)
    return app


def _behind_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the client's address (request.remote_addr, what
    logins are throttled by) and scheme are the ones the proxies forwarded. Off by default: without
    a proxy, an X-Forwarded-For header is the client's own say and must not be believed."""
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _lock_timeout(app: Flask) -> None:
    """How long a request waits for another's lock before it answers "try again" (503).

    SQLite: the driver's busy timeout. PostgreSQL: the session's lock_timeout, so a
    row held by another transaction does not keep the request waiting until the
    server kills the worker; the error it raises (SQLSTATE 55P03) is an
    OperationalError, which school.web answers like a busy SQLite file.
    """
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    seconds = app.config.get("DATABASE_LOCK_TIMEOUT") or app.config["SQLITE_BUSY_TIMEOUT"]
    options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    connect_args = dict(options.get("connect_args", {}))
    if uri.startswith("sqlite"):
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT"])
    elif uri.startswith("postgresql"):
        setting = f"-c lock_timeout={max(1, round(float(seconds) * 1000))}"
        given = connect_args.get("options", "")
        if "lock_timeout" not in given:
            connect_args["options"] = f"{given} {setting}".strip()
    else:
        return
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _configure(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        if os.environ.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
        app.config.from_prefixed_env("SCHOOLPOORT")
    else:
        app.config.from_mapping(test_config)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_url(app.instance_path))
    _lock_timeout(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("TESTING"):
        app.jinja_env.undefined = StrictUndefined
    production = not (app.debug or app.testing)
    secret = str(app.config.get("SECRET_KEY") or "")
    if production and (secret == DEV_SECRET_KEY or len(secret) < 16):
        raise RuntimeError(
            "Refusing to start with the development SECRET_KEY: set SECRET_KEY in the "
            "environment or in instance/config.py."
        )
