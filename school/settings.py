"""The school's settings (one JSON value per key), and the whole-number sets the director changes.

The signal thresholds (visibility.signals.Thresholds) and the dashboard goals
(dashboard.goals.Goals) are both a frozen dataclass of ints with an allowed
range per field, stored as a JSON object under one key. `WholeNumbers` gives
such a dataclass its reading and writing; the dataclass names its `KEY` and
`LIMITS` (ClassVars, so not fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import ClassVar, Self

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from school import audit
from school.extensions import db
from school.schoolyear import utcnow


class Setting(db.Model):
    """A school-wide setting (thresholds, goals, school name) as a JSON value."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class WholeNumbers:
    KEY: ClassVar[str]
    LIMITS: ClassVar[Mapping[str, tuple[int, int]]]

    @classmethod
    def from_mapping(cls, values: Mapping | None) -> Self:
        """Defaults, overridden by every valid stored value (an invalid one is ignored)."""
        defaults = cls()
        if not isinstance(values, Mapping):
            return defaults
        changes = {}
        for f in fields(cls):
            value = values.get(f.name)
            low, high = cls.LIMITS[f.name]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                changes[f.name] = value
        return replace(defaults, **changes)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def load(cls) -> Self:
        setting = db.session.get(Setting, cls.KEY)
        return cls.from_mapping(setting.value if setting else None)

    @classmethod
    def save(cls, values: Mapping[str, int], user) -> Self:
        """Store the valid values, audit which changed, and commit."""
        chosen = cls.from_mapping(values)
        setting = db.session.get(Setting, cls.KEY)
        if setting is None:
            setting = Setting(key=cls.KEY, value={})
            db.session.add(setting)
        before = cls.from_mapping(setting.value).as_dict()
        setting.value = chosen.as_dict()
        setting.updated_by_id = user.id
        audit.record(
            "settings.updated", object_type="setting", key=cls.KEY,
            changed=sorted(k for k, v in setting.value.items() if before.get(k) != v),
        )
        db.session.commit()
        return chosen
