"""Logging contact moments (the teacher's home page)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from school.web import render

bp = Blueprint("contacts", __name__, url_prefix="/contacts")


@bp.get("/log")
@login_required
def quick_log():
    return render("contacts/quick_log.html")
