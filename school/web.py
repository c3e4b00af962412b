"""Page-or-fragment rendering, htmx helpers, vendored assets, headers, errors."""

from __future__ import annotations

import json
from pathlib import Path

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    make_response,
    render_template,
    request,
    send_from_directory,
)
from flask.templating import Environment
from jinja2 import nodes
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import OperationalError

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
    app.jinja_env.globals["aria_attrs"] = aria_attrs

    from school.accounts.access import public

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


def _database_unavailable(error: OperationalError):
    """The database was locked past the busy timeout, full, or unreachable.

    The transaction is rolled back whole (audit events included), so nothing is
    half-written. An htmx form stays as it is, with the user's text, and the
    message lands in the page's #request-problem region; without JavaScript the
    user gets a page that says to go back and try again.
    """
    from school.extensions import db

    db.session.rollback()
    g.database_read_only = True  # the answer itself only reads (and must not wait)
    app = current_app._get_current_object()
    app.logger.warning("database unavailable: %s", error.orig)
    disk_full = "full" in str(error.orig).lower()
    response = render("errors/busy.html", block="problem", status=503, disk_full=disk_full)
    response.headers["Retry-After"] = "2"
    if wants_fragment():
        response.headers["HX-Retarget"] = "#request-problem"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render("errors/error.html", status=code, code=code), code
