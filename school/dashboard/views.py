"""The director's contact dashboard: goals, the grid per class, the trend, less-visible families."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.access import roles_required
from school.accounts.models import Role
from school.families.models import Level
from school.grid import GRID_COLUMNS, GRID_ROWS, QUADRANTS, Quadrant
from school.visibility.signals import CODES, SIGNAL_TITLES
from school.web import render, wants_fragment

from . import charts, export, queries, service
from .forms import GoalsForm
from .goals import DEFAULTS, LIMITS

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

VIEWERS = (Role.DIRECTOR, Role.CARE)


def _context() -> dict:
    user = current_user._get_current_object()
    filters, years, classes = queries.load(request.args)
    context = {
        "filters": filters, "years": years, "classes": classes, "levels": list(Level), "quadrants": QUADRANTS,
        "grid_rows": GRID_ROWS, "grid_columns": GRID_COLUMNS, "Quadrant": Quadrant, "codes": CODES,
        "signal_titles": SIGNAL_TITLES, "line_style": charts.LINE_STYLE,
        "may_set_goals": user.role is Role.DIRECTOR, "dashboard": None, "fragment": wants_fragment(),
        "chosen_class": None,
    }
    if filters is None:
        return context
    # the class chosen, if any: the print view's title names it
    context["chosen_class"] = next((c for c in classes if c.id == filters.class_id), None)
    dashboard = queries.build(user, filters, classes)
    context.update(
        dashboard=dashboard,
        chart=charts.trend_chart(dashboard.weeks, QUADRANTS),
        bars={b.key: charts.stacked_bar(b) for b in dashboard.balances},
        args=filters.args(),
    )
    return context


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    return render("dashboard/index.html", block="view", **_context())


@bp.get("/print")
@roles_required(*VIEWERS)
def print_view():
    return render("dashboard/print.html", **_context())


@bp.get("/export.csv")
@roles_required(*VIEWERS)
def export_csv():
    context = _context()
    dashboard = context["dashboard"]
    if dashboard is None:
        return redirect(url_for("dashboard.index"))
    filters = dashboard.filters
    name = f"schoolpoort-{filters.year.label}-{filters.start.isoformat()}-{filters.end.isoformat()}"
    if filters.level:
        name += f"-{filters.level.value}"
    body = export.to_csv(dashboard)
    service.record_export(filters)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/goals", methods=["GET", "POST"])
@roles_required(Role.DIRECTOR)
def goals():
    current = queries.load_goals()
    form = GoalsForm(data=current.as_dict() if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in LIMITS}
        service.save_goals(values, current_user._get_current_object())
        flash(_("The goals are saved; the dashboard measures against them from now on."), "success")
        return redirect(url_for("dashboard.index"))
    status = 422 if form.is_submitted() else 200
    return render("dashboard/goals.html", form=form, defaults=DEFAULTS.as_dict(), limits=LIMITS,
                  status=status)
