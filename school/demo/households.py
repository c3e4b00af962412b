"""Drafting the families: names, household shapes, and which class each child sits in.

A sibling group may have two homes (separated parents); most households have two parents, the
other shapes come from data/households.toml. Names come from the pools in data/names.toml.
"""

from __future__ import annotations

import datetime as dt
import random

from school.demo.data import (
    ARRIVED_POOLS,
    ARRIVED_THIS_YEAR,
    CLASSES,
    MAIL_DOMAINS,
    OTHER_SHAPES,
    POOL_BY_KEY,
    POOLS,
    SEPARATED_SIZES,
    SIBLING_GROUP_SIZES,
    NamePool,
    Surname,
)
from school.demo.drafts import CaregiverDraft, ChildDraft, Ctx, HouseholdDraft, surname_form
from school.demo.draws import phone, slug, weighted
from school.families.models import Kinship


def draft_households(rng: random.Random) -> list[HouseholdDraft]:
    """Every household with its caregivers and children (a separated family's children in both)."""
    groups = _sibling_groups(rng)
    drafts: list[HouseholdDraft] = []
    for shape, size in groups:
        for hh in _draft_family(rng, shape, size):
            hh.key = len(drafts)
            drafts.append(hh)
    return drafts


def _sibling_groups(rng: random.Random) -> list[tuple[str, int]]:
    """(shape, number of children) for every sibling group, in a shuffled order."""
    sizes = [size for size, count in SIBLING_GROUP_SIZES.items() for _ in range(count)]
    for size in SEPARATED_SIZES:
        sizes.remove(size)
    rng.shuffle(sizes)
    shapes = [shape for shape, count in OTHER_SHAPES for _ in range(count)]
    shapes += ["two_parents"] * (len(sizes) - len(shapes))
    groups = list(zip(shapes, sizes, strict=True))
    groups += [("separated", size) for size in SEPARATED_SIZES]
    rng.shuffle(groups)
    return groups


def _draft_family(rng: random.Random, shape: str, size: int) -> list[HouseholdDraft]:
    pool = _pick_pool(rng)
    surname = rng.choice(pool.surnames)
    children = [_draft_child(rng, pool, surname) for _ in range(size)]
    if shape == "separated":
        mother = _adult(rng, pool, Kinship.MOTHER, female=True)
        father = _adult(rng, pool, Kinship.FATHER, female=False, surname=surname)
        homes = [[mother], [father]]
        for home, chance in zip(homes, (0.4, 0.25), strict=True):
            if rng.random() < chance:  # a new partner (plusouder)
                home.append(_adult(rng, pool, Kinship.OTHER, female=not home[0].female))
        return [_household(rng, shape, pool, home, children) for home in homes]
    if shape == "foster":
        carer_pool = POOL_BY_KEY["flemish"]
        carers = [_adult(rng, carer_pool, Kinship.FOSTER_PARENT, female=True)]
        if rng.random() < 0.7:
            carers.append(_adult(rng, carer_pool, Kinship.FOSTER_PARENT, female=False))
        return [_household(rng, shape, carer_pool, carers, children)]
    return [_household(rng, shape, pool, _caregivers_for(rng, shape, pool, surname), children)]


def _caregivers_for(rng: random.Random, shape: str, pool: NamePool, surname: Surname) -> list[CaregiverDraft]:
    if shape == "two_parents":
        father = _adult(rng, pool, Kinship.FATHER, female=False, surname=surname)
        partner_pool = _other_pool(rng, pool) if rng.random() < 0.12 else pool
        shared = surname if rng.random() < pool.shared_surname else None
        mother = _adult(rng, partner_pool, Kinship.MOTHER, female=True, surname=shared)
        return [father, mother] if rng.random() < 0.4 else [mother, father]
    if shape == "two_mothers":
        return [_adult(rng, pool, Kinship.MOTHER, female=True, surname=surname),
                _adult(rng, pool, Kinship.MOTHER, female=True)]
    if shape == "single_mother":
        own = surname if rng.random() < 0.35 else None
        return [_adult(rng, pool, Kinship.MOTHER, female=True, surname=own)]
    if shape == "single_father":
        return [_adult(rng, pool, Kinship.FATHER, female=False, surname=surname)]
    if shape == "stepfamily":
        female = rng.random() < 0.7
        parent = _adult(rng, pool, Kinship.MOTHER if female else Kinship.FATHER, female=female,
                        surname=None if female else surname)
        return [parent, _adult(rng, _other_pool(rng, pool) if rng.random() < 0.2 else pool,
                               Kinship.OTHER, female=not female)]
    if shape == "grandparents":
        carers = [_adult(rng, pool, Kinship.GRANDPARENT, female=True)]
        if rng.random() < 0.6:
            carers.append(_adult(rng, pool, Kinship.GRANDPARENT, female=False, surname=surname))
        return carers
    if shape == "guardian":  # an aunt or uncle
        female = rng.random() < 0.5
        carers = [_adult(rng, pool, Kinship.GUARDIAN, female=female, surname=None if female else surname)]
        if rng.random() < 0.4:
            carers.append(_adult(rng, pool, Kinship.OTHER, female=not female))
        return carers
    raise ValueError(f"unknown household shape {shape!r}")


def _household(rng: random.Random, shape: str, pool: NamePool, caregivers: list[CaregiverDraft],
               children: list[ChildDraft]) -> HouseholdDraft:
    language = weighted(rng, pool.languages)
    for carer in caregivers:
        drawn = rng.random() < 0.15 or carer.pool is not pool
        own = weighted(rng, carer.pool.languages) if drawn else language
        carer.language = own if own != language else None
        carer.phone = phone(rng) if rng.random() < 0.95 else None
        email_share = 0.55 if language in ("nl", "fr", "en") else 0.35
        if rng.random() < email_share:
            carer.email = f"{slug(carer.first_name)}.{slug(carer.last_name)}@{rng.choice(MAIL_DOMAINS)}"
    return HouseholdDraft(
        key=0, shape=shape, pool=pool, caregivers=caregivers, children=children,
        display_name=_display_name(rng, caregivers, children), language=language,
        engagement=max(0.3, rng.gauss(1.0, 0.3)),
    )


def _display_name(rng: random.Random, caregivers: list[CaregiverDraft], children: list[ChildDraft]) -> str:
    """"Gezin Peeters", or with two family names "Gezin El Amrani – Peeters"."""
    names: dict[str, str] = {}  # masculine/base form -> the name as the caregiver carries it
    for carer in caregivers[:2]:
        names.setdefault(surname_form(carer.surname, False), carer.last_name)
    shown = list(names.values())
    if len(shown) > 1 and rng.random() < 0.5:
        return f"Gezin {shown[0]} – {shown[1]}"
    return f"Gezin {names.get(surname_form(children[0].surname, False), shown[0])}"


def _draft_child(rng: random.Random, pool: NamePool, surname: Surname) -> ChildDraft:
    female = rng.random() < 0.5
    first_name = rng.choice(pool.girls if female else pool.boys)
    return ChildDraft(first_name=first_name, surname=surname, female=female)


def _adult(rng: random.Random, pool: NamePool, kinship: Kinship, *, female: bool,
           surname: Surname | None = None) -> CaregiverDraft:
    return CaregiverDraft(
        first_name=rng.choice(pool.women if female else pool.men),
        surname=surname if surname is not None else rng.choice(pool.surnames),
        female=female, kinship=kinship, pool=pool,
    )


def _pick_pool(rng: random.Random) -> NamePool:
    return rng.choices(POOLS, weights=[p.weight for p in POOLS])[0]


def _other_pool(rng: random.Random, pool: NamePool) -> NamePool:
    if pool.key != "flemish":
        return POOL_BY_KEY["flemish"]
    others = [p for p in POOLS if p is not pool]
    return rng.choices(others, weights=[p.weight for p in others])[0]


# Grade 9: out of primary school (8 = L6), what last year's sixth graders are now.
LEAVER_GRADE = 9


def place_children(rng: random.Random, drafts: list[HouseholdDraft], ctx: Ctx) -> None:
    """Fill the classes to their planned size; siblings go to different grades."""
    room = {plan.name: plan.size for plan in CLASSES}
    grade_of = {plan.name: plan.grade for plan in CLASSES}
    families = _unique_sibling_groups(drafts)
    families.sort(key=len, reverse=True)  # the big families first, single children fill the rest
    for children in families:
        used: set[int] = set()
        for child in children:
            open_classes = [n for n, left in room.items() if left > 0 and grade_of[n] not in used]
            open_classes = open_classes or [n for n, left in room.items() if left > 0]
            name = rng.choices(open_classes, weights=[room[n] for n in open_classes])[0]
            room[name] -= 1
            used.add(grade_of[name])
            child.class_name, child.grade = name, grade_of[name]
            child.prev_class_name = _previous_class(rng, child.grade)
    birth_base = ctx.cur.span.start.year - 3
    for children in families:
        for child in children:
            first_day = dt.date(birth_base - child.grade, 1, 1)
            child.birth_date = first_day + dt.timedelta(days=rng.randrange(365))


def _unique_sibling_groups(drafts: list[HouseholdDraft]) -> list[list[ChildDraft]]:
    seen: set[int] = set()
    groups = []
    for hh in drafts:
        if id(hh.children[0]) not in seen:
            seen.update(id(c) for c in hh.children)
            groups.append(hh.children)
    return groups


def _previous_class(rng: random.Random, grade: int) -> str | None:
    if grade == 0:
        return None
    names = [p.name for p in CLASSES if p.grade == grade - 1]
    return rng.choice(names)


def mark_newcomers(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    for hh in drafts:
        if all(c.grade == 0 for c in hh.children):
            hh.newcomer = "k1"
    candidates = [hh for hh in drafts
                  if hh.newcomer is None and hh.shape != "separated" and hh.pool.key in ARRIVED_POOLS]
    for hh in rng.sample(candidates, k=min(ARRIVED_THIS_YEAR, len(candidates))):
        hh.newcomer = "arrived"


def draft_leavers(rng: random.Random, ctx: Ctx, first_key: int) -> list[HouseholdDraft]:
    """Last year's sixth graders, one family each: in L6A or L6B last year, gone since 1 September.

    They keep last year's contacts, so last year's dashboard shows its sixth grade; this year
    they are in no class. Drawn with their own random stream, after the rest of the school, so
    the families at school now stay exactly as they were.
    """
    drafts: list[HouseholdDraft] = []
    birth_year = ctx.cur.span.start.year - 3 - LEAVER_GRADE
    for plan in (p for p in CLASSES if p.grade == LEAVER_GRADE - 1):
        for _ in range(plan.size):
            shape = rng.choices(("two_parents", "single_mother", "single_father"), weights=(8, 2, 1))[0]
            for hh in _draft_family(rng, shape, 1):
                child = hh.children[0]
                child.grade, child.class_name, child.prev_class_name = LEAVER_GRADE, plan.name, plan.name
                child.left_on = ctx.cur.span.start
                child.birth_date = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randrange(365))
                hh.key = first_key + len(drafts)
                drafts.append(hh)
    return drafts
