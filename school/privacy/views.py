"""The director's privacy pages: a family's data (export, consent, erasure) and the audit trail."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.access import roles_required
from school.accounts.models import Role
from school.families.scope import get_household_or_404
from school.privacy import queries, service
from school.privacy.forms import AuditFilterForm, ConsentForm, EraseForm
from school.web import render

bp = Blueprint("privacy", __name__, url_prefix="/privacy")

# The director answers the family's requests and reads the audit trail.
PRIVACY_ROLES = (Role.DIRECTOR,)
KIND = "<any(access, transfer):kind>"


def _user():
    return current_user._get_current_object()


@bp.get("/families/<id:household_id>")
@roles_required(*PRIVACY_ROLES, shows_family="privacy")
def family(household_id: int):
    household = get_household_or_404(household_id, _user())
    return _family_page(household)


def _family_page(household, *, erase_form=None, status=200):
    return render(
        "privacy/family.html", status=status, household=household, counts=queries.held_counts(household),
        erase_form=erase_form or EraseForm(formdata=None), consent_form=ConsentForm(),
        retention_months=current_app.config["RETENTION_MONTHS"],
    )


@bp.get(f"/families/<id:household_id>/export/{KIND}.json")
@roles_required(*PRIVACY_ROLES, shows_family=False)  # audited as family.exported
def export_json(household_id: int, kind: str):
    household = get_household_or_404(household_id, _user())
    record = service.export_household(household, kind=kind, fmt="json")
    response = make_response(json.dumps(record, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="household-{household_id}-{kind}.json"'
    return response


@bp.get(f"/families/<id:household_id>/export/{KIND}")
@roles_required(*PRIVACY_ROLES, shows_family=False)  # audited as family.exported
def export_page(household_id: int, kind: str):
    """The same export as a page to print (or save as PDF) and hand over."""
    household = get_household_or_404(household_id, _user())
    record = service.export_household(household, kind=kind, fmt="html")
    return render("privacy/export.html", household=household, record=record, kind=kind,
                  labels=queries.export_labels(), value_label=queries.value_label)


@bp.post("/families/<id:household_id>/consent")
@roles_required(*PRIVACY_ROLES)
def consent(household_id: int):
    household = get_household_or_404(household_id, _user())
    form = ConsentForm()
    choice = request.form.get("consent")
    if not form.validate_on_submit() or choice not in ("given", "withdrawn"):
        return _family_page(household, status=422)
    if service.set_consent(household, choice == "given"):
        message = _("Consent to share recorded.") if choice == "given" else _("Consent to share withdrawn.")
        flash(message, "success")
    return redirect(url_for("privacy.family", household_id=household.id) + "#privacy-consent")


@bp.route("/families/<id:household_id>/erase", methods=["POST"])
@roles_required(*PRIVACY_ROLES)
def erase(household_id: int):
    household = get_household_or_404(household_id, _user())
    form = EraseForm()
    if not form.validate_on_submit():
        return _family_page(household, erase_form=form, status=422)
    name = household.display_name
    erased = service.erase_household(household, reason=form.reason.data, user=_user())
    flash(_("%(name)s is erased. The audit trail keeps what happened, under the reference %(ref)s.",
            name=name, ref=erased.pseudonym), "success")
    return redirect(url_for("privacy.audit_trail", family=erased.pseudonym))


@bp.get("/audit")
@roles_required(*PRIVACY_ROLES)
def audit_trail():
    form = AuditFilterForm(
        formdata=request.args, user_choices=queries.user_choices(), action_choices=queries.action_choices()
    )
    valid = form.validate()
    filters = queries.AuditFilter()
    if valid:
        filters = queries.AuditFilter(
            family=(form.family.data or "").strip(), user_id=form.user.data, action=form.action.data or "",
            date_from=form.date_from.data, date_to=form.date_to.data,
        )
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result = queries.audit_page(filters, page)
    return render("privacy/audit.html", block="audit_results", status=200 if valid else 422, form=form,
                  result=result, filters=filters.as_args(), value_label=queries.value_label)
