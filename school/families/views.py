"""Families: the list, finding a family, the intake and editing a family."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from school.access import roles_required, signed_in
from school.accounts.models import Role
from school.extensions import db
from school.families import (
    conflicts,
    inputs,
    queries,
    roster,
    roster_import,
    service,
    uploads,
)
from school.families import duplicates as known
from school.families import roster_profiles as profiles
from school.families.forms import (
    FamilyForm,
    IntakeForm,
    RosterImportForm,
    RosterUploadForm,
    TopicsForm,
    add_entry,
)
from school.families.intake import channel_label, time_label
from school.families.models import IntakeStatus, Pupil
from school.families.scope import get_household_or_404
from school.families.topics import topic_choices, topic_label
from school.ids import parse_id
from school.schoolyear import today
from school.web import render, trigger, wants_fragment

bp = Blueprint("families", __name__, url_prefix="/families")
# The family page names a household's preferred channels and times.
bp.add_app_template_global(channel_label, "channel_label")
bp.add_app_template_global(time_label, "time_label")

INTAKE_ROLES = (Role.RECEPTION, Role.ADMIN, Role.DIRECTOR, Role.CARE)
IMPORT_ROLES = (Role.RECEPTION, Role.ADMIN, Role.DIRECTOR)
TOPIC_ROLES = (Role.ADMIN, Role.DIRECTOR)
# Buttons inside the family form that change the form itself, not the family.
FORM_ACTIONS = ("add_caregiver", "add_child", "add_agreement", "find_pupil", "link_pupil", "add_none")


@bp.get("/")
@signed_in
def index():
    q = request.args.get("q", "")[:100]
    page = request.args.get("page", 1, type=int) or 1
    result = queries.list_households(current_user, q=q, page=page)
    return render(
        "families/index.html", block="results", result=result, q=q,
        can_intake=current_user.role in INTAKE_ROLES, can_import=current_user.role in IMPORT_ROLES,
    )


@bp.get("/search")
@signed_in
def search():
    """As-you-type: the results fragment for htmx, the whole page otherwise."""
    q = request.args.get("q", "")[:100]
    result = queries.list_households(current_user, q=q, per_page=20) if q.strip() else None
    return render("families/search.html", block="search_results", result=result, q=q)



# --- the intake and editing a family ------------------------------------------------


def _family_form(household=None, **kwargs) -> FamilyForm:
    """The intake's form for a new family (its submission token required), else the edit's."""
    explained = list(household.info_explained or []) if household is not None else []
    form_class = IntakeForm if household is None else FamilyForm
    return form_class(
        household=household,
        class_choices=service.class_choices(),
        form_choices=service.contact_form_choices(),
        person_choices=service.person_choices(household.contact_person_id if household is not None else None),
        topic_choices=topic_choices(explained),
        **kwargs,
    )


@bp.route("/intake", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def intake():
    form = _family_form()
    if request.method == "GET":
        return _form_page(form, None)
    return _handle_post(form, None)


@bp.route("/<id:household_id>/edit", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES, shows_family="edit")  # the form shows the whole family
def edit(household_id: int):
    household = get_household_or_404(household_id, current_user)
    form = _family_form(household)
    if request.method == "GET":
        form.fill_from(household)
        form.submission_token.data = secrets.token_urlsafe(16)
        return _form_page(form, household)
    return _handle_post(form, household)


def _form_page(form: FamilyForm, household, status: int = 200, *, pupil_matches=None, duplicates=(),
               conflict=None, error_count: int = 0, errors=(), focus_id: str | None = None,
               known_pupils: bool = False):
    conflict_when = ""
    if conflict is not None and conflict.at is not None:
        conflict_when = format_datetime(conflict.at.replace(tzinfo=conflict.at.tzinfo or dt.UTC), "short")
    return render(
        "families/family_form.html",
        block="family_form",
        status=status,
        form=form,
        household=household,
        pupil_matches=pupil_matches,
        known_pupils=known_pupils,
        duplicates=list(duplicates),
        conflict=conflict,
        conflict_by=conflict.by if conflict is not None else None,
        conflict_when=conflict_when,
        error_count=error_count,
        errors=list(errors),
        focus_id=focus_id,
        finished=household is not None and household.intake_status is IntakeStatus.DONE,
        action_url=_action_url(household),
    )


def _action_url(household) -> str:
    return url_for("families.edit", household_id=household.id) if household else url_for("families.intake")


def _handle_post(form: FamilyForm, household):
    action = next((name for name in FORM_ACTIONS if name in request.form), None)
    if action is not None:
        return _form_action(form, household, action)
    finishing = "finish" in request.form or (
        household is not None and household.intake_status is IntakeStatus.DONE
    )
    valid = form.validate()
    valid = form.check(finishing) and valid
    if not valid:
        errors = form.error_list()
        return _form_page(form, household, status=422, error_count=max(1, len(errors)), errors=errors,
                          focus_id="form-errors")
    data = form.to_input()
    if household is None and (earlier := service.already_created(form.submission_token.data, current_user)):
        flash(_("This form was already saved; nothing was saved twice."), "info")
        return redirect(url_for("visibility.family", household_id=earlier))
    if not form.known_pupils_ack.data:
        linked = {c.pupil_id for c in data.children if c.pupil_id is not None}
        known_pupils = known.pupils_already_known(
            data.children, current_user, exclude_ids=linked, token=form.submission_token.data,
            household_id=household.id if household is not None else None,
        )
        if known_pupils:
            form.known_pupils_ack.data = "1"
            return _form_page(form, household, status=422, pupil_matches=known_pupils, known_pupils=True,
                              focus_id="known-pupils-alert")
    if household is None and not form.duplicates_ack.data:
        duplicates = known.find_duplicates(
            [c.phone for c in data.caregivers if c.phone], [c.email for c in data.caregivers if c.email],
            current_user,
        )
        if duplicates:
            form.duplicates_ack.data = "1"
            return _form_page(form, household, status=422, duplicates=duplicates)
    user = current_user._get_current_object()
    token = form.submission_token.data or secrets.token_urlsafe(16)
    try:
        if household is None:
            saved = service.create_household(data, user, finish=finishing, token=token)
        else:
            expected = parse_id(form.version.data)
            saved = service.update_household(
                household, data, user, expected_version=expected, finish=finishing, token=token
            )
    except service.AlreadySaved as done:
        flash(_("This form was already saved; nothing was saved twice."), "info")
        return redirect(url_for("visibility.family", household_id=done.household_id))
    except service.ChildNotLinkable as refused:
        db.session.rollback()  # nothing of this form is saved
        return _child_refused(form, household, refused)
    except conflicts.EditConflict as conflict:
        form.version.data = str(conflict.household.version)
        form.submission_token.data = secrets.token_urlsafe(16)
        return _form_page(form, conflict.household, status=409, conflict=conflict)
    if saved.intake_status is IntakeStatus.DONE:
        if household is None or "finish" in request.form:
            flash(_("Intake of %(name)s saved. The intake conversation is logged as a contact.",
                    name=saved.display_name), "success")
        else:
            flash(_("Changes to %(name)s saved.", name=saved.display_name), "success")
        return redirect(url_for("visibility.family", household_id=saved.id))
    flash(_("Intake of %(name)s saved part-way. You can finish it later.", name=saved.display_name),
          "success")
    return redirect(url_for("families.edit", household_id=saved.id))


def _child_refused(form: FamilyForm, household, refused: service.ChildNotLinkable):
    """A child's id sent back that names no child this form may link or change: 422, with why."""
    if refused.other_family:
        message = _("This child is already known in another family. Link the child as it is: change the "
                    "name, date of birth or class in that family's form.")
    else:
        message = _("This child is not (or no longer) in the school's records. Look the child up again, "
                    "or type the child's details in a new row.")
    for entry in form.children:
        if entry.form.pupil_id.data == refused.pupil_id:
            entry.form.first_name.errors = [*entry.form.first_name.errors, message]
    errors = form.error_list()
    return _form_page(form, household, status=422, error_count=max(1, len(errors)), errors=errors,
                      focus_id="form-errors")


def _form_action(form: FamilyForm, household, action: str):
    """Add a row, look up or link an existing child: re-show the form, save nothing."""
    pupil_matches, focus_id = None, None
    if action == "add_caregiver" and add_entry(form, form.caregivers):
        focus_id = form.caregivers[-1].form.first_name.id
    elif action == "add_child" and add_entry(form, form.children):
        focus_id = form.children[-1].form.first_name.id
    elif action == "add_agreement" and add_entry(form, form.agreements):
        focus_id = form.agreements[-1].form.form_id.id
    elif action == "find_pupil":
        pupil_matches = known.find_pupils(form.pupil_query.data or "", current_user)
        focus_id = form.pupil_query.id
    elif action == "link_pupil":
        focus_id = _link_pupil(form, request.form.get("link_pupil", ""))
    response = _form_page(form, household, pupil_matches=pupil_matches, focus_id=focus_id)
    return trigger(response, "family-form-changed", action.replace("_", "-"))


def _link_pupil(form: FamilyForm, value: str) -> str | None:
    pupil_id = parse_id(value)
    pupil = db.session.get(Pupil, pupil_id) if pupil_id is not None else None
    if pupil is None or pupil.left_on is not None:
        return None
    if any(e.form.pupil_id.data == pupil.id for e in form.children):
        return None
    # The row where this child was typed by hand becomes the link; else the first empty row.
    entry = next((e for e in form.children if not e.form.pupil_id.data and known.same_pupil(
        e.form.first_name.data or "", e.form.last_name.data or "", e.form.birth_date.data, pupil)), None)
    entry = entry or next((e for e in form.children if e.form.is_blank()), None)
    if entry is None:
        if not add_entry(form, form.children):
            return None
        entry = form.children[-1]
    entry.form.pupil_id.data = pupil.id
    entry.form.first_name.data = pupil.first_name
    entry.form.last_name.data = pupil.last_name
    entry.form.birth_date.data = pupil.birth_date
    entry.form.class_id.data = pupil.school_class_id
    entry.form.external_key.data = pupil.external_key or ""
    form.pupil_query.data = ""
    return entry.form.class_id.id


@bp.get("/pupils")
@roles_required(*INTAKE_ROLES, shows_family=False)  # the household only sets the form's address
def find_pupils():
    """As-you-type: children already at school who could be linked to this household."""
    q = request.args.get("pupil_query", "")[:100]
    matches = known.find_pupils(q, current_user) if q.strip() else None
    household = None
    if request.args.get("household_id"):  # named: a family the user may see, else 404
        household_id = parse_id(request.args["household_id"])
        if household_id is None:
            abort(404)
        household = get_household_or_404(household_id, current_user)
    return render("families/_pupil_matches.html", block="pupil_matches", pupil_matches=matches,
                  action_url=_action_url(household))


@bp.get("/duplicates")
@roles_required(*INTAKE_ROLES)
def duplicates():
    """Possible duplicates for the phone numbers and e-mail addresses typed so far."""
    phones = [v for k, v in request.args.items(multi=True) if k.endswith("-phone")][:8]
    emails = [v for k, v in request.args.items(multi=True) if k.endswith("-email")][:8]
    exclude = parse_id(request.args.get("exclude"))
    found = known.find_duplicates(phones, emails, current_user, exclude_id=exclude)
    return render("families/_duplicates.html", block="duplicates", duplicates=found, household=None)


# --- the intake's checklist ---------------------------------------------------------


@bp.route("/topics", methods=["GET", "POST"])
@roles_required(*TOPIC_ROLES)
def topics():
    """What the school explains at the intake: the list is the school's own."""
    form = TopicsForm()
    if request.method == "GET":
        for topic in service.all_topics():
            entry = form.topics.append_entry()
            entry.form.id.data = str(topic.id)
            entry.form.label.data = topic_label(topic)
            entry.form.active.data = topic.active
            entry.form.sort_order.data = topic.sort_order
    elif form.validate():
        token = form.submission_token.data
        if form.new_label.data and service.topic_added_by(token) is not None:
            flash(_("This form was already saved; nothing was saved twice."), "info")
            return redirect(url_for("families.topics"))
        rows = [
            inputs.TopicInput(
                id=parse_id(e.form.id.data), label=e.form.label.data or None, active=bool(e.form.active.data),
                sort_order=e.form.sort_order.data,
            )
            for e in form.topics
            if parse_id(e.form.id.data) is not None
        ]
        service.save_topics(rows, form.new_label.data or None, token)
        flash(_("The intake checklist is saved."), "success")
        return redirect(url_for("families.topics"))
    status = 422 if request.method == "POST" else 200
    return render("families/topics.html", form=form, status=status)


# --- roster import: upload → mapping → preview → import --------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*IMPORT_ROLES)
def import_roster():
    form = RosterUploadForm()
    error = None
    if request.method == "POST":
        upload = request.files.get("file")
        if not form.validate():
            error = _("The form has expired. Please choose the file again.")
        elif upload is None or not upload.filename:
            error = _("Choose a file first.")
        else:
            data = upload.stream.read(roster.MAX_BYTES + 1)
            try:
                roster.read_roster(data, upload.filename)
            except roster.RosterError as problem:
                error = str(problem.message)
            else:
                token = uploads.store_upload(data, upload.filename, current_user._get_current_object())
                return redirect(url_for("families.import_preview", token=token))
    return _upload_page(form, error, 422 if error else 200)


def _upload_page(form, error, status):
    return render("families/import_upload.html", form=form, error=error, status=status,
                  max_mb=roster.MAX_BYTES // (1024 * 1024))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A roster larger than the app accepts at all (refused before the view runs): the roster message."""
    if request.endpoint == "families.import_roster":
        return _upload_page(RosterUploadForm(formdata=None), str(roster.too_big().message), 413)
    return render("errors/error.html", status=413, code=413)


def _stored_table(token: str):
    try:
        stored = uploads.load_upload(token, current_user._get_current_object())
    except uploads.UploadExpired:
        hours = int(uploads.UPLOAD_MAX_AGE.total_seconds() // 3600)
        flash(_("The uploaded file is kept for %(hours)d hours only and has been removed. "
                "Upload it again.", hours=hours), "error")
        target = url_for("families.import_roster")
        if wants_fragment():  # a whole-page navigation, not the upload page inside the preview
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            abort(response)
        abort(redirect(target))
    if stored is None:
        abort(404)
    data, filename = stored
    try:
        return roster.read_roster(data, filename), filename
    except roster.RosterError:
        uploads.delete_upload(token)
        abort(404)


def _mapping_from(args, table) -> tuple[str, str, dict]:
    """The chosen profile's value, its label and the mapping: the selects as sent; else the profile
    chosen; else the one the file's headers are recognised as."""
    chosen = args.get("profile") or ""
    try:
        label, mapping = roster_import.profile_mapping(table, chosen or None)
    except roster_import.ProfileError:
        chosen = ""
        label, mapping = roster_import.profile_mapping(table, None)
    if any(key.startswith("map-") for key in args):
        mapping = {code: (args.get(f"map-{code}") or None) for code in roster.FIELDS}
    return chosen, label, mapping


@bp.route("/import/<token>", methods=["GET", "POST"])
@roles_required(*IMPORT_ROLES)
def import_preview(token: str):
    """The column mapping, and a preview of what the import would do; POST imports (or saves the
    mapping as a named profile, or cancels: the uploaded file is removed)."""
    table, filename = _stored_table(token)
    form = RosterImportForm()
    if request.method == "POST" and request.form.get("action") == "cancel" and form.validate():
        uploads.delete_upload(token)  # the pupils' and parents' data leaves the disk at once
        flash(_("The import is cancelled and the file is removed."), "success")
        return redirect(url_for("families.index"))
    source = request.form if request.method == "POST" else request.args
    chosen, profile_label, mapping = _mapping_from(source, table)
    problems = roster.mapping_problems(mapping, table.headers)
    profile_error = left_on_error = None
    if request.method == "POST" and request.form.get("action") == "save-profile":
        if not problems and form.validate():
            try:
                name = roster_import.save_profile(request.form.get("profile_name", ""), mapping,
                                                  current_user._get_current_object())
            except roster_import.ProfileError as error:
                profile_error = str(error.message)
            else:
                flash(_("Profile %(name)s is saved.", name=name), "success")
                return redirect(url_for("families.import_preview", token=token, profile=name))
        else:
            profile_error = _("Correct the columns first.")
    elif request.method == "POST" and not problems and form.validate():
        try:
            left_on = roster_import.parse_left_on(request.form.get("left_on"))
        except roster_import.LeftOnError as error:
            left_on_error = str(error.message)
        else:
            leave = {pid for pid in map(parse_id, request.form.getlist("leave")) if pid is not None}
            plan = roster_import.import_roster(table, mapping, current_user._get_current_object(),
                                               leave=leave, left_on=left_on)
            uploads.delete_upload(token)
            counts = plan.counts
            flash(_("Roster imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(errors)d rows with errors left out.", created=counts["create"],
                    updated=counts["update"], unchanged=counts["unchanged"], errors=counts["error"]),
                  "success")
            if plan.marked_left:
                flash(_("%(num)d pupils marked as left on %(day)s.", num=len(plan.marked_left),
                        day=left_on.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("families.index"))
    plan = roster_import.preview_roster(table, mapping) if not problems else None
    shown_rows = []
    if plan is not None:
        shown_rows = [r for r in plan.rows if r.action != "unchanged"][:500]
        shown_rows += [r for r in plan.rows if r.action == "unchanged"][:50]
        shown_rows.sort(key=lambda r: r.row.line)
    status = 422 if request.method == "POST" else 200
    left_out = profiles.left_out_columns(table.headers)
    return render(
        "families/import_preview.html", block="import_preview", status=status, form=form, token=token,
        filename=filename, table=table, mapping=mapping, problems=problems, plan=plan, fields=roster.FIELDS,
        shown_rows=shown_rows, left_out=left_out, left_out_names={c for c, _r in left_out},
        profile_label=profile_label, chosen_profile=chosen, profile_error=profile_error,
        built_in_profiles=profiles.BUILT_IN, saved_profiles=sorted(roster_import.saved_profiles()),
        pupil_fields=roster.PUPIL_FIELDS, slots=range(1, profiles.SLOTS + 1),
        caregiver_parts=profiles.CAREGIVER_PARTS,
        change_labels=roster.change_labels(), action_labels=roster.action_labels(),
        caregiver_text=roster.caregiver_text, skipped_text=roster.skipped_text,
        class_change_text=roster.class_change_text, departure_text=roster.departure_text,
        left_on_error=left_on_error, left_on=request.form.get("left_on") or today().isoformat(),
        confirmed_leave=set(request.form.getlist("leave")),
    )

