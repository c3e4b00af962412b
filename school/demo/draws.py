"""Small random draws (always from the demo's own seeded random.Random) and made-up text."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def pick_some(rng: random.Random, options: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """Up to k different options, drawn by weight (zero weights never)."""
    pool = [(o, w) for o, w in zip(options, weights, strict=True) if w > 0]
    picked: list[T] = []
    while pool and len(picked) < k:
        option = rng.choices([o for o, _ in pool], weights=[w for _, w in pool])[0]
        picked.append(option)
        pool = [(o, w) for o, w in pool if o is not option]
    return picked


def tri(rng: random.Random, shares: tuple[float, float]) -> bool | None:
    """True, False or None (not known yet) with the given shares of True and False."""
    roll = rng.random()
    return True if roll < shares[0] else False if roll < shares[0] + shares[1] else None


def poisson_like(rng: random.Random, mean: float) -> int:
    """A count around `mean`: cheap and deterministic enough for a demo."""
    if mean <= 0:
        return 0
    spread = rng.uniform(0.6, 1.4) * mean
    whole = int(spread)
    return whole + (1 if rng.random() < spread - whole else 0)


def phone(rng: random.Random) -> str:
    return (f"+32 4{rng.choice('789')}{rng.randrange(10)} {rng.randrange(100):02d} "
            f"{rng.randrange(100):02d} {rng.randrange(100):02d}")


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("ı", "i"))
    return "".join(ch for ch in plain.encode("ascii", "ignore").decode().lower() if ch.isalnum() or ch == "-")
