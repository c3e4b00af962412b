"""Logging contact moments: the quick log (the teacher's home), several families at
once, group activities, broadcasts, correcting and the catalogue.

Every form posts to a real URL and redirects without JavaScript; with htmx the
same endpoints answer with a fragment and the `contact-logged` event.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school import schoolyear
from school.access import refuse, roles_required
from school.accounts.models import Role
from school.catalogue import ContactForm, ContactLevel
from school.contacts import queries, service
from school.contacts.forms import (
    ActivityForm,
    BroadcastForm,
    CatalogueForm,
    EditMomentForm,
    MomentForm,
    NewCatalogueForm,
    SeveralForm,
    date_bounds,
)
from school.extensions import db
from school.families.scope import sees_all_families
from school.forms import TOKEN_PATTERN, search_text
from school.grid import Quadrant
from school.ids import parse_id
from school.policy import CATALOGUE_EDITORS, CORRECTORS, LOGGERS
from school.web import Lazy, render, trigger, wants_fragment

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

# Access rules (school.access): a teacher reaches the families of their
# classes; who is not a corrector reaches only the moments they logged.
FAMILY_SCOPED = (Role.TEACHER,)
OWN_ENTRIES_ONLY = tuple(role for role in LOGGERS if role not in CORRECTORS)


def _user():
    return current_user._get_current_object()


def _logged(response, moments, **extra):
    ids = sorted({m.household_id for m in moments})
    return trigger(response, "contact-logged", {"household_ids": ids, **extra})


def _sent_token(value: str | None) -> str:
    """A submission token from a URL or a button, or "" for anything no form of ours made
    (a NUL or a 10 000-character string never reaches the database)."""
    value = value or ""
    return value if re.fullmatch(TOKEN_PATTERN, value) else ""


def _token_message() -> str:
    return _("This form was already used. Reload the page and try again.")


# --- the quick log ---------------------------------------------------------------------


def _back() -> str:
    """'family' when the quick log is opened inside the family page (its own regions refresh)."""
    return "family" if request.values.get("back") == "family" else ""


def _log_page(*, household=None, form=None, saved=None, q="", results=None, status=200, block="log_area"):
    """The quick log: a family picker, the form for one family, or the confirmation."""
    user = _user()
    # Worked out only when the block rendered shows them (a save's answer shows the confirmation only).
    offered = Lazy(lambda: queries.catalogue(broadcast=False))
    if household is not None and form is None:
        form = MomentForm(household=household, form_choices=offered.value, formdata=None)
    groups = queries.picker_groups(user) if household is None and saved is None and not q else []
    return render(
        "contacts/quick_log.html",
        block=block,
        status=status,
        household=household,
        form=form,
        favourites=Lazy(lambda: queries.favourite_forms(user, offered.value)),
        by_quadrant=Lazy(lambda: queries.by_quadrant(offered.value)),
        saved=saved,
        q=q,
        results=results,
        groups=groups,
        sees_all=sees_all_families(user),
        today_moments=Lazy(lambda: queries.todays_moments(user)),
        bounds=date_bounds(),
        today_date=schoolyear.today(),
        area="log-area",
        back=_back(),
    )


class SavedView:
    """What the confirmation shows: the moments of one submission, and whether undo is possible."""

    def __init__(self, moments, *, undone=False, repeated=False):
        self.moments = moments
        self.undone = undone
        self.repeated = repeated
        user = _user()
        self.can_undo = not undone and service.can_undo(moments, user)
        self.token = moments[0].submission_token if moments else ""
        self.undo_seconds = service.undo_seconds()
        self.error = None

    @property
    def single_household(self):
        ids = {m.household_id for m in self.moments}
        return self.moments[0].household if len(ids) == 1 else None


@bp.get("/log")
@roles_required(*LOGGERS, limited=FAMILY_SCOPED, shows_family="quick_log")
def quick_log():
    user = _user()
    named = request.args.get("household_id")
    token = _sent_token(request.args.get("saved"))
    if token:
        moments = queries.moments_by_token(user, token)
        if moments:
            undone = all(m.removed_at is not None for m in moments)
            return _log_page(saved=SavedView(moments, undone=undone))
    if named:  # a family the user may see, or 404 (an id no family can have included)
        household_id = parse_id(named)
        if household_id is None:
            abort(404)
        return _log_page(household=queries.household_for_log(household_id, user))
    return _log_page()


@bp.get("/families")
@roles_required(*LOGGERS)
def family_picker():
    """The typed-letters filter of the quick log (fragment: the results only)."""
    q = search_text(request.args.get("q"))
    results = queries.search_families(_user(), q) if q else None
    return _log_page(q=q, results=results, block="family_results")


@bp.get("/today")
@roles_required(*LOGGERS)
def today():
    """Today's list: what I logged today (reloads on `contact-logged`)."""
    return _log_page(block="today")


@bp.post("/log")
@roles_required(*LOGGERS, limited=FAMILY_SCOPED)
def log_moment():
    user = _user()
    named = request.form.get("household_id")
    if not named:
        abort(400)
    household_id = parse_id(named)
    if household_id is None:  # an id no family can have: as for a family out of reach
        abort(404)
    household = queries.household_for_log(household_id, user)
    offered = queries.catalogue(broadcast=False)
    form = MomentForm(household=household, form_choices=offered)
    if form.validate_on_submit():
        data = form.cleaned()
        contact_form = queries.form_or_none(data.pop("form_id"), offered)
        try:
            saved = service.log_moments(
                user, [household.id], form=contact_form, token=form.submission_token.data, **data
            )
        except service.AlreadyUsed:
            form.form_id.errors.append(_token_message())
        else:
            if not wants_fragment():
                token = saved.moments[0].submission_token
                return redirect(url_for("contacts.quick_log", saved=token, back=_back() or None))
            view = SavedView(saved.moments, repeated=saved.repeated)
            return _logged(_log_page(saved=view), saved.moments)
    return _log_page(household=household, form=form, status=422)


@bp.post("/undo")
@roles_required(*LOGGERS, limited=LOGGERS)  # only one's own submission
def undo():
    user = _user()
    token = _sent_token(request.form.get("token"))
    moments = queries.moments_by_token(user, token)
    if not moments:
        refuse(object_type="submission")
    try:
        service.undo(user, token)
    except service.TooLate:
        message = _("Too late to undo: correct or remove it from today's list instead.")
        if not wants_fragment():
            flash(message, "error")
            return redirect(url_for("contacts.quick_log", saved=token, back=_back() or None))
        view = SavedView(moments)
        view.error = message
        return _log_page(saved=view, status=422)
    except service.ContactError:
        pass  # undone before: show that it is undone
    if not wants_fragment():
        flash(_("Undone: that contact is removed."), "success")
        return redirect(url_for("contacts.quick_log", saved=token, back=_back() or None))
    return _logged(_log_page(saved=SavedView(moments, undone=True)), moments, removed=True)


# --- several families at once --------------------------------------------------------------


def _several_page(form, *, status=200, saved=None):
    user = _user()
    offered = queries.catalogue(broadcast=False)
    groups = _several_groups(user)
    return render(
        "contacts/several.html",
        block="several_area",
        status=status,
        form=form,
        groups=groups,
        favourites=queries.favourite_forms(user, offered),
        by_quadrant=queries.by_quadrant(offered),
        saved=saved,
        bounds=date_bounds(),
        sees_all=sees_all_families(user),
        area="several-area",
        back="",
    )


def _several_groups(user):
    if sees_all_families(user):
        return queries.class_groups(user, None)
    return queries.picker_groups(user)


def _household_choices(groups):
    """(household id, label) once per family, even when it has children in two classes."""
    return list({e.household_id: (e.household_id, e.label) for g in groups for e in g.entries}.values())


@bp.route("/log/several", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def log_several():
    user = _user()
    groups = _several_groups(user)
    offered = queries.catalogue(broadcast=False)
    form = SeveralForm(form_choices=offered, household_choices=_household_choices(groups))
    if request.method == "GET":
        return _several_page(form)
    if form.validate_on_submit():
        data = form.cleaned()
        contact_form = queries.form_or_none(data.pop("form_id"), offered)
        try:
            saved = service.log_moments(
                user, form.household_ids.data, form=contact_form, token=form.submission_token.data, **data
            )
        except service.AlreadyUsed:
            form.form_id.errors.append(_token_message())
        else:
            if not wants_fragment():
                return redirect(url_for("contacts.quick_log", saved=saved.moments[0].submission_token))
            view = SavedView(saved.moments, repeated=saved.repeated)
            return _logged(_several_page(form, saved=view), saved.moments)
    return _several_page(form, status=422)


# --- group activities and broadcasts ----------------------------------------------------------


def _activity_audience(user):
    return queries.audience_choices(user, whole_school=sees_all_families(user))


def _attendance_groups(user, class_id):
    if class_id is None:
        return queries.class_groups(user, None)
    return queries.class_groups(user, [class_id])


def _chosen_class(choices, value):
    values = [v for v, _label in choices]
    if value in values:
        return value
    return values[0] if values else None


@bp.route("/group/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def group_new():
    """A class or school activity with attendance (GET ?audience= switches the class list)."""
    user = _user()
    audience = _activity_audience(user)
    chosen = _chosen_class(audience, request.values.get("audience"))
    class_id = None if chosen in (None, "school") else int(chosen)
    groups = _attendance_groups(user, class_id) if chosen else []
    offered = queries.activity_forms()
    form = ActivityForm(
        form_choices=offered,
        audience_choices=audience,
        household_choices=_household_choices(groups),
    )
    if request.method == "GET":
        form.audience.data = chosen
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            invited = {e.household_id for g in groups for e in g.entries}
            came = [h for h in form.came.data if h in invited]
            not_came = sorted(invited - set(came)) if form.record_absent.data else []
            try:
                saved = service.log_activity(
                    user,
                    form=queries.form_or_none(int(form.form_id.data), offered),
                    class_id=class_id,
                    occurred_on=form.occurred_on.data,
                    token=form.submission_token.data,
                    came=came,
                    not_came=not_came,
                    title=form.title.data,
                    note=form.note.data,
                )
            except service.AlreadyUsed:
                form.form_id.errors.append(_token_message())
            else:
                if not wants_fragment():
                    flash(_("The activity is saved."), "success")
                    return redirect(url_for("contacts.group_show", group_id=saved.group.id))
                response = render(
                    "contacts/group_new.html",
                    block="group_area",
                    form=form,
                    groups=groups,
                    saved=saved,
                    chosen=chosen,
                    audience=audience,
                    bounds=date_bounds(),
                    counts=queries.counts_by_reach(saved.moments),
                    activity_forms=offered,
                )
                return _logged(response, saved.moments)
        status = 422
    return render(
        "contacts/group_new.html",
        block="group_area",
        status=status,
        form=form,
        groups=groups,
        saved=None,
        chosen=chosen,
        audience=audience,
        bounds=date_bounds(),
        counts=None,
        activity_forms=offered,
    )


@bp.get("/group/<id:group_id>")
@roles_required(*LOGGERS)
def group_show(group_id: int):
    user = _user()
    group = queries.group_or_404(group_id, user)
    moments = queries.group_moments(group, user)
    return render(
        "contacts/group_show.html",
        group=group,
        moments=moments,
        can_remove=group.logged_by_id == user.id or user.role in CORRECTORS,
    )


@bp.post("/group/<id:group_id>/remove")
@roles_required(*LOGGERS, limited=OWN_ENTRIES_ONLY)
def group_remove(group_id: int):
    user = _user()
    group = queries.group_or_404(group_id, user)
    if not (group.logged_by_id == user.id or user.role in CORRECTORS):
        refuse(object_type="group_contact", object_id=group.id)
    service.remove_group(user, group)
    flash(_("Removed. It stays in the audit trail only."), "success")
    return redirect(url_for("contacts.quick_log"))


@bp.route("/broadcast/new", methods=["GET", "POST"])
@roles_required(*LOGGERS)
def broadcast_new():
    """A newsletter, a class group post, a letter to every family: one row, nobody 'reached'."""
    user = _user()
    audience = queries.audience_choices(user, whole_school=True)
    offered = queries.catalogue(broadcast=True)
    form = BroadcastForm(form_choices=offered, audience_choices=audience)
    if request.method == "GET":
        form.audience.data = _chosen_class(audience, request.args.get("audience"))
        return render(
            "contacts/broadcast_new.html", block="broadcast_area", form=form, saved=None, bounds=date_bounds()
        )
    if form.validate_on_submit():
        try:
            saved = service.log_broadcast(
                user,
                form=queries.form_or_none(int(form.form_id.data), offered),
                class_id=form.class_id,
                occurred_on=form.occurred_on.data,
                token=form.submission_token.data,
                title=form.title.data,
                note=form.note.data,
            )
        except service.AlreadyUsed:
            form.form_id.errors.append(_token_message())
        else:
            if not wants_fragment():
                flash(_("The broadcast is saved."), "success")
                return redirect(url_for("contacts.quick_log"))
            response = render(
                "contacts/broadcast_new.html",
                block="broadcast_area",
                form=form,
                saved=saved,
                bounds=date_bounds(),
            )
            return trigger(response, "broadcast-logged", {"class_id": saved.group.class_id})
    return render(
        "contacts/broadcast_new.html",
        block="broadcast_area",
        form=form,
        saved=None,
        bounds=date_bounds(),
        status=422,
    )


# --- correcting -----------------------------------------------------------------------------


def _back_url(moment):
    if request.values.get("back") == "family":
        return url_for("visibility.family", household_id=moment.household_id)
    return url_for("contacts.quick_log")


@bp.route("/moments/<id:moment_id>/edit", methods=["GET", "POST"])
@roles_required(*LOGGERS, limited=OWN_ENTRIES_ONLY, shows_family="contact_edit")
def edit_moment(moment_id: int):
    user = _user()
    moment = queries.moment_or_404(moment_id, user)
    offered = queries.catalogue(broadcast=False)
    if moment.form not in offered:
        offered = [*offered, moment.form]  # a deactivated form stays on old moments
    form = EditMomentForm(
        obj=moment if request.method == "GET" else None,
        household=moment.household,
        form_choices=offered,
        keep_day=moment.occurred_on,
    )
    if request.method == "GET":
        form.form_id.data = str(moment.form_id)
        form.tone.data = moment.tone.value
        form.reach.data = moment.reach.value
        form.initiative.data = moment.initiative.value
        form.mediator.data = moment.mediator.value
        form.caregiver_id.data = str(moment.caregiver_id or "")
        form.pupil_id.data = str(moment.pupil_id or "")
        form.version.data = str(moment.version)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            data = form.cleaned()
            contact_form = queries.form_or_none(data.pop("form_id"), offered)
            version = parse_id(form.version.data)  # a row version: an INTEGER column as ids are
            try:
                service.update_moment(user, moment, version=version, form=contact_form, **data)
            except service.Stale:
                form.form_id.errors.append(
                    _("Somebody else changed this contact meanwhile. Reload the page to see their change.")
                )
            else:
                flash(_("Your correction is saved."), "success")
                return redirect(_back_url(moment))
        status = 422
    return render(
        "contacts/edit.html",
        form=form,
        moment=moment,
        offered=offered,
        by_quadrant=queries.by_quadrant(offered),
        status=status,
        bounds=date_bounds(),
        back=request.values.get("back", ""),
    )


@bp.post("/moments/<id:moment_id>/remove")
@roles_required(*LOGGERS, limited=OWN_ENTRIES_ONLY)
def remove_moment(moment_id: int):
    user = _user()
    moment = queries.moment_or_404(moment_id, user)
    service.remove_moment(user, moment)
    flash(_("Removed. It stays in the audit trail only."), "success")
    return redirect(_back_url(moment))


# --- the catalogue ---------------------------------------------------------------------------


def _catalogue_form_values(form: CatalogueForm) -> dict:
    return {
        "name": form.name.data,
        "quadrant": Quadrant(form.quadrant.data),
        "level": ContactLevel(form.level.data),
        "is_broadcast": bool(form.is_broadcast.data),
        "active": bool(form.active.data),
    }


@bp.route("/catalogue", methods=["GET", "POST"])
@roles_required(*CATALOGUE_EDITORS)
def catalogue():
    form = NewCatalogueForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            token = form.submission_token.data
            added, created = service.add_form(**_catalogue_form_values(form), token=token)
            if created:
                flash(_("%(name)s is added to the catalogue.", name=added.name), "success")
            else:
                flash(_("This form was already saved; nothing was saved twice."), "info")
            return redirect(url_for("contacts.catalogue"))
        status = 422
    forms = queries.catalogue(broadcast=None, active_only=False)
    return render("contacts/catalogue.html", form=form, status=status, by_quadrant=queries.by_quadrant(forms))


def _contact_form_or_404(form_id: int) -> ContactForm:
    contact_form = db.session.get(ContactForm, form_id)
    if contact_form is None:
        abort(404)
    return contact_form


@bp.route("/catalogue/<id:form_id>", methods=["GET", "POST"])
@roles_required(*CATALOGUE_EDITORS)
def catalogue_edit(form_id: int):
    contact_form = _contact_form_or_404(form_id)
    form = CatalogueForm(obj=contact_form if request.method == "GET" else None)
    if request.method == "GET":
        form.name.data = contact_form.label
        form.quadrant.data = contact_form.quadrant.value
        form.level.data = contact_form.level.value
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            values = _catalogue_form_values(form)
            if values["name"] == contact_form.label:
                values["name"] = contact_form.name  # unchanged: keep the translated seed name
            service.update_form(contact_form, **values)
            flash(_("Changes to %(name)s saved.", name=contact_form.label), "success")
            return redirect(url_for("contacts.catalogue"))
        status = 422
    return render("contacts/catalogue_edit.html", form=form, contact_form=contact_form, status=status)


@bp.post("/catalogue/<id:form_id>/move")
@roles_required(*CATALOGUE_EDITORS)
def catalogue_move(form_id: int):
    contact_form = _contact_form_or_404(form_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    service.move_form(contact_form, -1 if direction == "up" else 1)
    return redirect(url_for("contacts.catalogue") + f"#form-{contact_form.id}")
