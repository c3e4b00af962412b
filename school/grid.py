"""The 2x2 contact grid: formal/informal x written/oral, and who stood between school and family.

One small type for the whole product, so no template or query ever spells a
quadrant as loose strings.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from school.labels import Labelled, labels


class Formality(Labelled):
    INFORMAL = "informal"
    FORMAL = "formal"


class Mode(Labelled):
    ORAL = "oral"
    WRITTEN = "written"


class Quadrant(Labelled):
    """One cell of the grid; the value is what the database stores."""

    INFORMAL_ORAL = "informal_oral"
    FORMAL_ORAL = "formal_oral"
    INFORMAL_WRITTEN = "informal_written"
    FORMAL_WRITTEN = "formal_written"

    @classmethod
    def of(cls, formality: Formality, mode: Mode) -> Quadrant:
        return cls(f"{formality.value}_{mode.value}")

    @property
    def formality(self) -> Formality:
        return Formality(self.value.split("_")[0])

    @property
    def mode(self) -> Mode:
        return Mode(self.value.split("_")[1])

    @property
    def is_oral(self) -> bool:
        return self.mode is Mode.ORAL

    @property
    def is_formal(self) -> bool:
        return self.formality is Formality.FORMAL


# The grid as it is drawn everywhere: rows are modes, columns formality,
# in the order of Tabel 1 of the Leidraad.
GRID_ROWS: tuple[Mode, ...] = (Mode.ORAL, Mode.WRITTEN)
GRID_COLUMNS: tuple[Formality, ...] = (Formality.INFORMAL, Formality.FORMAL)
QUADRANTS: tuple[Quadrant, ...] = tuple(
    Quadrant.of(f, m) for m in GRID_ROWS for f in GRID_COLUMNS
)

_FORMALITY_LABELS = labels(Formality, {Formality.INFORMAL: _l("informal"), Formality.FORMAL: _l("formal")})
_MODE_LABELS = labels(Mode, {Mode.ORAL: _l("oral"), Mode.WRITTEN: _l("written")})
_QUADRANT_LABELS = labels(Quadrant, {
    Quadrant.INFORMAL_ORAL: _l("informal oral"),
    Quadrant.FORMAL_ORAL: _l("formal oral"),
    Quadrant.INFORMAL_WRITTEN: _l("informal written"),
    Quadrant.FORMAL_WRITTEN: _l("formal written"),
})


class Mediator(Labelled):
    """Who, if anyone, stood between the school and the family in a contact."""

    NONE = "none"
    PROFESSIONAL_INTERPRETER = "professional_interpreter"
    INFORMAL_INTERPRETER = "informal_interpreter"
    BRIDGE_FIGURE = "bridge_figure"
    CHILD = "child"


MEDIATOR_LABELS = labels(Mediator, {
    Mediator.NONE: _l("nobody"),
    Mediator.PROFESSIONAL_INTERPRETER: _l("professional interpreter"),
    Mediator.INFORMAL_INTERPRETER: _l("informal interpreter"),
    Mediator.BRIDGE_FIGURE: _l("bridge figure (brugfiguur)"),
    Mediator.CHILD: _l("the child"),
})

# A go-between carries the message, but the school has not spoken with the family itself.
GO_BETWEEN = (Mediator.BRIDGE_FIGURE, Mediator.CHILD)
