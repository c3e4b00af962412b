"""The eight less-visible signals: pure functions over a FamilySummary.

Each signal has a stable code, a school-adjustable threshold and a short,
neutral explanation in the user's language. A signal says what the SCHOOL's
contact has been, never what the family is (DOMAIN.md): silence can be lost
letters, language, literacy, digital barriers or shift work.

The sources (Leidraad Samenwerken met ouders) give no numbers; these are the
defaults, each chosen for a reason and changeable by the director on the
settings page (stored as the Setting "signal_thresholds", a JSON object):

start_period_days = 30
    Days after 1 September, or after the family's intake (or the day it was
    recorded) when it arrives later, before "no personal contact yet" can
    fire. A month gives the class teacher time for a first conversation at
    the gate without flagging every family in the first week.
recent_days = 60
    The "lately" window of the only-written, only-formal, only-concerns and
    only-via-a-go-between signals: about two months, the span between two
    reports - long enough to be a pattern, short enough that an old one does
    not stick. The window never reaches back before 1 September.
only_written_min = 2
    Written contacts in the window, with no oral one, before the signal
    fires: one letter is not a pattern.
only_formal_min = 3
    Formal contacts in the window, with no informal one. Three, because the
    start of the year is full of formal moments (information evening, report).
unanswered_attempts = 2, unanswered_days = 14
    The school's personal attempts that did not reach the family (a call not
    answered, an individual meeting missed; not a group activity they did not
    come to), with nothing that
    reached them since: the signal fires at two such attempts, or at one that
    is two weeks old ("Wij hebben u gemist, kunnen we een ander moment
    afspreken?" should follow soon).
only_concerns_min = 2
    Contacts about a concern in the window with none positive: families who
    only hear from the school when something is wrong are a pattern the
    sources warn about; two makes it one.
no_agreement_days = 45
    Days after the start of the watch before "no agreed way of contact" fires:
    the start-of-year conversations (startgesprekken) take the first weeks.
rhythm_grace_days = 7
    Days of slack after an agreed rhythm ("every 14 days") before it counts as
    not kept: holidays and sick days happen.
go_between_min = 2
    Contacts in the window that went only through a brugfiguur or the child,
    none by the school team itself (the sources warn against the
    "uitbestedingsreflex").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l

from school.grid import Quadrant
from school.i18n import language_name
from school.settings import WholeNumbers
from school.visibility.models import Approach
from school.visibility.summary import FamilySummary

SETTING_KEY = "signal_thresholds"


@dataclass(frozen=True)
class Thresholds(WholeNumbers):
    KEY: ClassVar[str] = SETTING_KEY

    start_period_days: int = 30
    recent_days: int = 60
    only_written_min: int = 2
    only_formal_min: int = 3
    unanswered_attempts: int = 2
    unanswered_days: int = 14
    only_concerns_min: int = 2
    no_agreement_days: int = 45
    rhythm_grace_days: int = 7
    go_between_min: int = 2

DEFAULTS = Thresholds()

# Allowed range of each threshold (the settings form enforces it too).
LIMITS: dict[str, tuple[int, int]] = {
    "start_period_days": (0, 120),
    "recent_days": (14, 365),
    "only_written_min": (1, 20),
    "only_formal_min": (1, 20),
    "unanswered_attempts": (1, 10),
    "unanswered_days": (1, 120),
    "only_concerns_min": (1, 20),
    "no_agreement_days": (0, 180),
    "rhythm_grace_days": (0, 60),
    "go_between_min": (1, 20),
}
Thresholds.LIMITS = LIMITS


@dataclass(frozen=True)
class Signal:
    """A signal that fires for one family, with the facts that explain it."""

    code: str
    facts: Mapping[str, object]

    @property
    def title(self) -> str:
        return str(SIGNAL_TITLES[self.code])

    @property
    def explanation(self) -> str:
        return EXPLAIN[self.code](self.facts)


# --- the eight rules --------------------------------------------------------


def no_personal_contact(s: FamilySummary, t: Thresholds) -> Signal | None:
    """1. No oral, two-way contact this school year, once the start period is over."""
    if s.last_personal is not None or s.days_watched < t.start_period_days:
        return None
    last = s.last_contact
    return Signal("no_personal_contact", {
        "since": s.watch_from,
        "last_on": last.on if last else None,
        "last": last,
    })


def only_written(s: FamilySummary, t: Thresholds) -> Signal | None:
    """2. Every contact that reached the family lately was written."""
    if s.recent.reached < t.only_written_min or s.recent.oral > 0:
        return None
    return Signal("only_written", {"count": s.recent.reached, "days": s.recent_days})


def only_formal(s: FamilySummary, t: Thresholds) -> Signal | None:
    """3. Every contact that reached the family lately was formal."""
    if s.recent.reached < t.only_formal_min or s.recent.informal > 0:
        return None
    return Signal("only_formal", {"count": s.recent.reached, "days": s.recent_days})


def unanswered_attempts(s: FamilySummary, t: Thresholds) -> Signal | None:
    """4. The school's last personal attempts did not reach the family, and nothing did since."""
    if s.unanswered == 0 or s.first_unanswered_on is None:
        return None
    waited = (s.today - s.first_unanswered_on).days
    if s.unanswered < t.unanswered_attempts and waited < t.unanswered_days:
        return None
    return Signal("unanswered_attempts", {"count": s.unanswered, "last_on": s.last_unanswered_on})


def only_concerns(s: FamilySummary, t: Thresholds) -> Signal | None:
    """5. Lately the contacts were about a concern, none was positive."""
    if s.recent.concern < t.only_concerns_min or s.recent.positive > 0:
        return None
    return Signal("only_concerns", {"count": s.recent.concern, "days": s.recent_days})


def no_agreement(s: FamilySummary, t: Thresholds) -> Signal | None:
    """6. No agreed way of contact (contact op maat), some weeks into the watch."""
    if s.agreements or s.days_watched < t.no_agreement_days:
        return None
    return Signal("no_agreement", {"intake_done": s.intake_done})


def rhythm_not_kept(s: FamilySummary, t: Thresholds) -> Signal | None:
    """7. An agreed rhythm ("every 14 days") was not kept.

    The rhythm is measured on the grid: any contact that reached the family in
    the quadrant of the agreed form keeps it (a chat at the gate keeps an
    agreed spontaneous phone call's informal, oral rhythm).
    """
    for agreement in s.agreements:
        if not agreement.every_days:
            continue
        start = max(agreement.since, s.year.start)
        last = s.last_reached_in(agreement.quadrant)
        kept_on = last if last is not None and last >= start else None
        overdue = (s.today - (kept_on or start)).days - agreement.every_days
        if overdue > t.rhythm_grace_days:
            return Signal("rhythm_not_kept", {
                "agreement": agreement, "every": agreement.every_days,
                "last_on": kept_on, "since": start, "quadrant": agreement.quadrant,
            })
    return None


def only_via_go_between(s: FamilySummary, t: Thresholds) -> Signal | None:
    """8. Lately the school reached the family only through a brugfiguur or the child."""
    if s.recent.go_between < t.go_between_min or s.recent.direct > 0:
        return None
    return Signal("only_via_go_between", {"count": s.recent.go_between, "days": s.recent_days})


RULES: tuple[Callable[[FamilySummary, Thresholds], Signal | None], ...] = (
    no_personal_contact,
    only_written,
    only_formal,
    unanswered_attempts,
    only_concerns,
    no_agreement,
    rhythm_not_kept,
    only_via_go_between,
)
CODES: tuple[str, ...] = tuple(rule.__name__ for rule in RULES)


def evaluate(summary: FamilySummary, thresholds: Thresholds = DEFAULTS) -> list[Signal]:
    """Every signal that fires for this family, in the order of DOMAIN.md.

    A pure function of its two arguments; the summaries that summaries_for
    reuses (unchanged families) come back as the same object, so the last
    answer per family is kept and given again for that same summary object.
    """
    last = _LAST.get(summary.household_id)
    if last is not None and last[0] is summary and last[1] == thresholds:
        return list(last[2])
    found = [signal for rule in RULES if (signal := rule(summary, thresholds)) is not None]
    _LAST[summary.household_id] = (summary, thresholds, tuple(found))
    return found


# The last evaluation per family in this worker: (summary, thresholds, signals).
_LAST: dict[int, tuple[FamilySummary, Thresholds, tuple[Signal, ...]]] = {}


# --- what the school can say about a family ----------------------------------------------------


def start_period_ends(summary: FamilySummary, thresholds: Thresholds = DEFAULTS) -> dt.date:
    """The last day of the family's start period: "no personal conversation yet" fires the day after."""
    return summary.watch_from + dt.timedelta(days=thresholds.start_period_days - 1)


NO_CONTACT_YET = "no_contact_yet"
NO_PERSONAL_YET = "no_personal_yet"
GOING_WELL = "going_well"
SIGNALLED = "signals"


def standing(summary: FamilySummary, found: list[Signal]) -> str:
    """Which of the true statements about the family holds: a signal fires; or, still inside the start
    period, the school has had no contact at all, or no personal conversation yet; or only then, with a
    personal conversation behind it and no signal, the contact is going well.

    A family the school has not met is never "going well": no signal only means the start period
    has not run out yet.
    """
    if found:
        return SIGNALLED
    if summary.last_contact is None and summary.last_personal is None:
        return NO_CONTACT_YET
    if summary.last_personal is None:
        return NO_PERSONAL_YET
    return GOING_WELL


# --- words ------------------------------------------------------------------

SIGNAL_TITLES = {
    "no_personal_contact": _l("No personal conversation yet"),
    "only_written": _l("Only written contact lately"),
    "only_formal": _l("Only formal contact lately"),
    "unanswered_attempts": _l("Attempts did not reach the family"),
    "only_concerns": _l("Only concerns lately"),
    "no_agreement": _l("No agreed way of contact"),
    "rhythm_not_kept": _l("Agreed rhythm not kept"),
    "only_via_go_between": _l("Only through a go-between"),
}


def _form(label: str) -> str:
    """A form's name inside a sentence: "rapport", not "Rapport" (but "WhatsApp" stays)."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _day(value: dt.date | None) -> str:
    return format_date(value, "d MMMM") if value else ""


def _explain_no_personal(f: Mapping) -> str:
    if f["last_on"]:
        return gettext(
            "No personal conversation yet this school year — last contact: %(form)s, %(date)s.",
            form=_form(f["last"].form_label), date=_day(f["last_on"]),
        )
    return gettext(
        "No personal conversation yet this school year, and no contact has reached the family yet."
    )


def _explain_only_written(f: Mapping) -> str:
    return ngettext(
        "In the last %(days)d days the school's contact was written only (%(num)d message), "
        "no conversation.",
        "In the last %(days)d days the school's contact was written only (%(num)d messages), "
        "no conversation.",
        f["count"], days=f["days"],
    )


def _explain_only_formal(f: Mapping) -> str:
    return ngettext(
        "In the last %(days)d days the school's contact was formal only (%(num)d moment), no informal chat.",
        "In the last %(days)d days the school's contact was formal only (%(num)d moments), no informal chat.",
        f["count"], days=f["days"],
    )


def _explain_unanswered(f: Mapping) -> str:
    return ngettext(
        "The school's last attempt (%(date)s) did not reach the family, and no contact has since.",
        "The school's last %(num)d attempts (last on %(date)s) did not reach the family, "
        "and no contact has since.",
        f["count"], date=_day(f["last_on"]),
    )


def _explain_only_concerns(f: Mapping) -> str:
    return ngettext(
        "In the last %(days)d days the school's contact was about a concern (%(num)d time), none positive.",
        "In the last %(days)d days the school's contact was about a concern (%(num)d times), none positive.",
        f["count"], days=f["days"],
    )


def _explain_no_agreement(f: Mapping) -> str:
    if f["intake_done"]:
        return gettext("The school has not yet agreed with the family how and when to keep in touch.")
    return gettext(
        "No start-of-year conversation recorded yet: the school has not agreed how and when to keep in touch."
    )


def _explain_rhythm(f: Mapping) -> str:
    if f["last_on"]:
        return gettext(
            "Agreed: %(form)s every %(every)d days — the school's last one was on %(date)s.",
            form=_form(f["agreement"].form_label), every=f["every"], date=_day(f["last_on"]),
        )
    return gettext(
        "Agreed: %(form)s every %(every)d days — none yet since %(date)s.",
        form=_form(f["agreement"].form_label), every=f["every"], date=_day(f["since"]),
    )


def _explain_go_between(f: Mapping) -> str:
    return ngettext(
        "In the last %(days)d days the school reached the family only through a go-between "
        "(%(num)d time), never the team itself.",
        "In the last %(days)d days the school reached the family only through a go-between "
        "(%(num)d times), never the team itself.",
        f["count"], days=f["days"],
    )


EXPLAIN: dict[str, Callable[[Mapping], str]] = {
    "no_personal_contact": _explain_no_personal,
    "only_written": _explain_only_written,
    "only_formal": _explain_only_formal,
    "unanswered_attempts": _explain_unanswered,
    "only_concerns": _explain_only_concerns,
    "no_agreement": _explain_no_agreement,
    "rhythm_not_kept": _explain_rhythm,
    "only_via_go_between": _explain_go_between,
}


# --- suggested approaches ---------------------------------------------------


_AGREED_APPROACH = {
    "spontaneous_call": Approach.PHONE,
    "planned_call": Approach.PHONE,
    "home_visit": Approach.HOME_VISIT,
    "gate_conversation": Approach.GATE,
}


@dataclass(frozen=True)
class Suggestion:
    approach: Approach
    text: str


def suggest(summary: FamilySummary, signals: list[Signal]) -> list[Suggestion]:
    """What might work, from what the school knows about reaching this family."""
    if not signals:
        return []
    codes = {s.code for s in signals}
    out: list[Suggestion] = []

    def add(approach: Approach, text: str) -> None:
        if all(s.approach is not approach for s in out):
            out.append(Suggestion(approach, text))

    if summary.interpreter_needed:
        language = language_name(summary.interpreter_language)
        add(Approach.INTERPRETER, gettext("Plan an interpreter (%(language)s) for the conversation.",
                                          language=language) if language else
            gettext("Plan an interpreter for the conversation."))
    for agreement in summary.agreements:
        if not (agreement.every_days or agreement.quadrant.is_oral):
            continue  # a written agreement ("before each report") is not a way to reach them
        if agreement.every_days:
            text = gettext("Use the agreed form: %(form)s, every %(every)d days.",
                           form=_form(agreement.form_label), every=agreement.every_days)
        elif agreement.occasion:
            text = gettext("Use the agreed form: %(form)s (%(occasion)s).",
                           form=_form(agreement.form_label), occasion=agreement.occasion)
        else:
            text = gettext("Use the agreed form: %(form)s.", form=_form(agreement.form_label))
        add(_AGREED_APPROACH.get(agreement.form_code or "", Approach.GATE if agreement.quadrant is
                                 Quadrant.INFORMAL_ORAL else Approach.FLEXIBLE_MOMENT), text)
        break
    if summary.written_ok is False or summary.digital_ok is False:
        add(Approach.PHONE, gettext("Written or digital messages do not work well here: call them."))
        add(Approach.GATE, gettext("Or speak to them at the school gate when they pick up the child."))
    elif "only_written" in codes:
        # Nothing recorded against written messages: say what the school did, not what the family needs.
        add(Approach.PHONE, gettext("Lately the school only wrote: call them for a change."))
        add(Approach.GATE, gettext("Or speak to them at the school gate when they pick up the child."))
    if "unanswered_attempts" in codes:
        add(Approach.FLEXIBLE_MOMENT, gettext(
            "\"We missed you, can we find another moment?\" Offer a moment that suits them."
        ))
    if "only_via_go_between" in codes:
        add(Approach.GATE, gettext(
            "Let the fixed contact person speak with them directly, not only via others."
        ))
    if "only_concerns" in codes:
        add(Approach.GATE, gettext("Share something positive about the child in a short chat."))
    if "only_formal" in codes:
        add(Approach.GATE, gettext("Try an informal chat at the gate or in the classroom."))
    if codes & {"no_agreement", "rhythm_not_kept"}:
        add(Approach.FLEXIBLE_MOMENT, gettext("Agree with them how and when they want to be contacted."))
    if not out or "no_personal_contact" in codes:
        add(Approach.GATE, gettext("A short personal conversation at the school gate."))
        add(Approach.PHONE, gettext("A phone call at a time that suits them."))
    return out
