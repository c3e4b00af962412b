"""The default 'informatie' checklist of the intake (the school can edit it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from school.extensions import db
from school.families.models import InfoTopic

DEFAULT_TOPICS = (
    ("school_rules", "Schoolreglement", _l("School rules")),
    ("after_school_care", "Voor- en naschoolse opvang", _l("Before and after-school care")),
    ("tour", "Rondleiding in de school", _l("A tour of the school")),
    ("digital_platform", "Het digitale platform", _l("The digital platform")),
    ("contact_person", "Wie hun vaste aanspreekpunt is", _l("Who their fixed contact person is")),
)
_LABELS = {code: (name_nl, label) for code, name_nl, label in DEFAULT_TOPICS}


def topic_label(topic: InfoTopic) -> str:
    """A seeded topic in the user's language, unless the school renamed it."""
    seeded = _LABELS.get(topic.code or "")
    if seeded is not None and topic.label == seeded[0]:
        return str(seeded[1])
    return topic.label


def ensure_topics() -> int:
    present = set(db.session.scalars(select(InfoTopic.code).where(InfoTopic.code.is_not(None))))
    added = 0
    for i, (code, name_nl, _label) in enumerate(DEFAULT_TOPICS):
        if code not in present:
            db.session.add(InfoTopic(code=code, label=name_nl, sort_order=(i + 1) * 10))
            added += 1
    return added


def topic_choices(include: list[int] = ()) -> list[tuple[int, str]]:
    """Active topics, plus inactive ones this family already has ticked."""
    topics = db.session.scalars(
        select(InfoTopic)
        .where(or_(InfoTopic.active.is_(True), InfoTopic.id.in_(list(include) or [-1])))
        .order_by(InfoTopic.sort_order, InfoTopic.id)
    ).all()
    return [(t.id, topic_label(t)) for t in topics]

