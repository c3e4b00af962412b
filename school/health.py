"""A bare endpoint: /healthz answers "ok" without touching the database.

For a load balancer's health check, and as the floor the benchmark (bench/)
compares every page with: the same app stack (the WSGI server, Flask, the
session and security-header hooks) doing nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response

from school.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")
