"""The director's goals form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from school.forms import SchoolForm

from .goals import LIMITS


class GoalsForm(SchoolForm):
    """One percentage per goal; the labels and reasons are in the template."""


for _name, (_low, _high) in LIMITS.items():
    setattr(
        GoalsForm, _name,
        IntegerField(
            _name,
            validators=[
                InputRequired(message=_l("Fill in a number.")),
                NumberRange(min=_low, max=_high, message=_l("Use a number from %(min)s to %(max)s.")),
            ],
            render_kw={"inputmode": "numeric", "min": _low, "max": _high},
        ),
    )
