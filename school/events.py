"""What one domain tells the domains above it, as blinker signals (Flask's own dependency).

Layers point down: a lower domain never imports a higher one. When a lower domain's
write must make a higher one react, the lower one sends a signal here and the higher
one connects to it in its `init_app`. Receivers run at once, in the sender's
transaction and before its commit, and never commit themselves.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# families -> contacts: an intake was finished; its conversation is a contact moment.
# Keyword arguments: household, user, token, mediator, occurred_on.
intake_finished = _signals.signal("intake-finished")

# contacts -> visibility: these moments (flushed, with ids) now reach the family in the
# way they say, or were corrected; follow-ups they close are closed. Keyword: moments.
contacts_logged = _signals.signal("contacts-logged")

# contacts -> visibility: these moments were taken back (undone, removed, or corrected so
# that they no longer reached the family); follow-ups they had closed reopen. Keyword: moments.
contacts_removed = _signals.signal("contacts-removed")
