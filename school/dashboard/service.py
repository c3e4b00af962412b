"""Saving the school's goals (the only thing the dashboard changes)."""

from __future__ import annotations

from school.accounts.models import User
from school.extensions import db
from school.privacy import audit
from school.visibility.models import Setting

from .goals import SETTING_KEY, Goals


def save_goals(values: dict[str, int], user: User) -> Goals:
    goals = Goals.from_mapping(values)
    setting = db.session.get(Setting, SETTING_KEY)
    if setting is None:
        setting = Setting(key=SETTING_KEY, value={})
        db.session.add(setting)
    before = Goals.from_mapping(setting.value).as_dict()
    setting.value = goals.as_dict()
    setting.updated_by_id = user.id
    audit.record(
        "settings.updated", object_type="setting", key=SETTING_KEY,
        changed=sorted(k for k, v in setting.value.items() if before.get(k) != v),
    )
    db.session.commit()
    return goals
