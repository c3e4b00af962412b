"""Enums whose members read as translated words (`member.label`), given once per enum."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

_WORDS: dict[type, Mapping] = {}


class Labelled(enum.StrEnum):
    """A string enum whose members have a translated label, given with `labels()`."""

    @property
    def label(self) -> str:
        return str(_WORDS[type(self)][self])


E = TypeVar("E", bound="Labelled")


def labels(enum_cls: type[E], words: Mapping[E, object]) -> Mapping[E, object]:
    """Give every member of `enum_cls` its words (lazy strings); returns them for direct use."""
    missing = set(enum_cls) - set(words)
    if missing:
        raise ValueError(f"{enum_cls.__name__} has members without a label: {sorted(missing)}")
    _WORDS[enum_cls] = words
    return words
