"""Less-visible families and follow-ups."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from school.web import render

bp = Blueprint("visibility", __name__)


@bp.get("/follow-ups")
@login_required
def follow_ups():
    return render("visibility/follow_ups.html")
