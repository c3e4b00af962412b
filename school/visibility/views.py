"""Less-visible families, follow-ups, the family's grid, and the signal thresholds."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school import schoolyear
from school.access import FAMILY_PAGE, roles_required, signed_in
from school.accounts.models import Role, User
from school.extensions import db
from school.families.scope import get_household_or_404
from school.forms import new_token
from school.ids import parse_id
from school.policy import CONTACT_READERS, FOLLOW_UP_ROLES, may_entrust
from school.visibility import queries, service
from school.visibility.forms import FollowUpEditForm, FollowUpForm, ThresholdsForm
from school.visibility.models import Approach, FollowUpStatus
from school.visibility.signals import CODES, DEFAULTS, LIMITS, SIGNAL_TITLES
from school.web import render, trigger, wants_fragment

bp = Blueprint("visibility", __name__)



def _user() -> User:
    return current_user._get_current_object()


# --- my follow-ups ------------------------------------------------------------


@bp.get("/follow-ups")
@signed_in
def follow_ups():
    user = _user()
    overview = queries.less_visible(user) if user.role in FOLLOW_UP_ROLES else None
    return render(
        "visibility/follow_ups.html",
        mine=queries.my_follow_ups(user),
        closed=queries.my_recently_closed(user),
        others=queries.others_open_follow_ups(user),
        overview=overview,
        is_overdue=queries.is_overdue,
        today=schoolyear.today(),
    )


# --- minder zichtbaar -----------------------------------------------------------


@bp.get("/less-visible")
@roles_required(*FOLLOW_UP_ROLES)
def less_visible():
    user = _user()
    classes = queries.class_choices(user)
    class_id = parse_id(request.args.get("class"))
    if class_id not in {c.id for c in classes}:
        class_id = None
    signal = request.args.get("signal", "")
    signal = signal if signal in CODES else ""
    sort = request.args.get("sort", "personal")
    sort = sort if sort in queries.SORTS else "personal"
    without_plan = request.args.get("without_plan") == "1"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result = queries.less_visible(
        user, signal=signal or None, class_id=class_id, sort=sort, without_plan=without_plan, page=page
    )
    filters = {
        "signal": signal, "class": class_id or "", "sort": sort, "without_plan": "1" if without_plan else "",
    }
    return render(
        "visibility/less_visible.html", block="results", result=result, classes=classes, filters=filters,
        codes=CODES, titles=SIGNAL_TITLES, may_settle=user.role in (Role.DIRECTOR, Role.ADMIN),
    )


# --- the family page and its parts ------------------------------------------------


@bp.get("/families/<id:household_id>")
@signed_in(shows_family=FAMILY_PAGE)
def family(household_id: int):
    """The family page: its details, and for those who read contacts its grid, signals, follow-ups and
    timeline (the admin sees the details only: school.policy.CONTACT_READERS)."""
    household = get_household_or_404(household_id, _user())
    return render("visibility/family.html", **queries.family_page(household, _user(), request.args))


def _family_part(household_id: int, part: str, block: str):
    household = get_household_or_404(household_id, _user())
    context = queries.family_page(household, _user(), request.args)
    return render("visibility/family_part.html", block=block, part=part, **context)


@bp.get("/families/<id:household_id>/grid")
@roles_required(*CONTACT_READERS, shows_family=FAMILY_PAGE)  # the family's contacts: not the admin
def family_grid(household_id: int):
    return _family_part(household_id, "visibility/_grid.html", "part")


@bp.get("/families/<id:household_id>/reach")
@roles_required(*CONTACT_READERS, shows_family=FAMILY_PAGE)  # the family's contacts: not the admin
def family_reach(household_id: int):
    return _family_part(household_id, "visibility/_reach.html", "part")


@bp.get("/families/<id:household_id>/timeline")
@roles_required(*CONTACT_READERS, shows_family=FAMILY_PAGE)  # the family's contacts: not the admin
def family_timeline(household_id: int):
    if not wants_fragment():
        get_household_or_404(household_id, _user())  # outside the user's reach: 404, not a redirect
        args = {k: v for k, v in request.args.items() if k != "household_id"}
        return redirect(url_for("visibility.family", household_id=household_id, **args))
    return _family_part(household_id, "visibility/_timeline.html", "part")


# --- follow-ups: create and edit ---------------------------------------------------


@bp.route("/families/<id:household_id>/follow-ups/new", methods=["GET", "POST"])
@roles_required(*FOLLOW_UP_ROLES, shows_family="new_follow_up")
def new_follow_up(household_id: int):
    user = _user()
    household = get_household_or_404(household_id, user)
    owners = queries.owner_choices(household, user)
    form = FollowUpForm(owners=owners.choices, not_seeing=_not_seeing(owners))
    reach = queries.family_reach(household)
    if request.method == "GET":
        signal = request.args.get("signal", "")
        form.signal_code.data = signal if signal in CODES else ""
        default_owner = household.contact_person if household.contact_person in owners.choices else user
        form.owner.data = default_owner.id if default_owner in owners.choices else None
        if reach.suggestions:
            form.approach.data = reach.suggestions[0].approach.value
    if form.validate_on_submit():  # an owner outside `owners.choices` is a form error (validate_choice)
        owner = next((u for u in owners.choices if u.id == form.owner.data), None)
        token = form.submission_token.data or None
        try:
            earlier = service.follow_up_by_token(token, user)
            if earlier is not None:
                # A resend (a double click, a reload of the POST): the first send saved it.
                flash(_("This form was already saved; nothing was saved twice."), "info")
                return _saved(earlier.household_id, "follow-up-saved")
            if owner is None:
                form.owner.errors.append(_("Choose a colleague from the list."))
            else:
                service.create_follow_up(
                    household, owner=owner, approach=Approach(form.approach.data), due_on=form.due_on.data,
                    note=form.note.data, signal_code=form.signal_code.data or None, created_by=user,
                    token=token, entrusted=owners.entrusts(owner),
                )
                flash(_("Follow-up planned for %(name)s.", name=household.display_name), "success")
                return _saved(household.id, "follow-up-saved")
        except service.AlreadyUsed:
            # Not the user's doing (a hidden field): say so where it is seen, with a fresh form to send.
            form.signal_code.errors = [*form.signal_code.errors,
                                       _("This form was already used. Reload the page and try again.")]
            form.submission_token.data = new_token()
    status = 422 if form.is_submitted() else 200
    return render("visibility/follow_up_form.html", form=form, household=household, follow_up=None,
                  reach=reach, conflict=None, status=status, may_entrust=may_entrust(user))


def _not_seeing(owners: queries.Owners) -> frozenset[int]:
    return frozenset(u.id for u in owners.choices if owners.entrusts(u))


def _saved(household_id: int, event: str):
    if wants_fragment():
        household = get_household_or_404(household_id, _user())
        context = queries.family_page(household, _user(), {})
        response = render(
            "visibility/family_part.html", block="part", part="visibility/_reach.html", **context
        )
        return trigger(response, event)
    return redirect(url_for("visibility.family", household_id=household_id) + "#family-reach")


@bp.route("/follow-ups/<id:follow_up_id>", methods=["GET", "POST"])
@roles_required(*FOLLOW_UP_ROLES, shows_family="follow_up")  # the plan and the family's name
def edit_follow_up(follow_up_id: int):
    user = _user()
    follow_up = queries.follow_up_or_404(follow_up_id, user)
    household = follow_up.household
    # The owner it has stays selectable until changed (also when deactivated).
    owners = queries.owner_choices(household, user, current=follow_up.owner)
    form = FollowUpEditForm(owners=owners.choices, not_seeing=_not_seeing(owners),
                            current_status=follow_up.status,
                            obj=follow_up if request.method == "GET" else None)
    if request.method == "GET":
        form.owner.data = follow_up.owner_id
        form.approach.data = follow_up.approach.value
        form.status.data = follow_up.status.value
        form.signal_code.data = follow_up.signal_code or ""
        form.version.data = str(follow_up.version)
    conflict = None
    status = 200
    if form.validate_on_submit():
        owner = next((u for u in owners.choices if u.id == form.owner.data), None)
        if owner is None:
            form.owner.errors.append(_("Choose a colleague from the list."))
        else:
            try:
                service.update_follow_up(
                    follow_up, expected_version=parse_id(form.version.data),
                    status=FollowUpStatus(form.status.data), owner=owner,
                    entrusted_by=user if owners.entrusts(owner) else None,
                    approach=Approach(form.approach.data), due_on=form.due_on.data,
                    note=form.note.data, closing_reason=form.closing_reason.data,
                )
            except service.Conflict as exc:
                conflict = exc.current
                db.session.refresh(conflict)
                form.version.data = str(conflict.version)
                status = 409
            else:
                flash(_("Follow-up saved."), "success")
                return _saved(household.id, "follow-up-saved")
    if status == 200 and form.is_submitted():
        status = 422
    return render("visibility/follow_up_form.html", form=form, household=household, follow_up=follow_up,
                  reach=None, conflict=conflict, status=status, may_entrust=may_entrust(user))


# --- thresholds ----------------------------------------------------------------------


@bp.route("/settings/signals", methods=["GET", "POST"])
@roles_required(Role.DIRECTOR, Role.ADMIN)
def settings():
    current = queries.load_thresholds()
    form = ThresholdsForm(data=current.as_dict() if request.method == "GET" else None)
    if form.validate_on_submit():
        service.save_thresholds({name: getattr(form, name).data for name in LIMITS}, _user())
        flash(_("The thresholds are saved; every list uses them from now on."), "success")
        return redirect(url_for("visibility.settings"))
    status = 422 if form.is_submitted() else 200
    return render("visibility/settings.html", form=form, defaults=DEFAULTS.as_dict(), limits=LIMITS,
                  status=status)
