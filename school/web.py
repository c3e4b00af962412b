"""Page-or-fragment rendering, htmx helpers, vendored assets, headers, errors."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    has_app_context,
    make_response,
    render_template,
    request,
    send_from_directory,
)
from flask.templating import Environment
from jinja2 import nodes
from jinja2_fragments.flask import render_block
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from school.access import public
from school.extensions import db
from school.ids import IdConverter

# Endpoints that serve files everybody may cache (no family data).
ASSET_ENDPOINTS = frozenset({"static", "vendor"})

# Files the app serves from the npm packages (node_modules), by public name.
VENDOR_FILES = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "pico.min.css": "@picocss/pico/css/pico.min.css",
}


class FragmentEnvironment(Environment):
    """Every block also sees the template's top-level imports and macros.

    A fragment is one block rendered on its own (jinja2-fragments), without
    the template's top-level code, so `{% from "_macros.html" import field %}`
    or a macro defined outside the block would be undefined there. Copies of
    those statements are put at the start of every block when the template is
    compiled (once), so each page's fragments render like the page. (The
    compiler keeps no state on the nodes, so the same nodes serve every block.)
    """

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        shared = [n for n in tree.body if isinstance(n, (nodes.Import, nodes.FromImport, nodes.Macro))]
        if shared:
            for block in tree.find_all(nodes.Block):
                block.body[:0] = shared
        return tree


def wants_fragment() -> bool:
    """A real htmx swap: not a boosted navigation, not a history restore."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, never '//host'."""
    if not target:
        return None
    # Browsers drop tabs and newlines from URLs: "/\t/host" would become "//host".
    if any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


class Lazy:
    """A template value that is only worked out (queried) when the template uses it: one block of a page
    (an htmx fragment) often needs little of what the whole page shows."""

    __slots__ = ("_make", "_value", "_made")

    def __init__(self, make) -> None:
        self._make = make
        self._made = False
        self._value = None

    @property
    def value(self):
        if not self._made:
            self._value, self._made = self._make(), True
        return self._value

    def __iter__(self):
        return iter(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, key):
        return self.value[key]

    def __contains__(self, item) -> bool:
        return item in self.value

    def __getattr__(self, name: str):
        return getattr(self.value, name)


def render(template: str, block: str = "content", status: int = 200, **context) -> Response:
    """The whole page, or only `block` of it when htmx asks for a fragment."""
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def trigger(response: Response, event: str, detail: object = None) -> Response:
    """Add an HX-Trigger event (kebab-case) that other regions listen to."""
    events = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    events[event] = detail if detail is not None else True
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def aria_attrs(field, hint: object = None) -> dict[str, str]:
    """aria-invalid and aria-describedby for a form field, so errors are announced."""
    attrs: dict[str, str] = {}
    described = []
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.id}-error")
    if hint:
        described.append(f"{field.id}-hint")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def init_app(app: Flask) -> None:
    # Before any URL rule is added: every rule with a row id uses `<id:...>`.
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals["aria_attrs"] = aria_attrs

    @app.get("/vendor/<name>")
    @public
    def vendor(name: str):
        relative = VENDOR_FILES.get(name)
        if relative is None:
            abort(404)
        path = Path(app.config["VENDOR_DIR"]) / relative
        return send_from_directory(path.parent, path.name, max_age=7 * 24 * 3600)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Family data must not stay in a browser's or proxy's cache: everything
        # but the static files (pages, fragments, exports, redirects) is no-store.
        if request.endpoint not in ASSET_ENDPOINTS:
            headers.setdefault("Cache-Control", "no-store")
        return response

    for status in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(status, _error_page)
    app.register_error_handler(OperationalError, _database_unavailable)


def database_busy() -> bool:
    """True while the busy answer re-renders the submitted form (nothing may be saved then)."""
    return bool(has_app_context() and g.get("database_busy", False))


@event.listens_for(Session, "before_flush")
@event.listens_for(Session, "before_commit")
def _refuse_writes(session, *_args) -> None:
    """Guard of the busy answer: the re-rendered form only reads."""
    if database_busy():
        raise DatabaseBusy


class DatabaseBusy(Exception):
    """A write was attempted while re-rendering the form of a failed write."""


def _database_unavailable(error: OperationalError):
    """The database was locked past the busy timeout, full, or unreachable.

    The transaction is rolled back whole (audit events included), so nothing is
    half-written. An htmx form stays as it is, with the user's text, and the
    message lands in the page's #request-problem region. Without JavaScript the
    page is replaced, and pages are no-store (going back may lose the text), so
    the form that was posted is shown again with what was typed: the same view
    runs once more, reading only, with every form refusing to validate
    (SchoolForm.validate) and any write refused, and its form page (422)
    becomes the 503. Anything else falls back to a plain "try again" page.
    """
    db.session.rollback()
    g.database_read_only = True  # the answer itself only reads (and must not wait)
    app = current_app._get_current_object()
    app.logger.warning("database unavailable: %s", error.orig)
    g.database_disk_full = "full" in str(error.orig).lower()
    response = None
    if request.method == "POST" and not wants_fragment():
        response = _form_again(app)
    if response is None:
        response = render("errors/busy.html", block="problem", status=503)
    response.status_code = 503
    response.headers["Retry-After"] = "2"
    if wants_fragment():
        response.headers["HX-Retarget"] = "#request-problem"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _form_again(app: Flask) -> Response | None:
    """The posted form with the user's input, from its own view; None if it cannot be had."""
    g.database_busy = True
    try:
        answer = app.preprocess_request()
        if answer is None:
            answer = app.dispatch_request()
        response = app.make_response(answer)
    except Exception as failure:  # noqa: BLE001 - any failure: the plain busy page
        app.logger.info("busy: the form could not be shown again: %r", failure)
        response = None
    finally:
        db.session.rollback()
        g.database_busy = False
    # Only a form page re-rendered as refused: never a redirect or a "saved" answer.
    if response is None or response.status_code != 422:
        return None
    return response


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render("errors/error.html", status=code, code=code), code
