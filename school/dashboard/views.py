"""The director's contact dashboard."""

from __future__ import annotations

from flask import Blueprint

from school.accounts.auth import roles_required
from school.accounts.models import Role
from school.web import render

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@roles_required(Role.DIRECTOR, Role.CARE)
def index():
    return render("dashboard/index.html")
