"""Follow-ups and what a new contact moment means for them.

Interface used by the contacts package: after saving contact moments it calls
`after_contacts_logged(moments)` in the same transaction (before commit).
"""

from __future__ import annotations

from collections.abc import Sequence


def after_contacts_logged(moments: Sequence) -> None:
    """Close the open follow-ups of families these moments really reached.

    Filled in by the visibility work (issue 5); until then it changes nothing.
    """
    return None
