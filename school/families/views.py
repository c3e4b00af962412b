"""Families: the list and the family page."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from school.extensions import db
from school.families import queries
from school.families.scope import get_household_or_404
from school.privacy import audit
from school.web import render

bp = Blueprint("families", __name__, url_prefix="/families")


@bp.get("/")
@login_required
def index():
    q = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int) or 1
    result = queries.list_households(current_user, q=q, page=page)
    return render("families/index.html", block="results", result=result, q=q)


@bp.get("/<int:household_id>")
@login_required
def show(household_id: int):
    household = get_household_or_404(household_id, current_user)
    audit.record("family.viewed", object_type="household", object_id=household.id, household_id=household.id)
    db.session.commit()
    return render("families/show.html", household=household)
