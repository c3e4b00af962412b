"""A school group at scale, written straight into the database with bulk inserts.

Not through the web forms: the demo school (school.demo) is loaded once into a
scratch SQLite file and used as the *template*. Every generated household
copies one demo household at random — its intake, its agreements, its
caregivers' kinships and its whole contact history (form, reach, tone,
initiative, who helped, notes, group activities) — with new names. So the
mix of quadrants, tones and reach, and the share of less-visible patterns, is
the demo school's, at any scale.

History: three school years. The demo's previous school year is copied into
the two previous years (the earlier one shifted back 52 weeks, so weekdays
stay weekdays), the demo's current year into the current year. To reach the
asked number of moments exactly, moments of the same household are repeated
a week earlier or later (same year, never after today) or left out at random.
The smaller copy has the same households, pupils and classes and a random
subset of the moments.

Schema: the app's own migrations (`flask db upgrade`). Rows: SQLAlchemy Core
`insert()` with many rows at once; the contact log through the driver's
executemany (SQLite) or COPY (PostgreSQL). The maintained summaries are then
rebuilt from the log, as the migration does for an existing school.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert, select

BENCH_PASSWORD = "schoolpoort-bench-2026"
BENCH_DOMAIN = "bench.example"
SEED = 20261204

MOMENT_COLUMNS = (
    "id",
    "household_id",
    "pupil_id",
    "caregiver_id",
    "form_id",
    "occurred_on",
    "initiative",
    "reach",
    "tone",
    "mediator",
    "note",
    "confidential",
    "group_id",
    "logged_by_id",
    "submission_token",
    "created_at",
    "updated_at",
    "version",
)


@dataclass(frozen=True)
class Scale:
    households: int = 10_000
    pupils: int = 15_000
    classes: int = 400
    moments: int = 1_000_000
    small_moments: int = 100_000


@dataclass
class TemplateHousehold:
    facts: dict
    kinships: list[str]
    children: int
    agreements: list[dict]
    follow_ups: list[dict]
    # (year index: 0 = previous, 1 = current, occurred_on, form code, initiative, reach, tone, mediator,
    #  note, confidential, group template id, logger role, caregiver index, pupil index)
    moments: list[tuple]


@dataclass
class Template:
    today: dt.date
    households: list[TemplateHousehold]
    groups: dict[int, dict]  # demo group activities (with attendance), by id
    broadcasts: list[dict]  # demo broadcasts of the current school year
    class_plans: list[tuple[str, str]]  # (name, level) of the demo's classes
    mix: dict[str, Counter] = field(default_factory=dict)


def _app(url: str, instance: Path):
    import logging

    from school import create_app

    logging.disable(logging.INFO)  # the migrations' progress lines

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-" + "k" * 40,
            "TESTING": False,
        }
    )
    app.instance_path = str(instance)
    return app


def load_template(workdir: Path) -> Template:
    """Load the demo school into a scratch SQLite file and read it back as a template."""
    from flask_migrate import upgrade

    from school import demo, schoolyear
    from school.accounts.models import User
    from school.catalogue import ContactForm
    from school.contacts.models import ContactMoment, GroupContact
    from school.extensions import db
    from school.families.models import Caregiver, ContactAgreement, Household, SchoolClass, household_pupils
    from school.visibility.models import FollowUp

    path = workdir / "demo-template.sqlite"
    path.unlink(missing_ok=True)
    app = _app(f"sqlite:///{path}", workdir)
    with app.app_context():
        upgrade()
        demo.seed()
        today = schoolyear.today()
        current = schoolyear.span_for(today)
        forms = {f.id: f for f in db.session.scalars(select(ContactForm))}
        roles = dict(db.session.execute(select(User.id, User.role)).all())
        classes = {c.id: c for c in db.session.scalars(select(SchoolClass))}
        carers: dict[int, list[Caregiver]] = defaultdict(list)
        for c in db.session.scalars(select(Caregiver).order_by(Caregiver.household_id, Caregiver.sort_order)):
            carers[c.household_id].append(c)
        pupils: dict[int, list[int]] = defaultdict(list)
        for hid, pid in db.session.execute(
            select(household_pupils.c.household_id, household_pupils.c.pupil_id).order_by(
                household_pupils.c.household_id, household_pupils.c.pupil_id
            )
        ):
            pupils[hid].append(pid)
        agreements: dict[int, list[dict]] = defaultdict(list)
        for a in db.session.scalars(select(ContactAgreement)):
            agreements[a.household_id].append(
                {
                    "form": forms[a.form_id].code,
                    "every_days": a.every_days,
                    "occasion": a.occasion,
                    "active": a.active,
                    "agreed_on": a.agreed_on,
                    "created_at": a.created_at,
                }
            )
        follow_ups: dict[int, list[dict]] = defaultdict(list)
        for f in db.session.scalars(select(FollowUp)):
            follow_ups[f.household_id].append(
                {
                    "signal_code": f.signal_code,
                    "approach": f.approach.value,
                    "due_on": f.due_on,
                    "status": f.status.value,
                    "note": f.note,
                    "created_at": f.created_at,
                }
            )
        groups: dict[int, dict] = {}
        broadcasts: list[dict] = []
        for g in db.session.scalars(select(GroupContact)):
            row = {
                "id": g.id,
                "form": forms[g.form_id].code,
                "class": classes[g.class_id].name if g.class_id else None,
                "occurred_on": g.occurred_on,
                "title": g.title,
                "note": g.note,
                "role": roles.get(g.logged_by_id),
            }
            if forms[g.form_id].is_broadcast:
                if g.occurred_on >= current.start:
                    broadcasts.append(row)
            else:
                groups[g.id] = row
        moments: dict[int, list[tuple]] = defaultdict(list)
        mix: dict[str, Counter] = {"quadrant": Counter(), "tone": Counter(), "reach": Counter()}
        for m in db.session.scalars(select(ContactMoment).order_by(ContactMoment.id)):
            form = forms[m.form_id]
            carer_ids = [c.id for c in carers[m.household_id]]
            pupil_ids = pupils[m.household_id]
            moments[m.household_id].append(
                (
                    1 if m.occurred_on >= current.start else 0,
                    m.occurred_on,
                    form.code,
                    m.initiative.value,
                    m.reach.value,
                    m.tone.value,
                    m.mediator.value,
                    m.note,
                    m.confidential,
                    m.group_id,
                    roles.get(m.logged_by_id),
                    carer_ids.index(m.caregiver_id) if m.caregiver_id in carer_ids else None,
                    pupil_ids.index(m.pupil_id) if m.pupil_id in pupil_ids else None,
                )
            )
            mix["quadrant"][form.quadrant.value] += 1
            mix["tone"][m.tone.value] += 1
            mix["reach"][m.reach.value] += 1
        households = []
        for h in db.session.scalars(select(Household).order_by(Household.id)):
            households.append(
                TemplateHousehold(
                    facts={
                        "contact_language": h.contact_language,
                        "interpreter_needed": h.interpreter_needed,
                        "interpreter_language": h.interpreter_language,
                        "written_ok": h.written_ok,
                        "digital_ok": h.digital_ok,
                        "preferred_channels": h.preferred_channels or [],
                        "preferred_times": h.preferred_times or [],
                        "contact_note": h.contact_note,
                        "info_explained": h.info_explained or [],
                        "consent_external": h.consent_external,
                        "consent_external_at": h.consent_external_at,
                        "intake_status": h.intake_status.value,
                        "intake_on": h.intake_on,
                        "created_at": h.created_at,
                    },
                    kinships=[c.kinship.value for c in carers[h.id]],
                    children=max(1, len(pupils[h.id])),
                    agreements=agreements[h.id],
                    follow_ups=follow_ups[h.id],
                    moments=moments[h.id],
                )
            )
        plans = sorted({(c.name, c.level.value) for c in classes.values()})
        db.session.remove()
        db.engine.dispose()
    path.unlink(missing_ok=True)
    return Template(
        today=today, households=households, groups=groups, broadcasts=broadcasts, class_plans=plans, mix=mix
    )


# --- the generated school group --------------------------------------------------


@dataclass
class Generated:
    """What the harness needs to know about a generated database."""

    url: str
    moments: int
    households: int
    pupils: int
    classes: int
    mix: dict[str, Counter]
    seconds: float
    summary_seconds: float
    staff: dict[str, str]  # role key -> e-mail
    teachers: list[tuple[str, list[int]]]  # (e-mail, household ids of their class), a sample
    household_ids: list[int]
    surnames: list[str]
    gate_form_id: int


def _shift(day: dt.date, weeks: int, span, today: dt.date) -> dt.date:
    moved = day + dt.timedelta(weeks=weeks)
    return min(max(moved, span.start), span.end, today)


class _Names:
    def __init__(self, rng: random.Random):
        from school import demo

        self.rng = rng
        self.pools = demo.POOLS
        self.weights = [p.weight for p in demo.POOLS]

    def pool(self):
        return self.rng.choices(self.pools, weights=self.weights)[0]

    @staticmethod
    def surname(pool, female: bool) -> str:
        name = pool.surnames and pool.surnames[0]
        return name if isinstance(name, str) else name[1 if female else 0]

    def family(self, pool) -> str:
        name = self.rng.choice(pool.surnames)
        return name if isinstance(name, str) else name[0]


def generate(
    urls: tuple[str, str],
    *,
    scale: Scale | None = None,
    template: Template | None = None,
    workdir: Path | None = None,
    echo: Callable[[str], object] = print,
) -> tuple[Generated, Generated]:
    """Fill two empty databases: the school group with `scale.moments` and with `scale.small_moments`."""
    scale = scale or Scale()
    from school import schoolyear
    from school.accounts.passwords import hash_password

    started = time.perf_counter()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="schoolpoort-bench-"))
    if template is None:
        echo("  loading the demo school as the template …")
        template = load_template(workdir)
    rng = random.Random(SEED)
    today = schoolyear.today()
    current = schoolyear.span_for(today)
    previous = schoolyear.span_for(current.start - dt.timedelta(days=1))
    earliest = schoolyear.span_for(previous.start - dt.timedelta(days=1))
    names = _Names(rng)
    password_hash = hash_password(BENCH_PASSWORD)
    stamp = dt.datetime.combine(earliest.start, dt.time(8, 0))

    # --- staff, school years, classes ---
    staff = {
        "admin": ("Bench Beheer", "admin"),
        "director": ("Bench Directie", "director"),
        "care": ("Bench Zorg", "care"),
        "reception": ("Bench Onthaal", "reception"),
    }
    users = []
    for n, (key, (name, role)) in enumerate(staff.items(), start=1):
        users.append(
            {
                "id": n,
                "name": name,
                "email": f"{key}@{BENCH_DOMAIN}",
                "role": role,
                "password_hash": password_hash,
                "active": True,
                "session_version": 1,
                "created_at": stamp,
            }
        )
    staff_ids = {role: n for n, (_key, (_name, role)) in enumerate(staff.items(), start=1)}
    years = [
        {"id": i + 1, "starts_on": span.start, "ends_on": span.end}
        for i, span in enumerate((earliest, previous, current))
    ]
    classes, class_teachers = [], []
    for k in range(scale.classes):
        plan_name, level = template.class_plans[k % len(template.class_plans)]
        class_id = k + 1
        classes.append(
            {
                "id": class_id,
                "school_year_id": 3,
                "name": f"{k // len(template.class_plans) + 1:02d}-{plan_name}",
                "level": level,
                "sort_order": k,
            }
        )
        teacher_id = len(users) + 1
        users.append(
            {
                "id": teacher_id,
                "name": f"Leerkracht {k + 1}",
                "email": f"teacher{k + 1}@{BENCH_DOMAIN}",
                "role": "teacher",
                "password_hash": password_hash,
                "active": True,
                "session_version": 1,
                "created_at": stamp,
            }
        )
        class_teachers.append({"class_id": class_id, "user_id": teacher_id})
    teacher_of_class = {c["class_id"]: c["user_id"] for c in class_teachers}
    plan_of_class = {c["id"]: c["name"].split("-", 1)[1] for c in classes}

    # --- households, caregivers, pupils ---
    households, caregivers, pupils, links, agreements, follow_ups = [], [], [], [], [], []
    tmpl_of: list[TemplateHousehold] = []
    carers_of: dict[int, list[int]] = {}
    pupils_of: dict[int, list[int]] = defaultdict(list)
    class_of_pupil: dict[int, int] = {}
    surnames = []
    for h in range(1, scale.households + 1):
        tmpl = rng.choice(template.households)
        tmpl_of.append(tmpl)
        pool = names.pool()
        surname = names.family(pool)
        surnames.append(surname)
        carers_of[h] = []
        for i, kinship in enumerate(tmpl.kinships or ["mother"]):
            cid = len(caregivers) + 1
            female = kinship in ("mother",) or (kinship != "father" and rng.random() < 0.6)
            first = rng.choice(pool.women if female else pool.men)
            last = surname if i == 0 or rng.random() < 0.5 else names.family(pool)
            caregivers.append(
                {
                    "id": cid,
                    "household_id": h,
                    "first_name": first,
                    "last_name": last,
                    "kinship": kinship,
                    "phone": f"04{rng.randrange(70, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
                    f"{rng.randrange(10, 99)}",
                    "email": f"{first.lower()}.{h}@mail.example",
                    "contact_language": tmpl.facts["contact_language"],
                    "sort_order": i,
                }
            )
            carers_of[h].append(cid)
        facts = dict(tmpl.facts)
        households.append(
            {
                "id": h,
                "display_name": f"Gezin {surname}",
                **facts,
                "contact_person_id": None,
                "updated_at": facts["created_at"],
                "version": 1,
                "search_key": None,
            }
        )
        for a in tmpl.agreements:
            agreements.append(
                {"household_id": h, "form_id": a["form"], **{k: v for k, v in a.items() if k != "form"}}
            )
        for f in tmpl.follow_ups:
            if f["status"] in ("open", "in_progress"):
                follow_ups.append(
                    {
                        "household_id": h,
                        **f,
                        "owner_id": staff_ids["care"],
                        "created_by_id": staff_ids["care"],
                        "version": 1,
                    }
                )
    # Every household has a child; the rest are siblings, and some children live in two households.
    for p in range(1, scale.pupils + 1):
        h = p if p <= scale.households else rng.randrange(1, scale.households + 1)
        class_id = rng.randrange(1, scale.classes + 1)
        pool = names.pool()
        female = rng.random() < 0.5
        hh = households[h - 1]
        pupils.append(
            {
                "id": p,
                "first_name": rng.choice(pool.girls if female else pool.boys),
                "last_name": hh["display_name"].removeprefix("Gezin "),
                "external_key": f"B{p:06d}",
                "class_id": class_id,
                "birth_date": None,
                "left_on": None,
                "created_at": stamp,
            }
        )
        links.append({"household_id": h, "pupil_id": p})
        pupils_of[h].append(p)
        class_of_pupil[p] = class_id
    for _ in range(scale.households // 20):  # separated parents: the child also lives in another household
        p = rng.randrange(1, scale.pupils + 1)
        h = rng.randrange(1, scale.households + 1)
        if p not in pupils_of[h]:
            links.append({"household_id": h, "pupil_id": p})
            pupils_of[h].append(p)
    for hh in households:
        kids = pupils_of[hh["id"]]
        hh["contact_person_id"] = teacher_of_class[class_of_pupil[kids[0]]]
        hh["search_key"] = _search_key(
            hh,
            [c for c in caregivers[carers_of[hh["id"]][0] - 1 : carers_of[hh["id"]][-1]]],
            [pupils[p - 1] for p in kids],
            {c["id"]: c["name"] for c in classes},
        )

    # --- group activities and broadcasts of the current school year ---
    groups: list[dict] = []
    group_copy: dict[tuple, int] = {}

    def group_for(tmpl_group_id: int, class_id: int | None) -> int:
        g = template.groups[tmpl_group_id]
        key = (tmpl_group_id, class_id if g["class"] else None)
        if key not in group_copy:
            gid = len(groups) + 1
            groups.append(
                {
                    "id": gid,
                    "form_id": g["form"],
                    "class_id": key[1],
                    "occurred_on": g["occurred_on"],
                    "title": g["title"],
                    "note": g["note"],
                    "logged_by_id": teacher_of_class.get(class_id or 0),
                    "submission_token": f"bench-group-{gid}",
                    "created_at": stamp,
                }
            )
            group_copy[key] = gid
        return group_copy[key]

    for b in template.broadcasts:
        targets = [c["id"] for c in classes if plan_of_class[c["id"]] == b["class"]] if b["class"] else [None]
        for class_id in targets:
            gid = len(groups) + 1
            groups.append(
                {
                    "id": gid,
                    "form_id": b["form"],
                    "class_id": class_id,
                    "occurred_on": b["occurred_on"],
                    "title": b["title"],
                    "note": b["note"],
                    "logged_by_id": teacher_of_class.get(class_id or 0, staff_ids["director"]),
                    "submission_token": f"bench-group-{gid}",
                    "created_at": stamp,
                }
            )

    # --- the contact log ---
    base: list[tuple] = []
    for h, tmpl in enumerate(tmpl_of, start=1):
        kids = pupils_of[h]
        carer_ids = carers_of[h]
        teacher = teacher_of_class[class_of_pupil[kids[0]]]
        for (
            year,
            day,
            form,
            initiative,
            reach,
            tone,
            mediator,
            note,
            confidential,
            group,
            role,
            carer,
            kid,
        ) in tmpl.moments:
            pupil_id = kids[kid % len(kids)] if kid is not None else None
            logger = teacher if role in (None, "teacher") else staff_ids.get(role, teacher)
            common = (
                h,
                pupil_id,
                carer_ids[carer % len(carer_ids)] if carer is not None else None,
                form,
                initiative,
                reach,
                tone,
                mediator,
                note,
                confidential,
                logger,
            )
            if year == 1:
                gid = group_for(group, class_of_pupil[pupil_id or kids[0]]) if group else None
                base.append((day, gid, common))
            else:
                base.append((day, None, common))
                base.append((_shift(day, -52, earliest, today), None, common))
    if scale.moments >= len(base):
        extra = [rng.choice(base) for _ in range(scale.moments - len(base))]
        rows = base + [
            (_shift(day, rng.choice((-1, 1)), schoolyear.span_for(day), today), None, common)
            for day, _gid, common in extra
        ]
    else:
        rows = rng.sample(base, scale.moments)
    rows.sort(key=lambda r: (r[0], r[2][0]))
    small = set(rng.sample(range(len(rows)), min(scale.small_moments, len(rows))))

    forms = None
    results = []
    for url, keep in ((urls[0], None), (urls[1], small)):
        t0 = time.perf_counter()
        app = _app(url, workdir)
        with app.app_context():
            from flask_migrate import upgrade

            from school.accounts.models import User
            from school.accounts.models import class_teachers as class_teachers_table
            from school.catalogue import ContactForm
            from school.contacts.models import GroupContact
            from school.extensions import db
            from school.families.models import (
                Caregiver,
                ContactAgreement,
                Enrolment,
                Household,
                Pupil,
                SchoolClass,
                SchoolYear,
                household_pupils,
            )
            from school.visibility.models import FollowUp

            upgrade()
            forms = {code: fid for code, fid in db.session.execute(select(ContactForm.code, ContactForm.id))}
            db.session.commit()

            def with_forms(items: Iterable[dict], forms: dict[str, int] = forms) -> list[dict]:
                return [{**row, "form_id": forms[row["form_id"]]} for row in items]

            with db.engine.begin() as conn:
                for table, items in (
                    (User.__table__, users),
                    (SchoolYear.__table__, years),
                    (SchoolClass.__table__, classes),
                    (class_teachers_table, class_teachers),
                    (Household.__table__, households),
                    (Caregiver.__table__, caregivers),
                    # A pupil's class is an enrolment of this school year, from its first day.
                    (Pupil.__table__, [{k: v for k, v in p.items() if k != "class_id"} for p in pupils]),
                    (Enrolment.__table__, [
                        {"pupil_id": p["id"], "class_id": p["class_id"], "started_on": years[-1]["starts_on"]}
                        for p in pupils
                    ]),
                    (household_pupils, links),
                    (ContactAgreement.__table__, with_forms(agreements)),
                    (FollowUp.__table__, follow_ups),
                    (GroupContact.__table__, with_forms(groups)),
                ):
                    for chunk in _chunks(items, 5000):
                        conn.execute(insert(table), chunk)
            mix = _write_moments(db.engine, rows, keep, forms)
            if db.engine.dialect.name == "postgresql":
                _reset_sequences(db.engine)
            loaded = time.perf_counter() - t0
            t1 = time.perf_counter()
            try:
                from school.visibility import store
            except ImportError:
                store = None
            if store is not None:
                store.rebuild_all()
                db.session.commit()
            summary_seconds = time.perf_counter() - t1
            _analyse(db.engine)
            quadrants = _quadrant_mix(db, mix)
            db.session.remove()
            db.engine.dispose()
        teachers_sample = []
        for class_id in range(1, min(scale.classes, 40) + 1):
            members = sorted(
                {h for p, c in class_of_pupil.items() if c == class_id for h in _households_of(p, links)}
            )
            teachers_sample.append((f"teacher{class_id}@{BENCH_DOMAIN}", members))
        results.append(
            Generated(
                url=url,
                moments=len(rows) if keep is None else len(keep),
                households=len(households),
                pupils=len(pupils),
                classes=len(classes),
                mix=quadrants,
                seconds=loaded,
                summary_seconds=summary_seconds,
                staff={k: f"{k}@{BENCH_DOMAIN}" for k in staff},
                teachers=teachers_sample,
                household_ids=[hh["id"] for hh in households],
                surnames=surnames,
                gate_form_id=forms["gate_conversation"],
            )
        )
        echo(
            f"  {results[-1].moments:>9,} moments written in {loaded:.1f} s, summaries rebuilt in "
            f"{summary_seconds:.1f} s"
        )
    echo(f"  generated in {time.perf_counter() - started:.1f} s")
    template_mix = {k: dict(v) for k, v in template.mix.items()}
    for r in results:
        r.mix["template"] = template_mix  # type: ignore[index]
    return results[0], results[1]


_LINKS_BY_PUPIL: dict[int, dict[int, list[int]]] = {}


def _households_of(pupil_id: int, links: list[dict]) -> list[int]:
    index = _LINKS_BY_PUPIL.get(id(links))
    if index is None:
        index = defaultdict(list)
        for link in links:
            index[link["pupil_id"]].append(link["household_id"])
        _LINKS_BY_PUPIL.clear()
        _LINKS_BY_PUPIL[id(links)] = index
    return index[pupil_id]


def _search_key(
    household: dict, caregivers: list[dict], pupils: list[dict], class_names: dict[int, str]
) -> str:
    from school.families.search import household_key

    view = SimpleNamespace(
        display_name=household["display_name"],
        caregivers=[SimpleNamespace(**c) for c in caregivers],
        pupils=[SimpleNamespace(**p) for p in pupils],
    )
    return household_key(view, lambda pupil: class_names.get(pupil.class_id, ""))  # type: ignore[arg-type]


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_moments(engine, rows: list[tuple], keep: set[int] | None, forms: dict[str, int]) -> Counter:
    """The contact log through the driver: executemany on SQLite, COPY on PostgreSQL."""
    counted: Counter = Counter()
    sqlite = engine.dialect.name == "sqlite"

    def values():
        for n, (day, gid, common) in enumerate(rows):
            if keep is not None and n not in keep:
                continue
            (h, pupil_id, carer_id, form, initiative, reach, tone, mediator, note, confidential, logger) = (
                common
            )
            created = dt.datetime.combine(day, dt.time(15, n % 60))
            counted[(form, reach, tone)] += 1
            if sqlite:
                yield (
                    n + 1,
                    h,
                    pupil_id,
                    carer_id,
                    forms[form],
                    day.isoformat(),
                    initiative,
                    reach,
                    tone,
                    mediator,
                    note,
                    int(bool(confidential)),
                    gid,
                    logger,
                    f"bench-{n + 1}",
                    created.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    created.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    1,
                )
            else:
                yield (
                    n + 1,
                    h,
                    pupil_id,
                    carer_id,
                    forms[form],
                    day,
                    initiative,
                    reach,
                    tone,
                    mediator,
                    note,
                    bool(confidential),
                    gid,
                    logger,
                    f"bench-{n + 1}",
                    created,
                    created,
                    1,
                )

    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        columns = ", ".join(MOMENT_COLUMNS)
        if sqlite:
            cursor.execute("BEGIN")
            marks = ", ".join("?" * len(MOMENT_COLUMNS))
            cursor.executemany(f"INSERT INTO contact_moments ({columns}) VALUES ({marks})", values())
        else:
            with cursor.copy(f"COPY contact_moments ({columns}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    return counted


def _reset_sequences(engine) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        for table in (
            "users",
            "school_years",
            "school_classes",
            "households",
            "caregivers",
            "pupils",
            "enrolments",
            "contact_agreements",
            "follow_ups",
            "group_contacts",
            "contact_moments",
        ):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


def _analyse(engine) -> None:
    """Planner statistics, as a school's database has after a while.

    SQLite: ANALYZE; PostgreSQL: what autovacuum would have gathered by then.
    """
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _quadrant_mix(db, counted: Counter) -> dict[str, Counter]:
    from school.catalogue import ContactForm

    quadrant = {f.id: f.quadrant.value for f in db.session.scalars(select(ContactForm))}
    codes = {f.code: f.id for f in db.session.scalars(select(ContactForm))}
    mix: dict[str, Counter] = {"quadrant": Counter(), "tone": Counter(), "reach": Counter()}
    for (form, reach, tone), n in counted.items():
        mix["quadrant"][quadrant[codes[form]]] += n
        mix["tone"][tone] += n
        mix["reach"][reach] += n
    return mix
