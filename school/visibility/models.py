"""Follow-ups of less-visible families."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.extensions import db, enum_type
from school.labels import Labelled, labels
from school.schoolyear import utcnow


class Approach(Labelled):
    PHONE = "phone"
    GATE = "gate"
    FLEXIBLE_MOMENT = "flexible_moment"
    HOME_VISIT = "home_visit"
    INTERPRETER = "interpreter"
    VIA_BRIDGE_FIGURE = "via_bridge_figure"
    VIA_CHILD = "via_child"


class FollowUpStatus(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"  # closed by a contact that reached the family
    CLOSED = "closed"  # closed by hand, with a reason

    @property
    def is_open(self) -> bool:
        return self in (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)


APPROACH_LABELS = labels(Approach, {
    Approach.PHONE: _l("phone call"),
    Approach.GATE: _l("conversation at the gate"),
    Approach.FLEXIBLE_MOMENT: _l("a flexible moment"),
    Approach.HOME_VISIT: _l("home visit"),
    Approach.INTERPRETER: _l("with an interpreter"),
    Approach.VIA_BRIDGE_FIGURE: _l("via the bridge figure"),
    Approach.VIA_CHILD: _l("via the child"),
})
STATUS_LABELS = labels(FollowUpStatus, {
    FollowUpStatus.OPEN: _l("open"),
    FollowUpStatus.IN_PROGRESS: _l("in progress"),
    FollowUpStatus.DONE: _l("done"),
    FollowUpStatus.CLOSED: _l("closed"),
})


class FollowUp(db.Model):
    """Opvolging / plan van aanpak for a family the school has not reached yet."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    signal_code: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    approach: Mapped[Approach] = mapped_column(enum_type(Approach, 20))
    due_on: Mapped[dt.date | None]
    status: Mapped[FollowUpStatus] = mapped_column(
        enum_type(FollowUpStatus, 12), default=FollowUpStatus.OPEN, index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    closing_reason: Mapped[str | None] = mapped_column(Text)
    closed_by_moment_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_moments.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    # Given to a teacher who did not see the family yet: the owner's reach widens to it (the family
    # scope), so who decided and when is kept, shown on the follow-up and audited. None: the owner
    # already saw the family (or care or the director own it).
    entrusted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entrusted_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # One per rendered "new follow-up" form, so a resent POST saves once (as contact moments do).
    # None for follow-ups made elsewhere (the demo, older rows).
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    __mapper_args__ = {"version_id_col": version}

    household: Mapped[Household] = relationship()  # noqa: F821
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])  # noqa: F821
    entrusted_by: Mapped[User | None] = relationship(foreign_keys=[entrusted_by_id])  # noqa: F821
    closed_by_moment: Mapped[ContactMoment | None] = relationship()  # noqa: F821
