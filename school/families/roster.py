"""Reading a roster exported by the school administration (Informat, Wisa, Smartschool).

Pure functions, bytes in, rows out, so every encoding and every error path is
unit-tested without a database:

    table = read_roster(data, filename)          # CSV (UTF-8 ± BOM, UTF-16, Windows-1252; ; or ,) or XLSX
    mapping = guess_mapping(table.headers)        # the recognised profile's (roster_profiles)
    rows = rows_from_table(table, mapping, today)
    plan = plan_import(rows, existing, class_names)

The database side (what exists, applying the plan in one transaction, saved profiles)
is in school.families.roster_import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l

from school.families import roster_profiles as profiles
from school.families.models import Kinship
from school.families.roster_profiles import CAREGIVER_PARTS, SLOTS
from school.families.search import fold, phone_key
from school.forms import UNSTORABLE, to_nfc

MAX_BYTES = 5 * 1024 * 1024  # the upload itself
MAX_UNPACKED = 40 * 1024 * 1024  # what an XLSX may unpack to
MAX_RATIO = 100  # and how much a single member may grow (zip bombs go far beyond)
MAX_MEMBERS = 500
MAX_ROWS = 5000
MAX_COLUMNS = 200
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RosterError(Exception):
    """The file as a whole cannot be read; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Problem:
    code: str
    message: object  # a lazy string


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    encoding: str  # utf-8, utf-8-sig, utf-16, cp1252 or xlsx
    delimiter: str | None = None

    @property
    def lossy_encoding(self) -> bool:
        return self.encoding == "cp1252"


# --- reading the file ---------------------------------------------------------------


def too_big() -> RosterError:
    return RosterError(
        "too_big",
        _l(
            "The file is larger than %(mb)d MB. Export only the pupils and their "
            "classes, or split the file.",
            mb=MAX_BYTES // (1024 * 1024),
        ),
    )


def read_roster(data: bytes, filename: str = "") -> Table:
    """A table of strings from the uploaded bytes, or RosterError."""
    if len(data) > MAX_BYTES:
        raise too_big()
    if not data.strip(b"\x00\r\n\t \xef\xbb\xbf\xff\xfe"):
        raise RosterError("empty", _l("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        rows, encoding, delimiter = read_xlsx(data), "xlsx", None
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise RosterError(
            "xls", _l("This is an old Excel file (.xls). Save it as .xlsx or as CSV and try again.")
        )
    elif filename.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods", ".pdf")):
        raise RosterError(
            "not_a_spreadsheet", _l("This file is not a spreadsheet Schoolpoort can read. Use CSV or .xlsx.")
        )
    else:
        text, encoding = decode_text(data)
        if "\x00" in text:
            raise RosterError("binary", _l("This file is not a text or spreadsheet file. Use CSV or .xlsx."))
        delimiter = sniff_delimiter(text)
        rows = parse_csv(text, delimiter)
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise RosterError("empty", _l("The file is empty."))
    if len(rows) < 2:
        raise RosterError("no_rows", _l("The file has a header row but no pupils."))
    if len(rows) - 1 > MAX_ROWS:
        raise RosterError("too_many_rows", _l("The file has more than %(n)d rows.", n=MAX_ROWS))
    # Every cell as the forms keep typed text: NFC ("Zoe\u0308" and "Zoë" are one name).
    # Control characters stay in: rows_from_table reports them where they matter.
    headers = [to_nfc(h).strip() for h in rows[0]]
    if len(headers) > MAX_COLUMNS:
        raise RosterError("too_many_columns", _l("The file has more than %(n)d columns.", n=MAX_COLUMNS))
    headers = _unique_headers(headers)
    width = len(headers)
    body = [[to_nfc(cell).strip() for cell in (row + [""] * width)[:width]] for row in rows[1:]]
    return Table(headers=headers, rows=body, encoding=encoding, delimiter=delimiter)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or the NUL pattern without one), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data[3:], "utf-8", "utf-8-sig"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", "utf-16"), "utf-16"
    sample = data[:2000]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return _decode(data, "utf-16-le", "utf-16"), "utf-16"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return _decode(data, "utf-16-be", "utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Belgian Excel's "CSV (puntkomma gescheiden)": Windows-1252. Five bytes
        # are undefined there; they become U+FFFD and are reported as lost letters.
        return data.decode("cp1252", errors="replace"), "cp1252"


def _decode(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise RosterError(
            "bad_encoding",
            _l(
                "The file says it is %(encoding)s but is not. Save it again as CSV UTF-8 and try again.",
                encoding=name.upper(),
            ),
        ) from exc


def sniff_delimiter(text: str) -> str:
    """; or , (or a tab): the one that splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    best, best_score = ";", -1
    for delimiter in (";", ",", "\t"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        score = sum(1 for c in counts if c == counts[0]) * 100 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def parse_csv(text: str, delimiter: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise RosterError(
            "bad_csv", _l("The file could not be read as CSV: %(error)s", error=str(exc))
        ) from exc


def check_zip(data: bytes) -> None:
    """Refuse an XLSX that would unpack far larger than it is (a zip bomb) before opening it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise RosterError("bad_xlsx", _l("This Excel file is damaged or not an .xlsx file.")) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise RosterError("zip_bomb", _l("This Excel file unpacks to too much data and is refused."))
        total = 0
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if total > MAX_UNPACKED or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO):
                raise RosterError("zip_bomb", _l("This Excel file unpacks to too much data and is refused."))
        if "xl/workbook.xml" not in {m.filename for m in members}:
            raise RosterError("bad_xlsx", _l("This Excel file is damaged or not an .xlsx file."))


def read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet as strings (dates as dd/mm/yyyy), read-only."""
    check_zip(data)
    # Imported here on purpose: openpyxl is large, and only an XLSX upload needs it (not every worker).
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise RosterError("bad_xlsx", _l("This Excel file is damaged or not an .xlsx file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for count, row in enumerate(sheet.iter_rows(values_only=True)):
            if count > MAX_ROWS + 1:
                raise RosterError("too_many_rows", _l("The file has more than %(n)d rows.", n=MAX_ROWS))
            rows.append([_cell_text(v) for v in row[: MAX_COLUMNS + 1]])
    finally:
        workbook.close()
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for i, header in enumerate(headers):
        name = header or f"#{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        result.append(name)
    return result


# --- mapping columns to what Schoolpoort needs ---------------------------------------

_CAREGIVER_LABELS = {
    "first_name": lambda n: _l("Caregiver %(n)d: first name", n=n),
    "last_name": lambda n: _l("Caregiver %(n)d: last name", n=n),
    "relation": lambda n: _l("Caregiver %(n)d: relation to the child", n=n),
    "mobile": lambda n: _l("Caregiver %(n)d: mobile phone", n=n),
    "phone": lambda n: _l("Caregiver %(n)d: other phone", n=n),
    "email": lambda n: _l("Caregiver %(n)d: e-mail", n=n),
}
FIELDS: dict[str, tuple[object, bool]] = {
    "external_key": (_l("Pupil number (key in the school administration)"), False),
    "first_name": (_l("Pupil's first name"), True),
    "last_name": (_l("Pupil's last name"), True),
    "birth_date": (_l("Date of birth (dd/mm/yyyy)"), False),
    "class_name": (_l("Class"), False),
    "leaver": (_l("Has left the school (Smartschool's schoolverlater)"), False),
    **{f"caregiver{n}_{part}": (label(n), False)
       for n in range(1, SLOTS + 1) for part, label in _CAREGIVER_LABELS.items()},
}
PUPIL_FIELDS = ("external_key", "first_name", "last_name", "birth_date", "class_name", "leaver")
REQUIRED = tuple(code for code, (_label, required) in FIELDS.items() if required)
# What the database keeps of each field: a longer cell is a row error, never cut off.
MAX_LENGTH = {
    "external_key": 64,
    "first_name": 100,
    "last_name": 100,
    "class_name": 60,
    "leaver": 20,
    **{f"caregiver{n}_{part}": size for n in range(1, SLOTS + 1)
       for part, size in (("first_name", 100), ("last_name", 100), ("relation", 60), ("mobile", 40),
                          ("phone", 40), ("email", 254))},
}
# A class taken from Smartschool's list of groups: the first one is the base class.
_GROUP_COLUMNS = {"groepen", "groups"}


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    """Field → column name, as the recognised profile of these headers proposes it."""
    return profiles.propose(profiles.recognise(headers), headers, FIELDS)


def mapping_problems(mapping: dict[str, str | None], headers: list[str]) -> dict[str, object]:
    """Field → message for a mapping that cannot work (required missing, a column twice, a column
    that is never stored)."""
    problems: dict[str, object] = {}
    for code in REQUIRED:
        if not mapping.get(code):
            problems[code] = _l("Choose the column that holds this.")
    seen: dict[str, str] = {}
    for code, column in mapping.items():
        if not column or code not in FIELDS:
            continue
        if column not in headers:
            problems[code] = _l("This column is not in the file.")
        elif (reason := profiles.left_out_reason(column)) is not None:
            problems[code] = _l("This column is never stored (%(reason)s).", reason=reason)
        elif column in seen:
            problems[code] = _l("This column is already used for another field.")
        else:
            seen[column] = code
    return problems


# --- rows --------------------------------------------------------------------------------


@dataclass
class CaregiverRow:
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    kinship: Kinship = Kinship.OTHER
    slot: int = 1

    @property
    def name_key(self) -> str:
        return fold(f"{self.first_name} {self.last_name}")


@dataclass(frozen=True)
class SkippedAdult:
    """A co-account that is not a caregiver (a speech therapist, a support worker): never stored."""

    name: str
    relation: str


@dataclass
class RosterRow:
    line: int
    external_key: str
    first_name: str
    last_name: str
    birth_date: dt.date | None
    class_name: str
    caregivers: list[CaregiverRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[SkippedAdult] = field(default_factory=list)
    leaver: bool = False
    lines: list[int] = field(default_factory=list)  # every line of the file this pupil is on

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def match_key(self) -> str:
        """The pupil number; without one (a hand-made sheet), name, date of birth and class."""
        if self.external_key:
            return self.external_key
        birth = self.birth_date.isoformat() if self.birth_date else ""
        return f"~{fold(self.first_name)}|{fold(self.last_name)}|{birth}|{fold(self.class_name)}"


_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_TRUE = {"1", "ja", "yes", "true", "waar", "oui", "x"}


def parse_date(text: str, today: dt.date) -> dt.date:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, dd/mm/yy) or yyyy-mm-dd. ValueError otherwise."""
    text = text.strip()
    match = _DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000 if 2000 + year <= today.year else 1900
        return dt.date(year, month, day)
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    raise ValueError(text)


def rows_from_table(table: Table, mapping: dict[str, str | None], today: dt.date) -> list[RosterRow]:
    """Each data row checked on its own; duplicates of a pupil number are errors. Without a pupil
    number the rows of one child (one row per parent) become one row with every caregiver."""
    # A column that is never stored is never read, whatever the mapping says.
    index = {code: table.headers.index(col) for code, col in mapping.items()
             if col and col in table.headers and code in FIELDS and profiles.left_out_reason(col) is None}
    keyed = "external_key" in index
    class_from_groups = profiles.header_key(mapping.get("class_name")) in _GROUP_COLUMNS
    implied = {n: profiles.implied_relation(mapping.get(f"caregiver{n}_first_name"))
               or profiles.implied_relation(mapping.get(f"caregiver{n}_last_name"))
               for n in range(1, SLOTS + 1)}

    def cell(row: list[str], code: str) -> str:
        i = index.get(code)
        return to_nfc(row[i]).strip() if i is not None and i < len(row) else ""

    def checked(values: dict[str, str], problems: list[Problem]) -> dict[str, str]:
        """The cells, each refused (a row error) when it holds what no database keeps faithfully or
        is longer than its column; a refused cell is shown shortened and without the characters."""
        shown = {}
        for code, value in values.items():
            label, size = FIELDS[code][0], MAX_LENGTH.get(code)
            if UNSTORABLE.search(value):
                problems.append(Problem("control_character", _l(
                    "%(field)s contains an invisible control character. Correct it in the file.",
                    field=label,
                )))
                value = UNSTORABLE.sub("\ufffd", value)
            if size is not None and len(value) > size:
                problems.append(Problem("too_long", _l(
                    "%(field)s is longer than %(max)d characters.", field=label, max=size)))
                value = value[:size]
            shown[code] = value
        return shown

    seen: dict[str, int] = {}
    result = []
    for number, raw in enumerate(table.rows, start=2):
        problems: list[Problem] = []
        own = checked({code: cell(raw, code) for code in PUPIL_FIELDS}, problems)
        key = own["external_key"]
        if key.upper() == "NULL":  # Smartschool's empty stamboeknummer
            key = ""
        class_name = own["class_name"]
        if class_from_groups:
            class_name = re.split(r"[,;|]", class_name)[0].strip()
        row = RosterRow(
            line=number,
            external_key=key,
            first_name=own["first_name"],
            last_name=own["last_name"],
            birth_date=None,
            class_name=class_name,
            leaver=own["leaver"].casefold() in _TRUE,
            lines=[number],
        )
        row.errors.extend(problems)
        if not keyed:
            pass
        elif not row.external_key:
            row.errors.append(Problem("no_key", _l("No pupil number.")))
        elif profiles.looks_like_national_number(row.external_key):
            # Never shown again, never stored: the school's own number is the key.
            row.external_key = ""
            row.errors.append(Problem("national_number", _l(
                "The pupil number looks like a national register number, which Schoolpoort never "
                "stores. Choose the column with the school's own pupil number.")))
        elif row.external_key in seen:
            row.errors.append(
                Problem(
                    "duplicate_key",
                    _l(
                        "Pupil number %(key)s is also on line %(line)d.",
                        key=row.external_key,
                        line=seen[row.external_key],
                    ),
                )
            )
        else:
            seen[row.external_key] = number
        if not row.first_name:
            row.errors.append(Problem("no_first_name", _l("No first name.")))
        if not row.last_name:
            row.errors.append(Problem("no_last_name", _l("No last name.")))
        birth = own["birth_date"]
        if birth and not problems:
            try:
                row.birth_date = parse_date(birth, today)
            except ValueError:
                row.errors.append(
                    Problem(
                        "bad_date",
                        _l("Date of birth %(value)s is not a date like 31/12/2019.", value=birth[:20]),
                    )
                )
            else:
                if row.birth_date > today:
                    row.errors.append(
                        Problem(
                            "future_date", _l("Date of birth %(value)s is in the future.", value=birth[:20])
                        )
                    )
                    row.birth_date = None
        for n in range(1, SLOTS + 1):
            values = checked({f"caregiver{n}_{part}": cell(raw, f"caregiver{n}_{part}")
                              for part in CAREGIVER_PARTS}, row.errors)
            _read_slot(row, n, {part: values[f"caregiver{n}_{part}"] for part in CAREGIVER_PARTS}, implied[n])
        names = [row.first_name, row.last_name] + [f"{c.first_name} {c.last_name}" for c in row.caregivers]
        lossy = [name.strip() for name in names if lost_count(name)]
        if lossy:
            row.warnings.append(
                Problem(
                    "lost_letters",
                    _l(
                        "%(names)s: a '?' in a name. Letters may have been lost when "
                        "the file was saved. Check the spelling.",
                        names=", ".join(lossy),
                    ),
                )
            )
        result.append(row)
    return result if keyed else _one_row_per_pupil(result)


def _read_slot(row: RosterRow, n: int, values: dict[str, str], implied: Kinship | None) -> None:
    """One caregiver slot: a caregiver with its relation, a professional set aside, or nothing."""
    relation = profiles.classify_relation(values["relation"])
    person = " ".join(v for v in (values["first_name"], values["last_name"]) if v)
    if relation.kind == "staff":
        if person or values["mobile"] or values["phone"] or values["email"]:
            row.skipped.append(SkippedAdult(person or values["email"] or "?", values["relation"]))
        return
    kinship = relation.kinship
    if relation.kind == "unused":
        kinship = implied or Kinship.OTHER
    caregiver = _caregiver(row, {"first_name": values["first_name"], "last_name": values["last_name"],
                                 "phone": values["mobile"] or values["phone"], "email": values["email"]})
    if caregiver is None:
        return
    caregiver.kinship, caregiver.slot = kinship, n
    if relation.kind == "caregiver" and not relation.known:
        row.warnings.append(Problem("unknown_relation", _l(
            "Relation '%(value)s' of %(name)s is not known: kept as 'other caregiver'.",
            value=values["relation"], name=f"{caregiver.first_name} {caregiver.last_name}".strip())))
    row.caregivers.append(caregiver)


def _one_row_per_pupil(rows: list[RosterRow]) -> list[RosterRow]:
    """Rows of the same child (name, date of birth, class) merged: each adult once."""
    first: dict[str, RosterRow] = {}
    result = []
    for row in rows:
        earlier = first.get(row.match_key) if row.ok else None
        if earlier is None:
            if row.ok:
                first[row.match_key] = row
            result.append(row)
            continue
        earlier.lines.append(row.line)
        for caregiver in row.caregivers:
            if match_caregiver(caregiver, earlier.caregivers) is None:
                caregiver.slot = len(earlier.caregivers) + 1
                earlier.caregivers.append(caregiver)
        earlier.skipped.extend(s for s in row.skipped if s not in earlier.skipped)
        earlier.warnings.extend(w for w in row.warnings if w not in earlier.warnings)
    return result


def _caregiver(row: RosterRow, values: dict[str, str]) -> CaregiverRow | None:
    if not any(values.values()):
        return None
    phone, email = values["phone"] or None, values["email"].lower() or None
    if phone and len(phone_key(phone)) < 6:
        row.warnings.append(
            Problem("bad_phone", _l("Phone number %(value)s is left out: too few digits.", value=phone))
        )
        phone = None
    if email and (len(email) > 254 or not EMAIL.match(email)):  # lower() may lengthen it
        row.warnings.append(
            Problem(
                "bad_email",
                _l("E-mail address %(value)s is left out: it is not an e-mail address.", value=email),
            )
        )
        email = None
    first, last = values["first_name"], values["last_name"]
    if not first and not last:
        if not (phone or email):
            return None
        # A contact without a name: the child's last name stands in until the intake.
        last = row.last_name
    if not first:
        first, last = last, ""
    return CaregiverRow(first_name=first, last_name=last, phone=phone, email=email)


# --- the same adult, whatever the file called them ------------------------------------------


def _given_names_conflict(a: str, b: str) -> bool:
    """Two first names that are clearly different people ('An' and 'Jan' are; 'Mohamed' and
    'Mohammed' are not). An empty one never conflicts."""
    a, b = fold(a), fold(b)
    if not a or not b or same_but_lost_letters(a, b) or set(a.split()) & set(b.split()):
        return False
    return SequenceMatcher(None, a, b).ratio() < 0.85


def same_name(a: str, b: str) -> bool:
    """Folded full names: the same, the same but for lost letters, or the same words in another order."""
    return same_but_lost_letters(a, b) or sorted(a.split()) == sorted(b.split())


def match_caregiver(incoming: CaregiverRow, known: list) -> object | None:
    """The known adult this one is: one with the same phone or e-mail (and no other first name)
    first, then one with the same name. `known` items have first_name, last_name, phone, email."""
    phone = phone_key(incoming.phone) if incoming.phone else ""
    email = (incoming.email or "").lower()
    by_contact = [
        k for k in known
        if ((len(phone) >= 6 and phone_key(k.phone) == phone) or (email and (k.email or "").lower() == email))
        and not _given_names_conflict(incoming.first_name, k.first_name)
    ]
    if len(by_contact) == 1:
        return by_contact[0]
    key = incoming.name_key
    candidates = by_contact or known
    return next((k for k in candidates if same_name(key, fold(f"{k.first_name} {k.last_name}"))), None)


# --- names that lost letters -------------------------------------------------------------

LOST = frozenset("?\ufffd")  # what Windows-1252 puts where a letter did not fit


def lost_count(name: str) -> int:
    return sum(1 for c in name if c in LOST)


def same_but_lost_letters(a: str, b: str) -> bool:
    """The same name, except where one of the two has '?' for a letter ('Ay?e' and 'Ayşe', folded)."""
    if a == b:
        return True
    return len(a) == len(b) and all(x == y or x in LOST or y in LOST for x, y in zip(a, b, strict=True))


def name_changed(incoming: str, known: str) -> bool:
    """Whether a roster name should replace the saved one: never by a copy that lost letters."""
    if incoming == known:
        return False
    a, b = unicodedata.normalize("NFC", incoming), unicodedata.normalize("NFC", known)
    if lost_count(a) != lost_count(b) and same_but_lost_letters(a, b):
        return lost_count(a) < lost_count(b)
    return True


def find_name(name_key: str, keys) -> str | None:
    """The saved (folded) name that is this one: the same, or the same but for lost letters."""
    keys = list(keys)
    if name_key in keys:
        return name_key
    return next((key for key in keys if same_but_lost_letters(key, name_key)), None)


# --- the plan: what an import would create, update or leave alone ----------------------


@dataclass
class KnownCaregiver:
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    kinship: Kinship


@dataclass
class ExistingPupil:
    id: int
    first_name: str
    last_name: str
    birth_date: dt.date | None
    class_name: str
    left: bool
    household_ids: list[int]
    caregivers: list[KnownCaregiver]
    external_key: str | None = None


@dataclass
class PlannedRow:
    row: RosterRow
    action: str  # create, update, unchanged, leaver, error
    changes: list[str] = field(default_factory=list)  # codes: first_name, class_name, caregiver, ...
    pupil_id: int | None = None
    old_class: str = ""  # the class the pupil is in today, when the file moves them to another


@dataclass(frozen=True)
class Departure:
    """A pupil at school today whom the file no longer lists (or lists as a leaver): proposed as
    having left, marked so only when the user confirms it; never deleted."""

    pupil_id: int
    name: str
    class_name: str
    reason: str  # "missing": not in this file anymore; "leaver": the file says the pupil left


ACTIONS = ("create", "update", "unchanged", "leaver", "error")


@dataclass
class Plan:
    rows: list[PlannedRow]
    new_classes: list[str]
    warnings: list[Problem]
    left_out: list[tuple[str, object]] = field(default_factory=list)  # column, reason
    departures: list[Departure] = field(default_factory=list)
    marked_left: list[int] = field(default_factory=list)  # pupil ids the import marked as left

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ACTIONS}


def caregiver_changes(row: RosterRow, known: list[KnownCaregiver]) -> list[str]:
    """What importing this row's caregivers would change for adults already known."""
    changes: list[str] = []
    taken: list[KnownCaregiver] = []
    for caregiver in row.caregivers:
        match = match_caregiver(caregiver, [k for k in known if k not in taken])
        if match is None:
            changes.append("caregiver")
            continue
        taken.append(match)
        name = fold(f"{match.first_name} {match.last_name}")
        repaired = lost_count(caregiver.name_key) < lost_count(name)
        if repaired and same_but_lost_letters(caregiver.name_key, name):
            changes.append("caregiver_name")
        if (caregiver.phone and not match.phone) or (caregiver.email and not match.email):
            changes.append("caregiver_contact")
        if match.kinship is Kinship.OTHER and caregiver.kinship is not Kinship.OTHER:
            changes.append("caregiver_relation")
    return list(dict.fromkeys(changes))


def plan_import(
    rows: list[RosterRow],
    existing: dict[str, ExistingPupil],
    class_names: set[str],
    lossy_encoding: bool = False,
) -> Plan:
    """What importing these rows would do, given the pupils (by match key) and class names that exist."""
    known_classes = {fold(c) for c in class_names}
    new_classes: dict[str, str] = {}
    planned = []
    for row in rows:
        if not row.ok:
            planned.append(PlannedRow(row, "error"))
            continue
        pupil = existing.get(row.match_key)
        if row.leaver:  # left the school: never created nor changed here (the sync is for later)
            planned.append(PlannedRow(row, "leaver", pupil_id=pupil.id if pupil else None))
            continue
        if row.class_name and fold(row.class_name) not in known_classes:
            new_classes.setdefault(fold(row.class_name), row.class_name)
        if pupil is None:
            planned.append(PlannedRow(row, "create"))
            continue
        changes = []
        if row.external_key and not pupil.external_key:
            changes.append("external_key")
        if name_changed(row.first_name, pupil.first_name):
            changes.append("first_name")
        if name_changed(row.last_name, pupil.last_name):
            changes.append("last_name")
        if row.birth_date is not None and row.birth_date != pupil.birth_date:
            changes.append("birth_date")
        old_class = ""
        if row.class_name and fold(row.class_name) != fold(pupil.class_name):
            changes.append("class_name")
            old_class = pupil.class_name
        if pupil.left:
            changes.append("back_at_school")
        changes += caregiver_changes(row, pupil.caregivers)
        planned.append(PlannedRow(row, "update" if changes else "unchanged", changes, pupil.id, old_class))
    warnings = []
    if any(w.code == "lost_letters" for r in rows for w in r.warnings):
        if lossy_encoding:
            message = _l(
                "Some names contain '?'. The file was probably saved in a way that loses letters such as "
                "ë or ç (Windows-1252). Save it from Excel as 'CSV UTF-8' and upload it again, or check "
                "those names."
            )
        else:
            message = _l(
                "Some names contain '?': letters may have been lost before the file was made. "
                "Check those names."
            )
        warnings.append(Problem("lost_letters", message))
    return Plan(planned, sorted(new_classes.values()), warnings)


def natural_match(row: RosterRow, pupils: list[ExistingPupil]) -> ExistingPupil | None | str:
    """The pupil a row without a known pupil number is: same name, and the same date of birth where
    both have one; several left, the same class. "ambiguous" when that still leaves several."""
    first, last = fold(row.first_name), fold(row.last_name)
    found = [p for p in pupils
             if same_but_lost_letters(fold(p.first_name), first)
             and same_but_lost_letters(fold(p.last_name), last)
             and (row.birth_date is None or p.birth_date is None or p.birth_date == row.birth_date)]
    if len(found) > 1 and row.class_name:
        found = [p for p in found if fold(p.class_name) == fold(row.class_name)] or found
    if len(found) > 1:
        return "ambiguous"
    return found[0] if found else None


# --- words for the preview (the web page and the CLI) -------------------------------------


def action_labels() -> dict[str, str]:
    return {"create": _l("new"), "update": _l("update"), "unchanged": _l("unchanged"),
            "leaver": _l("left the school: not imported"), "error": _l("error")}


def change_labels() -> dict[str, str]:
    return {
        "external_key": _l("pupil number added"), "first_name": _l("first name"),
        "last_name": _l("last name"), "birth_date": _l("date of birth"), "class_name": _l("class"),
        "back_at_school": _l("back at school"), "caregiver": _l("new caregiver"),
        "caregiver_contact": _l("phone or e-mail added"), "caregiver_name": _l("caregiver's name repaired"),
        "caregiver_relation": _l("caregiver's relation filled in"),
    }


def class_change_text(item: PlannedRow) -> str:
    """'class: 3A → 3B' (or 'class: → 3B' for a pupil without a class today)."""
    return str(_l("class %(old)s → %(new)s", old=item.old_class or "-", new=item.row.class_name))


def departure_text(departure: Departure) -> str:
    name = f"{departure.name} ({departure.class_name})" if departure.class_name else departure.name
    if departure.reason == "leaver":
        return str(_l("%(name)s: the file says this pupil left the school", name=name))
    return str(_l("%(name)s: not in this file anymore", name=name))


def caregiver_text(caregiver: CaregiverRow) -> str:
    name = f"{caregiver.first_name} {caregiver.last_name}".strip()
    return str(_l("%(name)s (%(kinship)s)", name=name, kinship=caregiver.kinship.label))


def skipped_text(adult: SkippedAdult) -> str:
    return str(_l("not a caregiver, not stored: %(name)s (%(relation)s)", name=adult.name,
                  relation=adult.relation))
