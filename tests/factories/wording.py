"""The words no text of the app may use about a family, in the three languages (DOMAIN.md)."""

from __future__ import annotations

import re

# DOMAIN.md: flags describe the school's contact, never the family. Stems, so that the variants
# (plural, "te", "à", a hyphen, a line break) are caught too.
FORBIDDEN = tuple(re.compile(p, re.IGNORECASE) for p in (
    # Dutch
    r"moeilijk\w*[\s-]+(te[\s-]+)?bereik", r"slecht\w*[\s-]+(te[\s-]+)?bereik", r"onbereikba",
    r"desinteresse", r"ongeïnteresseerd", r"probleem[\s-]*gezin", r"kansarm",
    # English
    r"(hard|difficult)[\s-]+to[\s-]+reach", r"disinterest", r"uninterested", r"problem[\s-]*famil",
    # French
    r"difficile(s|ment)?[\s-]+(à[\s-]+)?(atteindre|joindre|joignable)", r"\binjoignable",
    r"d[ée]sint[ée]r[êe]t", r"familles?[\s-]+(à[\s-]+)?probl[èe]me", r"familles?[\s-]+probl[ée]matique",
))
