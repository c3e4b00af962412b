"""The demo school "Basisschool De Linde", loaded by `flask seed-demo`.

A Flemish city primary school: twelve classes, about 250 families and 330
pupils, staff accounts for every role, and two school years of contact moments
with the skew real schools have (much formal written contact, less oral, less
informal). A few families in each of the ways DOMAIN.md lists are deliberately
left "less visible", so the flags, lists and follow-ups have something to show.

Deterministic (one seeded random.Random, never the global one) and idempotent:
`seed()` does nothing when the demo admin or the "demo_school" setting exists.
Everything is added in one transaction and committed at the end.

Privacy rules hold for the demo too: the name pools below only make names and
a plausible language for contact; nothing about origin, religion, health,
debts or parenting is stored, and every note is short, neutral and factual.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import insert, select

from school import schoolyear
from school.accounts.models import Role, User
from school.accounts.passwords import hash_password
from school.catalogue import ContactForm
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import (
    Caregiver,
    ContactAgreement,
    Household,
    InfoTopic,
    IntakeStatus,
    Kinship,
    Level,
    Pupil,
    SchoolClass,
    SchoolYear,
)
from school.schoolyear import YearSpan, span_for
from school.settings import Setting
from school.visibility.models import Approach, FollowUp, FollowUpStatus

DEMO_PASSWORD = "schoolpoort-demo-2026"
DEMO_URL = "http://127.0.0.1:5000"
SCHOOL_NAME = "Basisschool De Linde"
STAFF_DOMAIN = "delinde.example"
MARKER_KEY = "demo_school"
RANDOM_SEED = 20260901

T = TypeVar("T")

# ---------------------------------------------------------------------------
# Staff and classes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    key: str
    name: str
    email: str
    role: Role
    title: str  # what print_logins says about the account


STAFF: tuple[StaffMember, ...] = (
    StaffMember("admin", "Geert Van den Broeck", f"beheer@{STAFF_DOMAIN}", Role.ADMIN, "beheerder"),
    StaffMember("director", "An Vandenberghe", f"directie@{STAFF_DOMAIN}", Role.DIRECTOR, "directie"),
    StaffMember("care", "Veerle Smets", f"zorg@{STAFF_DOMAIN}", Role.CARE, "zorgcoördinator"),
    StaffMember("bridge", "Samira El Idrissi", f"brugfiguur@{STAFF_DOMAIN}", Role.CARE, "brugfiguur"),
    StaffMember("reception", "Mieke Aerts", f"onthaal@{STAFF_DOMAIN}", Role.RECEPTION, "onthaal"),
)
ADMIN_EMAIL = STAFF[0].email


@dataclass(frozen=True)
class ClassPlan:
    name: str
    level: Level
    grade: int  # 0 = K1 (about 3 years old) ... 8 = L6 (about 11)
    size: int
    teachers: tuple[str, ...]  # the first is the klastitularis


# The zorgjuf (Marieke Lemmens) co-teaches both first-grade classes; K2 has a duo.
CLASSES: tuple[ClassPlan, ...] = (
    ClassPlan("K1A", Level.KLEUTER, 0, 25, ("Ilse Wuyts",)),
    ClassPlan("K1B", Level.KLEUTER, 0, 25, ("Fatima Bouzid",)),
    ClassPlan("K2", Level.KLEUTER, 1, 30, ("Liesbeth Claes", "Annelies Goossens")),
    ClassPlan("K3", Level.KLEUTER, 2, 30, ("Nele Verhoeven",)),
    ClassPlan("L1A", Level.LAGER, 3, 24, ("Sarah De Wilde", "Marieke Lemmens")),
    ClassPlan("L1B", Level.LAGER, 3, 24, ("Jonas Van Damme", "Marieke Lemmens")),
    ClassPlan("L2", Level.LAGER, 4, 30, ("Elke Vermeulen",)),
    ClassPlan("L3", Level.LAGER, 5, 30, ("Pieter Janssens",)),
    ClassPlan("L4", Level.LAGER, 6, 30, ("Hanne Mertens",)),
    ClassPlan("L5", Level.LAGER, 7, 30, ("Karim Haddouchi",)),
    ClassPlan("L6A", Level.LAGER, 8, 26, ("Katrien Pauwels",)),
    ClassPlan("L6B", Level.LAGER, 8, 26, ("Wout Desmet",)),
)
# The teacher print_logins shows; some less-visible families sit in this class.
LOGIN_TEACHER_CLASS = "L2"

# ---------------------------------------------------------------------------
# Families: name pools and household shapes
# ---------------------------------------------------------------------------

Surname = str | tuple[str, str]  # a tuple is (masculine, feminine) form


@dataclass(frozen=True)
class NamePool:
    """Names that go together, and the languages for contact such families tend to choose.

    Only used to make realistic names; the pool itself is never stored.
    """

    key: str
    weight: float
    languages: tuple[tuple[str, float], ...]
    shared_surname: float  # chance that partners share one family name
    women: tuple[str, ...]
    men: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[Surname, ...]


POOLS: tuple[NamePool, ...] = (
    NamePool(
        "flemish", 0.48, (("nl", 1.0),), 0.05,
        ("Sofie", "Katrien", "Els", "An", "Lies", "Nathalie", "Evelien", "Griet", "Ellen", "Tine", "Leen",
         "Inge", "Kelly", "Jolien", "Charlotte", "Stefanie", "Karen", "Joke", "Lien", "Eline", "Kim", "Sien",
         "Wendy", "Barbara", "Ann-Sophie", "Femke", "Laura", "Valerie"),
        ("Tom", "Kris", "Bart", "Jeroen", "Wouter", "Koen", "Dieter", "Stijn", "Thomas", "Jens",
         "Bert", "Nick",
         "Tim", "Sven", "Davy", "Kristof", "Joris", "Frederik", "Steven", "Gert", "Ruben", "Maarten", "Jan",
         "Dirk", "Sander", "Brecht", "Glenn", "Niels"),
        ("Lotte", "Marie", "Nora", "Fien", "Lina", "Ella", "Mila", "Louise", "Olivia", "Anna", "Elena",
         "Lore",
         "Noor", "Lisa", "Emma", "Fleur", "Jana", "Zoë", "Amber", "Nina", "Lena", "Febe", "Liv",
         "Ines", "Roos"),
        ("Noah", "Lucas", "Arthur", "Louis", "Liam", "Jules", "Finn", "Mathis", "Vic", "Lars", "Wout",
         "Seppe",
         "Stan", "Warre", "Mauro", "Rune", "Kobe", "Senne", "Lowie", "Jack", "Felix", "Nand", "Tuur", "Mats",
         "Emiel"),
        ("Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens", "Wouters",
         "De Smet", "Vermeulen", "Van Damme", "De Clercq", "Hermans", "Aerts", "Pauwels", "Verhoeven",
         "Michiels", "Desmet", "Van den Bossche", "De Vos", "Lambrechts", "Coppens", "Verstraete", "Smets",
         "Van Hoof", "Wuyts", "Verbruggen", "Bogaerts", "Van de Velde", "Martens", "Cools", "Segers", "Daems",
         "Hendrickx", "Stevens", "Cuypers", "Van Acker", "De Backer", "Verschueren", "Dewulf", "Timmermans",
         "Van Laere", "Thys", "Baert", "Moens", "Dhondt", "Vandamme", "Van Gucht", "De Meyer"),
    ),
    NamePool(
        "maghreb", 0.15, (("nl", 0.65), ("ar", 0.30), ("fr", 0.05)), 0.05,
        ("Fatima", "Khadija", "Naima", "Samira", "Latifa", "Nadia", "Malika", "Hanane", "Siham", "Meryem",
         "Loubna", "Souad", "Ikram", "Hafsa", "Salma", "Najat", "Sanae", "Karima"),
        ("Mohamed", "Ahmed", "Youssef", "Mustafa", "Rachid", "Abdelkader", "Hassan", "Karim", "Said",
         "Mourad",
         "Khalid", "Brahim", "Driss", "Nordin", "Bilal", "Hamza", "Tarik", "Jamal"),
        ("Amira", "Nour", "Sara", "Yasmina", "Imane", "Aya", "Lina", "Malak", "Hiba", "Rania", "Ines",
         "Soumaya",
         "Hajar", "Yasmine", "Doua"),
        ("Adam", "Rayan", "Yassin", "Amin", "Ilias", "Ayoub", "Anas", "Zakaria", "Idriss", "Imran", "Younes",
         "Ismaël", "Sami", "Nassim", "Mehdi"),
        ("El Amrani", "Benali", "El Khattabi", "Azzouzi", "Ouali", "Bennani", "El Hamdaoui", "Chaouki",
         "Boukhari", "El Ouardi", "Tahiri", "Ait Ouarab", "Lahlou", "Ziani", "Mansouri", "Haddad",
         "El Moussaoui", "Akkouh", "Bakkali", "Amrani", "Ouahbi", "Zerrouki"),
    ),
    NamePool(
        "turkish", 0.08, (("nl", 0.6), ("tr", 0.4)), 0.3,
        ("Ayşe", "Fatma", "Emine", "Elif", "Zeynep", "Hatice", "Hülya", "Derya", "Sevgi", "Gül",
         "Özlem", "Esra",
         "Büşra", "Merve"),
        ("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "İbrahim", "Murat", "Emre", "Hakan", "Kemal",
         "Serkan",
         "Yusuf", "Burak", "Volkan"),
        ("Elif", "Zeynep", "Defne", "Ecrin", "Azra", "Eylül", "Ela", "Nisa", "Asya", "Meryem", "Melek",
         "Zehra"),
        ("Yusuf", "Emir", "Eymen", "Kerem", "Mert", "Ömer", "Miraç", "Arda", "Baran", "Efe", "Alperen",
         "Kuzey"),
        ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Aydın", "Öztürk", "Arslan", "Doğan", "Kılıç",
         "Aslan", "Koç", "Kurt", "Özdemir", "Polat", "Güler", "Çetin", "Bulut"),
    ),
    NamePool(
        "polish", 0.05, (("pl", 0.55), ("nl", 0.35), ("en", 0.10)), 0.8,
        ("Agnieszka", "Katarzyna", "Anna", "Magdalena", "Joanna", "Monika", "Ewa", "Aleksandra", "Justyna",
         "Karolina"),
        ("Piotr", "Tomasz", "Paweł", "Marcin", "Krzysztof", "Michał", "Łukasz", "Grzegorz", "Marek", "Kamil"),
        ("Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Lena", "Alicja", "Oliwia", "Amelia", "Pola"),
        ("Jakub", "Antoni", "Jan", "Szymon", "Filip", "Franciszek", "Aleksander", "Mikołaj",
         "Wojciech", "Igor"),
        ("Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król",
         ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Lewandowski", "Lewandowska"), "Dudek"),
    ),
    NamePool(
        "romanian", 0.04, (("ro", 0.6), ("nl", 0.3), ("en", 0.1)), 0.75,
        ("Elena", "Ioana", "Maria", "Andreea", "Mihaela", "Alina", "Cristina", "Gabriela", "Roxana",
         "Daniela"),
        ("Ion", "Andrei", "Mihai", "Alexandru", "Florin", "Constantin", "Marian", "Adrian", "Cătălin",
         "Bogdan"),
        ("Ana", "Maria", "Sofia", "Ioana", "Daria", "Eva", "Bianca", "Alexia", "Antonia"),
        ("David", "Luca", "Matei", "Andrei", "Ștefan", "Rareș", "Tudor", "Darius", "Gabriel"),
        ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Rusu", "Munteanu", "Lungu", "Ciobanu",
         "Florea", "Marin"),
    ),
    NamePool(
        "bulgarian", 0.04, (("bg", 0.45), ("tr", 0.35), ("nl", 0.2)), 0.8,
        ("Maria", "Ivanka", "Galina", "Desislava", "Svetlana", "Petya", "Nadezhda", "Emine", "Ayten",
         "Gyulten"),
        ("Georgi", "Ivan", "Dimitar", "Nikolay", "Hristo", "Petar", "Stefan", "Mehmed", "Sevdalin", "Orhan"),
        ("Viktoria", "Aleksandra", "Gergana", "Simona", "Elif", "Dilyana", "Aylin", "Sibel", "Raya"),
        ("Martin", "Aleksandar", "Daniel", "Kaloyan", "Boris", "Emre", "Hasan", "Kristiyan"),
        (("Ivanov", "Ivanova"), ("Petrov", "Petrova"), ("Georgiev", "Georgieva"), ("Dimitrov", "Dimitrova"),
         ("Hristov", "Hristova"), ("Stoyanov", "Stoyanova"), ("Nikolov", "Nikolova"), ("Mehmedov",
         "Mehmedova"),
         ("Aliev", "Alieva"), "Yusein"),
    ),
    NamePool(
        "ukrainian", 0.03, (("uk", 0.6), ("en", 0.25), ("nl", 0.15)), 0.85,
        ("Olena", "Iryna", "Nataliia", "Oksana", "Tetiana", "Yuliia", "Svitlana", "Kateryna", "Anastasiia"),
        ("Oleksandr", "Andrii", "Serhii", "Dmytro", "Volodymyr", "Mykola", "Yurii", "Vitalii", "Taras"),
        ("Sofiia", "Anna", "Mariia", "Zlata", "Veronika", "Solomiia", "Polina", "Myroslava"),
        ("Maksym", "Artem", "Matvii", "Danylo", "Mark", "Bohdan", "Oleksii", "Nazar"),
        ("Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko", "Oliinyk",
         "Moroz", "Savchenko"),
    ),
    NamePool(
        "somali", 0.03, (("so", 0.5), ("nl", 0.3), ("en", 0.2)), 0.0,
        ("Hodan", "Amina", "Fadumo", "Sahra", "Ifrah", "Hawa", "Nasra", "Asha", "Halima", "Deeqa", "Muna"),
        ("Abdirahman", "Mohamed", "Abdullahi", "Hassan", "Omar", "Farah", "Abdi", "Yusuf", "Mahad", "Ismail"),
        ("Hibaq", "Ayaan", "Sagal", "Ilhan", "Nimco", "Hamdi", "Sumaya", "Ubah"),
        ("Liban", "Guled", "Sharmarke", "Abdisalam", "Bilal", "Said", "Khalid", "Hamza"),
        ("Warsame", "Farah", "Hussein", "Jama", "Abdi", "Osman", "Ali", "Noor", "Duale", "Hirsi", "Aden",
         "Mohamud"),
    ),
    NamePool(
        "congolese", 0.04, (("fr", 0.7), ("nl", 0.3)), 0.1,
        ("Grâce", "Nadine", "Solange", "Chantal", "Mireille", "Béatrice", "Esther", "Patience", "Rachel",
         "Ornella", "Clarisse"),
        ("Jean-Pierre", "Patrick", "Serge", "Christian", "Didier", "Fabrice", "Trésor", "Guy", "Olivier",
         "Emmanuel", "Héritier"),
        ("Merveille", "Divine", "Grâce", "Océane", "Précieuse", "Naomie", "Exaucée", "Gloria", "Kelly"),
        ("Nathan", "Ethan", "Dylan", "Emmanuel", "Samuel", "Joël", "Benjamin", "Prince", "Jordan"),
        ("Mukendi", "Kalonji", "Tshibangu", "Ilunga", "Mbala", "Kasongo", "Lukusa", "Nkulu", "Mutombo",
         "Kabeya", "Lumbala", "Mbemba", "Tshimanga", "Ngoy"),
    ),
    NamePool(
        "francophone", 0.04, (("fr", 0.7), ("nl", 0.3)), 0.1,
        ("Julie", "Céline", "Aurélie", "Amélie", "Stéphanie", "Laurence", "Caroline", "Sophie", "Isabelle",
         "Virginie", "Mélanie"),
        ("Olivier", "Nicolas", "Julien", "François", "Sébastien", "Benoît", "Christophe", "Maxime", "Laurent",
         "Grégory", "Cédric"),
        ("Louise", "Chloé", "Camille", "Manon", "Léa", "Juliette", "Clara", "Alice", "Margaux", "Zélie"),
        ("Hugo", "Louis", "Nathan", "Théo", "Gabriel", "Victor", "Jules", "Martin", "Adrien", "Simon",
         "Baptiste"),
        ("Dubois", "Lambert", "Dupont", "Martin", "Simon", "Leclercq", "Laurent", "Renard", "Lefèvre",
         "Mathieu",
         "Dumont", "Lejeune", "Gilles", "Collard", "Delvaux", "Piret"),
    ),
    NamePool(
        "anglophone", 0.02, (("en", 0.7), ("nl", 0.3)), 0.3,
        ("Grace", "Abena", "Akosua", "Ngozi", "Chioma", "Blessing", "Efua", "Joy", "Adaeze"),
        ("Kwame", "Kofi", "Emeka", "Chinedu", "Samuel", "Daniel", "Kwabena", "Tunde", "Femi", "Isaac"),
        ("Esi", "Adwoa", "Chiamaka", "Precious", "Favour", "Abigail", "Ama", "Zara"),
        ("Kojo", "Kwesi", "David", "Joshua", "Ebuka", "Elijah", "Jayden", "Tobi"),
        ("Mensah", "Owusu", "Boateng", "Asante", "Okafor", "Adeyemi", "Okeke", "Nwosu", "Appiah", "Osei",
         "Adebayo", "Eze"),
    ),
)
POOL_BY_KEY = {p.key: p for p in POOLS}
INTERPRETER_LANGUAGES = ("ar", "tr", "pl", "ro", "bg", "uk", "so")

# 243 sibling groups, 330 pupils. Separated parents make a second household
# for seven of them (ten children with two homes): 250 households in all.
SIBLING_GROUP_SIZES = {1: 172, 2: 55, 3: 16}
SEPARATED_SIZES = (2, 2, 2, 1, 1, 1, 1)
# Household shapes besides two parents (who fill up the rest).
OTHER_SHAPES = (
    ("single_mother", 38),
    ("single_father", 9),
    ("stepfamily", 8),
    ("two_mothers", 2),
    ("grandparents", 3),
    ("foster", 3),
    ("guardian", 2),
)
ARRIVED_THIS_YEAR = 8  # families new to the school with older children
DRAFT_INTAKES = 2  # of those, intakes saved part-way
INTERPRETER_SHARE = 0.08
CONSENT_SHARE = 0.5

MAIL_DOMAINS = ("mail.example", "post.example", "inbox.example")
# Codes of school.families.intake.CHANNELS and TIMES (the intake's own choices).
CHANNELS = ("gate", "phone_call", "text_message", "chat_app", "email", "letter", "platform", "appointment")
TIMES = ("morning_gate", "afternoon_gate", "daytime", "evening", "weekend")

ABOUT_CHILD = (
    "Houdt van tekenen en knutselen.",
    "Speelt graag buiten; is gek op voetbal.",
    "Leest graag strips.",
    "Heeft een oudere broer op dezelfde school.",
    "Zingt graag en doet mee in het koor van de wijk.",
    "Gaat graag mee naar de bib.",
    "Bouwt graag met lego.",
)
NEEDS_FROM_SCHOOL = (
    "Korte berichten in eenvoudig Nederlands.",
    "Graag mondeling toelichten wat in brieven staat.",
    "Berichten naar beide ouders sturen.",
    "Graag tijdig weten wanneer er uitstappen zijn.",
    "Liever een telefoontje dan een brief.",
)
HELP_OFFERS = (
    "helpen bij het schoolfeest",
    "voorlezen in de klas",
    "mee op uitstap",
    "helpen in de moestuin",
    "vertalen voor andere ouders",
    "meehelpen op de sportdag",
    "fietsen nakijken op de fietsdag",
    "knutselen met een groepje",
)
CONTACT_NOTES = (
    "Bellen lukt best na 17 uur.",
    "Voorkeur voor een kort gesprek aan de poort.",
    "Beide ouders willen de berichten krijgen.",
    "Berichten ook via sms sturen.",
    "Oma haalt de kinderen op dinsdag en donderdag op.",
)

# ---------------------------------------------------------------------------
# Contacts: rates, behaviour per form, notes
# ---------------------------------------------------------------------------

# Expected moments per household per full school year: (with a kleuter, lager only).
RATES: dict[str, tuple[float, float]] = {
    "gate_conversation": (4.5, 2.0),
    "classroom_chat": (1.5, 0.3),
    "spontaneous_call": (0.7, 0.7),
    "helping_in_class": (0.15, 0.15),
    "planned_call": (0.4, 0.5),
    "progress_conversation": (0.15, 0.25),
    "home_visit": (0.03, 0.03),
    "diary_message": (1.0, 5.0),
    "notebook": (1.0, 0.2),
    "reminder_sms": (1.8, 1.8),
    "platform_message": (7.5, 8.0),
    "official_letter": (2.0, 2.0),
}
INFORMAL_RATE_FORMS = {"gate_conversation", "classroom_chat", "spontaneous_call", "helping_in_class",
                       "diary_message", "notebook"}


@dataclass(frozen=True)
class FormRule:
    family_share: float = 0.0  # share of moments the family started
    missed_share: float = 0.0  # school attempts that did not reach the family
    reply_share: float = 0.0  # written school messages the family answered
    logger: str = "teacher"  # teacher | reception | care | office | teacher_or_reception | ...


FORM_RULES: dict[str, FormRule] = {
    "gate_conversation": FormRule(family_share=0.2),
    "classroom_chat": FormRule(family_share=0.1),
    "helping_in_class": FormRule(family_share=0.5),
    "spontaneous_call": FormRule(family_share=0.3, missed_share=0.2, logger="teacher_or_reception"),
    "parent_meeting": FormRule(missed_share=0.1),
    "planned_call": FormRule(missed_share=0.15, logger="teacher_or_care"),
    "start_conversation": FormRule(missed_share=0.05),
    "enrolment_interview": FormRule(logger="reception"),
    "kom_conversation": FormRule(missed_share=0.08),
    "progress_conversation": FormRule(missed_share=0.1, logger="care"),
    "home_visit": FormRule(missed_share=0.1, logger="care"),
    "info_evening": FormRule(),
    "school_party": FormRule(logger="director"),
    "parent_cafe": FormRule(logger="bridge"),
    "diary_message": FormRule(family_share=0.2, reply_share=0.2),
    "notebook": FormRule(family_share=0.3, reply_share=0.3),
    "reminder_sms": FormRule(logger="reception"),
    "official_letter": FormRule(logger="office"),
    "report": FormRule(),
    "platform_message": FormRule(family_share=0.12, reply_share=0.15, logger="teacher_mostly"),
}
KLEUTER_FORMS = {"classroom_chat", "notebook"}
NO_CAREGIVER_FORMS = {"report", "official_letter"}

NOTES: dict[str, tuple[str, ...]] = {
    "gate_conversation": ("Vraagt naar de uitstap van volgende week.", "opvolgen in een rustig moment",
                          "Kort nieuws over het weekend gedeeld.", "Vraagt of de turnzak mee moet.",
                          "Papa brengt voortaan op dinsdag."),
    "classroom_chat": ("Kort getoond waar we in de klas mee bezig zijn.", "Samen het werkje bekeken."),
    "spontaneous_call": ("Vraagt naar de data van de oudercontacten.", "Meldt dat oma vandaag ophaalt."),
    "planned_call": ("Afspraken van het oudercontact overlopen.", "Afspraak gemaakt voor na de vakantie."),
    "parent_meeting": ("Rapport samen overlopen.", "Afgesproken om over twee weken even te bellen."),
    "diary_message": ("Vraag om de leesmap te tekenen.", "Bedankt voor de hulp bij de uitstap."),
    "notebook": ("Foto van de knutselactiviteit meegegeven.", "Vraagt om reservekleren mee te geven."),
    "platform_message": ("Info over de sportdag.", "Vraag over het huiswerk beantwoord."),
    "official_letter": ("Toestemmingsformulier voor de uitstap.", "Uitnodiging voor het oudercontact."),
    "reminder_sms": ("Herinnering: morgen zwemmen.", "Herinnering: oudercontact donderdag."),
}
MISSED_NOTES = ("Geen antwoord; later opnieuw proberen.", "Niet gekomen; nieuw moment voorstellen.",
                "Wij hebben u gemist, kunnen we een ander moment afspreken?")
POSITIVE_NOTES = ("Mooie vooruitgang met rekenen gedeeld.", "Fijne start in de klas.",
                  "Trots verteld over de spreekbeurt.")
CONCERN_NOTES = ("Samen bekeken hoe het lezen loopt.", "Afspraak om de huistaken samen op te volgen.",
                 "Zorg over het rekenen; samen opvolgen.")
CONFIDENTIAL_NOTE = "Vertrouwelijk gesprek; afspraken staan in het zorgdossier."
NOTE_SHARE = 0.15
CONFIDENTIAL_SHARE = 0.006

# Group contacts: (month, day) of events, relative to the school year's first year.
REPORT_DATES = {
    Level.LAGER: ((0, 11, 6), (0, 12, 19), (1, 3, 27), (1, 6, 30)),
    Level.KLEUTER: ((0, 12, 19), (1, 6, 30)),
}
# Parent meetings (oudercontact): the first day of each week; in lager also at the Christmas report.
PARENT_MEETING_WEEKS = {
    Level.LAGER: ((0, 11, 16), (0, 12, 14), (1, 3, 9), (1, 6, 22)),
    Level.KLEUTER: ((0, 11, 16), (1, 3, 9), (1, 6, 22)),
}
LETTERS_TO_ALL = ((0, 10, 1, "Schoolfotograaf"), (1, 1, 12, "Nieuwjaarsbrief"),
                  (1, 5, 4, "Inschrijvingen broers en zussen"))
PARENT_CAFES = ((0, 10, 9), (0, 11, 20), (1, 1, 29), (1, 3, 12), (1, 5, 21))
MONTHS_NL = {9: "september", 10: "oktober", 11: "november", 12: "december", 1: "januari", 2: "februari",
             3: "maart", 4: "april", 5: "mei", 6: "juni"}

# Approximate Flemish holidays as (month, day) ranges; good enough for a demo calendar.
HOLIDAYS: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (
    ((10, 26), (11, 1)),  # herfstvakantie
    ((11, 11), (11, 11)),  # Wapenstilstand
    ((12, 22), (12, 31)),  # kerstvakantie
    ((1, 1), (1, 4)),
    ((2, 16), (2, 22)),  # krokusvakantie
    ((4, 6), (4, 19)),  # paasvakantie
    ((5, 1), (5, 1)),  # Dag van de Arbeid
    ((7, 1), (8, 31)),  # zomervakantie
)

# ---------------------------------------------------------------------------
# Less-visible families (DOMAIN.md, the eight signals; the codes of
# school.visibility.signals)
# ---------------------------------------------------------------------------

REASONS: tuple[str, ...] = (
    "no_personal_contact",  # 1. no oral two-way contact this school year
    "only_written",  # 2. only written contact lately
    "only_formal",  # 3. only formal contact lately
    "unanswered_attempts",  # 4. last attempts did not reach them, nothing after
    "only_concerns",  # 5. every recent contact was a concern
    "no_agreement",  # 6. no agreed way of contact (no intake)
    "rhythm_not_kept",  # 7. agreed gate rhythm, last gate conversation long ago
    "only_via_go_between",  # 8. contact only through the brugfiguur
)
PER_REASON = 5
# One family of each of these sits in the login teacher's class.
LOGIN_CLASS_REASONS = ("no_personal_contact", "unanswered_attempts", "rhythm_not_kept")
LATELY_DAYS = 63  # "lately" for the shaped families: a little more than the signals' 60 days
TOP_UP_DAYS = 56  # moments added to make a pattern clear fall well inside the signals' window


# ---------------------------------------------------------------------------
# Working structures
# ---------------------------------------------------------------------------


@dataclass
class ChildDraft:
    first_name: str
    surname: Surname
    female: bool
    grade: int = 0
    class_name: str = ""
    prev_class_name: str | None = None  # last year's class, None if not in school yet
    birth_date: dt.date | None = None
    row: Pupil | None = None

    @property
    def last_name(self) -> str:
        return _surname_form(self.surname, self.female)


@dataclass
class CaregiverDraft:
    first_name: str
    surname: Surname
    female: bool
    kinship: Kinship
    pool: NamePool
    language: str | None = None  # only when it differs from the household's
    phone: str | None = None
    email: str | None = None
    row: Caregiver | None = None

    @property
    def last_name(self) -> str:
        return _surname_form(self.surname, self.female)


@dataclass
class AgreementPlan:
    form: str
    every_days: int | None = None
    occasion: str | None = None


@dataclass
class HouseholdDraft:
    key: int
    shape: str
    pool: NamePool
    caregivers: list[CaregiverDraft]
    children: list[ChildDraft]
    display_name: str = ""
    language: str = "nl"
    interpreter: bool = False
    written_ok: bool | None = None
    digital_ok: bool | None = None
    channels: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    engagement: float = 1.0  # how often informal contact happens; never stored
    newcomer: str | None = None  # "k1" (started in K1) or "arrived" (this school year)
    intake_status: IntakeStatus = IntakeStatus.DONE
    intake_on: dt.date | None = None
    join_day: dt.date = dt.date.min
    consent: bool = False
    about_child: str | None = None
    needs: str | None = None
    help_offer: str | None = None
    contact_note: str | None = None
    agreements: list[AgreementPlan] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    row: Household | None = None

    def has_agreement(self, form: str, every_days: int | None = None) -> bool:
        return any(a.form == form and (every_days is None or a.every_days == every_days)
                   for a in self.agreements)


@dataclass
class YearCtx:
    span: YearSpan
    end: dt.date  # the last day with data: the year's end or today
    current: bool
    classes: dict[str, SchoolClass]
    days: list[dt.date]  # school days up to `end`
    full_days: int  # school days in the whole year

    def at(self, offset: int, month: int, day: int) -> dt.date:
        return dt.date(self.span.start.year + offset, month, day)

    def days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        return [d for d in self.days if start <= d <= end]

    def class_of(self, hh: HouseholdDraft, child: ChildDraft) -> str | None:
        if self.current:
            return child.class_name
        return None if hh.newcomer else child.prev_class_name


@dataclass
class Ctx:
    rng: random.Random
    today: dt.date
    staff: dict[str, User]
    titularis: dict[str, User]  # class name -> klastitularis (same names both years)
    forms: dict[str, ContactForm]
    topic_ids: list[int]
    prev: YearCtx
    cur: YearCtx

    @property
    def years(self) -> tuple[YearCtx, YearCtx]:
        return (self.prev, self.cur)


@dataclass
class Spec:
    """A contact moment before it is written (bulk) to the database."""

    hh: HouseholdDraft
    form: str
    day: dt.date
    child: ChildDraft | None
    caregiver: CaregiverDraft | None
    initiative: Initiative
    reach: Reach
    tone: Tone = Tone.NEUTRAL
    mediator: Mediator = Mediator.NONE
    logged_by: User | None = None
    note: str | None = None
    confidential: bool = False
    group: GroupContact | None = None
    token: str = ""


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


def seed() -> bool:
    """Load the demo school into an empty database; False (and no change) otherwise."""
    if not _database_is_empty():
        return False
    try:
        _build(random.Random(RANDOM_SEED), schoolyear.today())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def print_logins(echo: Callable[[str], object]) -> None:
    """A short block with the URL and one login per role."""
    teacher = _login_teacher_name()
    rows = [(s.role.value, s.email, s.title) for s in STAFF]
    rows.append((Role.TEACHER.value, _staff_email(teacher), f"klas {LOGIN_TEACHER_CLASS}"))
    echo(f"{SCHOOL_NAME} (demo) — {DEMO_URL}")
    for role, email, what in rows:
        echo(f"  {role:<10} {email:<32} {DEMO_PASSWORD}   {what}")


def is_loaded() -> bool:
    """Whether this database holds the demo school."""
    return db.session.get(Setting, MARKER_KEY) is not None


def _database_is_empty() -> bool:
    """No staff and no families yet: a real school's data is never mixed with the demo."""
    has_user = db.session.scalar(select(User.id).limit(1)) is not None
    has_family = db.session.scalar(select(Household.id).limit(1)) is not None
    return not (has_user or has_family or is_loaded())


def _build(rng: random.Random, today: dt.date) -> None:
    ctx = _context(rng, today)
    drafts = _draft_households(rng)
    _place_children(rng, drafts, ctx)
    _mark_newcomers(rng, drafts)
    _decide_contact_profiles(rng, drafts)
    reasons = _choose_less_visible(rng, drafts)
    _plan_intakes(ctx, drafts)
    _plan_agreements(rng, drafts)
    _create_families(ctx, drafts)

    specs = [s for hh in drafts for s in _household_moments(ctx, hh)]
    specs += _group_contacts(ctx, drafts)
    specs = _shape_less_visible(ctx, specs)
    done_case = _resolved_case(ctx, drafts, specs)
    _insert_moments(ctx, specs)
    _create_follow_ups(ctx, reasons, done_case)
    db.session.add(Setting(key=MARKER_KEY, value={
        "school": SCHOOL_NAME,
        "seeded_for": today.isoformat(),
        "login_teacher": _staff_email(_login_teacher_name()),
        "less_visible": {reason: [hh.row.id for hh in hhs] for reason, hhs in reasons.items()},
    }))


# ---------------------------------------------------------------------------
# Staff, years, classes
# ---------------------------------------------------------------------------


def _context(rng: random.Random, today: dt.date) -> Ctx:
    forms = {f.code: f for f in db.session.scalars(select(ContactForm).where(ContactForm.code.is_not(None)))}
    topic_ids = list(db.session.scalars(select(InfoTopic.id).order_by(InfoTopic.sort_order)))
    staff, teachers = _create_staff()
    cur_span = span_for(today)
    prev_span = span_for(cur_span.start - dt.timedelta(days=1))
    cur_classes = _create_classes(_school_year(cur_span), teachers, link_teachers=True)
    # Last year's classes carry last year's info evenings; the accounts link to this year's only.
    prev_classes = _create_classes(_school_year(prev_span), teachers, link_teachers=False)
    titularis = {plan.name: teachers[plan.teachers[0]] for plan in CLASSES}
    return Ctx(
        rng=rng, today=today, staff=staff, titularis=titularis, forms=forms, topic_ids=topic_ids,
        prev=_year_ctx(prev_span, today, prev_classes, current=False),
        cur=_year_ctx(cur_span, today, cur_classes, current=True),
    )


def _create_staff() -> tuple[dict[str, User], dict[str, User]]:
    password_hash = hash_password(DEMO_PASSWORD)  # hashed once: argon2 is slow on purpose
    staff = {s.key: User(name=s.name, email=s.email, role=s.role, password_hash=password_hash)
             for s in STAFF}
    teachers: dict[str, User] = {}
    for plan in CLASSES:
        for name in plan.teachers:
            if name not in teachers:
                teachers[name] = User(name=name, email=_staff_email(name), role=Role.TEACHER,
                                      password_hash=password_hash)
    db.session.add_all([*staff.values(), *teachers.values()])
    return staff, teachers


def _school_year(span: YearSpan) -> SchoolYear:
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.starts_on == span.start))
    if year is None:
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
    return year


def _create_classes(year: SchoolYear, teachers: dict[str, User], *, link_teachers: bool
                    ) -> dict[str, SchoolClass]:
    classes = {}
    for i, plan in enumerate(CLASSES):
        cls = SchoolClass(school_year=year, name=plan.name, level=plan.level, sort_order=(i + 1) * 10)
        if link_teachers:
            cls.teachers = [teachers[name] for name in plan.teachers]
        classes[plan.name] = cls
    db.session.add_all(classes.values())
    return classes


def _year_ctx(span: YearSpan, today: dt.date, classes: dict[str, SchoolClass], *, current: bool) -> YearCtx:
    end = min(span.end, today)
    return YearCtx(span=span, end=end, current=current, classes=classes,
                   days=_school_days(span.start, end), full_days=len(_school_days(span.start, span.end)))


def _login_teacher_name() -> str:
    return next(p.teachers[0] for p in CLASSES if p.name == LOGIN_TEACHER_CLASS)


def _staff_email(name: str) -> str:
    first, _, last = name.partition(" ")
    return f"{_slug(first)}.{_slug(last)}@{STAFF_DOMAIN}"


# ---------------------------------------------------------------------------
# Households: names and shapes
# ---------------------------------------------------------------------------


def _draft_households(rng: random.Random) -> list[HouseholdDraft]:
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
    language = _weighted(rng, pool.languages)
    for carer in caregivers:
        drawn = rng.random() < 0.15 or carer.pool is not pool
        own = _weighted(rng, carer.pool.languages) if drawn else language
        carer.language = own if own != language else None
        carer.phone = _phone(rng) if rng.random() < 0.95 else None
        email_share = 0.55 if language in ("nl", "fr", "en") else 0.35
        if rng.random() < email_share:
            carer.email = f"{_slug(carer.first_name)}.{_slug(carer.last_name)}@{rng.choice(MAIL_DOMAINS)}"
    return HouseholdDraft(
        key=0, shape=shape, pool=pool, caregivers=caregivers, children=children,
        display_name=_display_name(rng, caregivers, children), language=language,
        engagement=max(0.3, rng.gauss(1.0, 0.3)),
    )


def _display_name(rng: random.Random, caregivers: list[CaregiverDraft], children: list[ChildDraft]) -> str:
    """"Gezin Peeters", or with two family names "Gezin El Amrani – Peeters"."""
    names: dict[str, str] = {}  # masculine/base form -> the name as the caregiver carries it
    for carer in caregivers[:2]:
        names.setdefault(_surname_form(carer.surname, False), carer.last_name)
    shown = list(names.values())
    if len(shown) > 1 and rng.random() < 0.5:
        return f"Gezin {shown[0]} – {shown[1]}"
    return f"Gezin {names.get(_surname_form(children[0].surname, False), shown[0])}"


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


def _surname_form(surname: Surname, female: bool) -> str:
    if isinstance(surname, tuple):
        return surname[1] if female else surname[0]
    return surname


# ---------------------------------------------------------------------------
# Households: classes, newcomers, contact profile, intake, agreements
# ---------------------------------------------------------------------------


def _place_children(rng: random.Random, drafts: list[HouseholdDraft], ctx: Ctx) -> None:
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


def _mark_newcomers(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    for hh in drafts:
        if all(c.grade == 0 for c in hh.children):
            hh.newcomer = "k1"
    newcomer_pools = {"ukrainian", "romanian", "bulgarian", "somali", "polish", "anglophone", "congolese"}
    candidates = [hh for hh in drafts
                  if hh.newcomer is None and hh.shape != "separated" and hh.pool.key in newcomer_pools]
    for hh in rng.sample(candidates, k=min(ARRIVED_THIS_YEAR, len(candidates))):
        hh.newcomer = "arrived"


def _decide_contact_profiles(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    """Interpreter, written/digital, preferred channels and times, intake answers."""
    candidates = [hh for hh in drafts if hh.language in INTERPRETER_LANGUAGES]
    wanted = round(INTERPRETER_SHARE * len(drafts))
    for hh in rng.sample(candidates, k=min(wanted, len(candidates))):
        hh.interpreter = True
    for hh in drafts:
        other_language = hh.language not in ("nl", "fr", "en")
        hh.written_ok = _tri(rng, (0.55, 0.30) if other_language or hh.interpreter else (0.92, 0.03))
        hh.digital_ok = _tri(rng, (0.60, 0.25) if other_language else (0.82, 0.08))
        hh.channels = _preferred_channels(rng, hh)
        hh.times = _pick_some(rng, TIMES, (4, 5, 2, 3, 0.5), rng.choice((1, 1, 2)))
        hh.about_child = rng.choice(ABOUT_CHILD) if rng.random() < 0.3 else None
        hh.needs = rng.choice(NEEDS_FROM_SCHOOL) if rng.random() < 0.25 else None
        hh.help_offer = rng.choice(HELP_OFFERS) if rng.random() < 0.2 else None
        hh.contact_note = rng.choice(CONTACT_NOTES) if rng.random() < 0.1 else None
        if hh.shape == "separated":
            hh.contact_note = "De kinderen wonen afwisselend bij beide ouders; elk gezin krijgt de berichten."
        hh.consent = rng.random() < CONSENT_SHARE


def _preferred_channels(rng: random.Random, hh: HouseholdDraft) -> list[str]:
    kleuter = any(c.grade <= 2 for c in hh.children)
    digital, written = hh.digital_ok is not False, hh.written_ok is not False
    weights = {
        "gate": 8 if kleuter else 4, "phone_call": 5, "text_message": 2, "chat_app": 4 if digital else 0,
        "email": 3 if digital and written else 0, "letter": 2 if written else 0,
        "platform": 4 if digital and written else 0, "appointment": 1 if hh.interpreter or not written else 0,
    }
    return _pick_some(rng, CHANNELS, [weights[c] for c in CHANNELS], rng.choice((1, 2, 2, 3)))


def _choose_less_visible(rng: random.Random, drafts: list[HouseholdDraft]) -> dict[str, list[HouseholdDraft]]:
    """A handful of families per signal; one per LOGIN_CLASS_REASONS in the login teacher's class."""
    taken: set[int] = set()
    chosen: dict[str, list[HouseholdDraft]] = {}
    for reason in REASONS:
        candidates = [hh for hh in drafts if hh.key not in taken and _eligible(reason, hh)]
        rng.shuffle(candidates)
        picks: list[HouseholdDraft] = []
        if reason in LOGIN_CLASS_REASONS:
            picks += [hh for hh in candidates if _in_class(hh, LOGIN_TEACHER_CLASS)][:1]
        preferred = [hh for hh in candidates if hh not in picks and _prefers(reason, hh)]
        others = [hh for hh in candidates if hh not in picks and not _prefers(reason, hh)]
        picks += (preferred + others)[: PER_REASON - len(picks)]
        chosen[reason] = picks
        taken.update(hh.key for hh in picks)
    # Signals overlap in real life: one family without an intake has had no personal contact either.
    both = next(hh for hh in chosen["no_agreement"] if _eligible("no_personal_contact", hh))
    chosen["no_personal_contact"].append(both)
    for reason, hhs in chosen.items():
        for hh in hhs:
            hh.reasons.append(reason)
    return chosen


def _eligible(reason: str, hh: HouseholdDraft) -> bool:
    if reason in ("no_personal_contact", "rhythm_not_kept"):
        return hh.newcomer is None  # they had their intake and contacts in earlier years
    return hh.newcomer != "arrived"


def _prefers(reason: str, hh: HouseholdDraft) -> bool:
    if reason == "only_via_go_between":
        return hh.interpreter or hh.language in INTERPRETER_LANGUAGES
    return False


def _in_class(hh: HouseholdDraft, class_name: str) -> bool:
    return any(c.class_name == class_name for c in hh.children)


def _plan_intakes(ctx: Ctx, drafts: list[HouseholdDraft]) -> None:
    rng, cur = ctx.rng, ctx.cur
    arrived = [hh for hh in drafts if hh.newcomer == "arrived"]
    for hh in drafts:
        if "no_agreement" in hh.reasons:  # known from the roster import only
            hh.intake_status, hh.intake_on, hh.consent = IntakeStatus.NONE, None, False
            hh.written_ok = hh.digital_ok = None
            hh.channels, hh.times = [], []
            hh.about_child = hh.needs = hh.help_offer = None
            hh.join_day = cur.span.start if hh.newcomer else ctx.prev.span.start
            continue
        if hh.newcomer == "arrived":
            days = cur.days_between(cur.span.start, cur.span.start + dt.timedelta(days=45))
            hh.intake_on = rng.choice(days or [cur.span.start])
            hh.join_day = hh.intake_on
        else:
            entry_year = cur.span.start.year - max(c.grade for c in hh.children)
            hh.intake_on = _random_day(rng, dt.date(entry_year, 3, 1), dt.date(entry_year, 6, 26))
            hh.join_day = cur.span.start if hh.newcomer == "k1" else ctx.prev.span.start
    for hh in arrived[:DRAFT_INTAKES]:
        hh.intake_status = IntakeStatus.DRAFT


def _plan_agreements(rng: random.Random, drafts: list[HouseholdDraft]) -> None:
    """Contact op maat, agreed at every completed intake (DOMAIN.md: the startgesprek).

    Families without an agreement are flagged by the no_agreement signal, so only
    the deliberate ones (no intake yet, or an intake saved part-way) go without.
    The rhythm-not-kept families agreed gate talks every two weeks.
    """
    for hh in drafts:
        if hh.intake_status is not IntakeStatus.DONE:
            continue
        if "rhythm_not_kept" in hh.reasons:
            hh.agreements.append(AgreementPlan("gate_conversation", every_days=14))
        else:
            hh.agreements += _agreement_choices(rng, hh)


def _agreement_choices(rng: random.Random, hh: HouseholdDraft) -> list[AgreementPlan]:
    kleuter = any(c.grade <= 2 for c in hh.children)
    options = (
        (AgreementPlan("gate_conversation", every_days=14), 1.5 if kleuter else 0.5),
        (AgreementPlan("planned_call", occasion="voor elk rapport"), 2),
        (AgreementPlan("parent_meeting", occasion="bij elk oudercontact"), 4),
        (AgreementPlan("notebook", every_days=14), 1 if kleuter else 0),
        (AgreementPlan("planned_call", every_days=30), 0.5),
        (AgreementPlan("diary_message", every_days=14), 0 if kleuter else 0.5),
        (AgreementPlan("home_visit", occasion="eenmaal per schooljaar"), 1 if hh.interpreter else 0.05),
    )
    plans = _pick_some(rng, [o[0] for o in options], [o[1] for o in options], rng.choice((1, 1, 2)))
    return [AgreementPlan(p.form, p.every_days, p.occasion) for p in plans]


# ---------------------------------------------------------------------------
# Writing the families
# ---------------------------------------------------------------------------


def _create_families(ctx: Ctx, drafts: list[HouseholdDraft]) -> None:
    pupils: dict[int, Pupil] = {}
    serial = 100
    for hh in drafts:
        for child in hh.children:
            if id(child) not in pupils:
                serial += 1
                child.row = Pupil(
                    first_name=child.first_name, last_name=child.last_name,
                    birth_date=child.birth_date,
                    external_key=f"INF-{serial:06d}", school_class=ctx.cur.classes[child.class_name],
                    created_at=_stamp(hh.join_day),
                )
                pupils[id(child)] = child.row
        hh.row = _household_row(ctx, hh)
        hh.row.pupils = [pupils[id(c)] for c in hh.children]
    db.session.add_all(hh.row for hh in drafts)
    db.session.flush()


def _household_row(ctx: Ctx, hh: HouseholdDraft) -> Household:
    youngest = min(hh.children, key=lambda c: c.grade)
    done = hh.intake_status is not IntakeStatus.NONE
    explained = ctx.topic_ids if hh.intake_status is IntakeStatus.DONE else ctx.topic_ids[:2]
    created = _stamp(min(hh.join_day, hh.intake_on or hh.join_day))
    row = Household(
        display_name=hh.display_name,
        contact_language=hh.language,
        interpreter_needed=hh.interpreter,
        interpreter_language=hh.language if hh.interpreter else None,
        written_ok=hh.written_ok, digital_ok=hh.digital_ok,
        preferred_channels=hh.channels, preferred_times=hh.times,
        contact_note=hh.contact_note, about_child=hh.about_child,
        needs_from_school=hh.needs, help_offer=hh.help_offer,
        info_explained=list(explained) if done else [],
        contact_person=ctx.titularis[youngest.class_name],
        consent_external=hh.consent,
        consent_external_at=_stamp(hh.intake_on, hour=10) if hh.consent and hh.intake_on else None,
        intake_status=hh.intake_status, intake_on=hh.intake_on,
        created_at=created, updated_at=created,
    )
    for i, carer in enumerate(hh.caregivers):
        carer.row = Caregiver(
            first_name=carer.first_name, last_name=carer.last_name, kinship=carer.kinship,
            phone=carer.phone, email=carer.email, contact_language=carer.language, sort_order=i,
        )
        row.caregivers.append(carer.row)
    for plan in hh.agreements:
        row.agreements.append(ContactAgreement(
            form=ctx.forms[plan.form], every_days=plan.every_days, occasion=plan.occasion,
            agreed_on=hh.intake_on, created_at=created,
        ))
    return row


# ---------------------------------------------------------------------------
# Contact moments per family
# ---------------------------------------------------------------------------


def _household_moments(ctx: Ctx, hh: HouseholdDraft) -> list[Spec]:
    specs: list[Spec] = []
    if hh.intake_on and hh.intake_status is not IntakeStatus.NONE and ctx.prev.span.start <= hh.intake_on:
        youngest = min(hh.children, key=lambda c: c.grade)
        specs.append(_spec(ctx, hh, ctx.cur if hh.intake_on >= ctx.cur.span.start else ctx.prev,
                           "enrolment_interview", hh.intake_on, youngest, reach=Reach.TWO_WAY))
    for year in ctx.years:
        present = [c for c in hh.children if year.class_of(hh, c)]
        start = max(year.span.start, hh.join_day)
        if not present or start > year.end:
            continue
        specs += _calendar_moments(ctx, hh, year, present, start)
        specs += _rate_moments(ctx, hh, year, present, start)
        specs += _agreement_moments(ctx, hh, year, present, start)
    return specs


def _calendar_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                      start: dt.date) -> list[Spec]:
    """Reports, parent meetings, start conversations, KOM conversations."""
    rng, specs = ctx.rng, []
    for child in present:
        level = _level_of(year.class_of(hh, child))
        for offset, month, day in REPORT_DATES[level]:
            when = _school_day_on_or_before(year.at(offset, month, day))
            if start <= when <= year.end:
                specs.append(_spec(ctx, hh, year, "report", when, child))
        for offset, month, day in PARENT_MEETING_WEEKS[level]:
            week = year.days_between(year.at(offset, month, day), year.at(offset, month, day + 4))
            if week and start <= week[0]:
                missed = 0.03 if hh.has_agreement("parent_meeting") else None
                specs.append(_spec(ctx, hh, year, "parent_meeting", rng.choice(week), child, missed=missed))
        if child.grade - (0 if year.current else 1) >= 7 and rng.random() < 0.5:  # L5 and L6
            days = year.days_between(max(start, year.at(1, 2, 1)), year.at(1, 3, 20))
            if days:
                specs.append(_spec(ctx, hh, year, "kom_conversation", rng.choice(days), child))
    september = year.days_between(max(start, year.span.start), year.at(0, 9, 25))
    if september and rng.random() < 0.35 and hh.newcomer != "arrived":
        specs.append(_spec(ctx, hh, year, "start_conversation", rng.choice(september), _youngest(present)))
    return specs


def _rate_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                  start: dt.date) -> list[Spec]:
    """Everyday contacts, spread over the school days the family was at school."""
    rng, specs = ctx.rng, []
    days = year.days_between(start, year.end)
    if not days:
        return specs
    share = len(days) / year.full_days
    kleuter = any(_level_of(year.class_of(hh, c)) is Level.KLEUTER for c in present)
    for form, (with_kleuter, lager_only) in RATES.items():
        if any(a.form == form and a.every_days for a in hh.agreements):
            continue  # an agreed rhythm drives this form instead
        rate = (with_kleuter if kleuter else lager_only) * share
        if form in INFORMAL_RATE_FORMS:
            rate *= hh.engagement
        if form == "helping_in_class" and hh.help_offer:
            rate *= 4
        if form == "home_visit" and hh.interpreter:
            rate *= 8
        for day in _spread(rng, days, _poisson_like(rng, rate)):
            child = _child_for(rng, hh, year, present, form)
            specs.append(_spec(ctx, hh, year, form, day, child))
    return specs


def _agreement_moments(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
                       start: dt.date) -> list[Spec]:
    """What was agreed mostly happens: every n days, before each report, once a year."""
    rng, specs = ctx.rng, []
    for plan in hh.agreements:
        begin = max(start, hh.intake_on or start)
        if plan.every_days:
            specs += _rhythm(ctx, hh, year, present, plan, begin)
        elif plan.occasion == "voor elk rapport":
            for offset, month, day_of_month in REPORT_DATES[Level.LAGER]:
                before = year.days_between(year.at(offset, month, day_of_month) - dt.timedelta(days=9),
                                           year.at(offset, month, day_of_month) - dt.timedelta(days=2))
                if before and begin <= before[0] and rng.random() < 0.85:
                    specs.append(_spec(ctx, hh, year, plan.form, rng.choice(before), _youngest(present)))
        elif plan.occasion == "eenmaal per schooljaar":
            autumn = year.days_between(max(begin, year.at(0, 10, 1)), year.at(0, 11, 30))
            if autumn:
                specs.append(_spec(ctx, hh, year, plan.form, rng.choice(autumn), _youngest(present)))
    return specs


def _rhythm(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft], plan: AgreementPlan,
            begin: dt.date) -> list[Spec]:
    """Every n days, give or take; this year the rhythm is kept up to today."""
    rng, specs = ctx.rng, []
    every = plan.every_days or 14
    day = begin + dt.timedelta(days=rng.randrange(every))
    while day <= year.end:
        school_day = _next_school_day(year, day)
        if school_day and rng.random() < 0.88:
            child = _child_for(rng, hh, year, present, plan.form)
            specs.append(_spec(ctx, hh, year, plan.form, school_day, child))
        day += dt.timedelta(days=every + rng.randint(-3, 3))
    last = max((s.day for s in specs if s.reach is not Reach.NOT_REACHED), default=None)
    lately = year.days_between(year.end - dt.timedelta(days=every - 1), year.end)
    if year.current and lately and (last is None or last < lately[0]):
        child = _child_for(rng, hh, year, present, plan.form)
        reach = _reached_by(ctx, plan.form)
        specs.append(_spec(ctx, hh, year, plan.form, rng.choice(lately), child, reach=reach))
    return specs


def _reached_by(ctx: Ctx, form: str) -> Reach:
    return Reach.TWO_WAY if ctx.forms[form].quadrant.is_oral else Reach.ONE_WAY


def _spec(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, form: str, day: dt.date, child: ChildDraft | None,
          *, reach: Reach | None = None, missed: float | None = None) -> Spec:
    """One moment with the everyday mix of initiative, reach, tone, mediator and note."""
    rng, rule = ctx.rng, FORM_RULES[form]
    oral = ctx.forms[form].quadrant.is_oral
    family = reach is None and rng.random() < rule.family_share
    if reach is None:
        reach = _reach(rng, rule, oral, family, missed)
    tone = _tone(rng, form) if reach is not Reach.NOT_REACHED else Tone.NEUTRAL
    caregiver = None if form in NO_CAREGIVER_FORMS else _caregiver(rng, hh)
    reached_orally = oral and reach is not Reach.NOT_REACHED
    formal = ctx.forms[form].quadrant.is_formal
    mediator = _mediator(rng, hh, caregiver, formal) if reached_orally else Mediator.NONE
    spec = Spec(
        hh=hh, form=form, day=day, child=child, caregiver=caregiver,
        initiative=Initiative.FAMILY if family else Initiative.SCHOOL, reach=reach, tone=tone,
        mediator=mediator, logged_by=_logger(ctx, hh, year, rule, child, family, mediator),
    )
    _add_note(rng, spec, oral)
    return spec


def _reach(rng: random.Random, rule: FormRule, oral: bool, family: bool, missed: float | None) -> Reach:
    if family:
        return Reach.TWO_WAY if oral else Reach.ONE_WAY
    if oral:
        return Reach.NOT_REACHED if rng.random() < (rule.missed_share if missed is None else missed) \
            else Reach.TWO_WAY
    return Reach.TWO_WAY if rng.random() < rule.reply_share else Reach.ONE_WAY


def _tone(rng: random.Random, form: str) -> Tone:
    if form in ("reminder_sms", "official_letter", "enrolment_interview"):
        return Tone.NEUTRAL
    roll = rng.random()
    return Tone.POSITIVE if roll < 0.2 else Tone.CONCERN if roll < 0.3 else Tone.NEUTRAL


def _caregiver(rng: random.Random, hh: HouseholdDraft) -> CaregiverDraft:
    weights = (0.55, 0.4, 0.05)[: len(hh.caregivers)]
    return rng.choices(hh.caregivers, weights=weights)[0]


def _mediator(rng: random.Random, hh: HouseholdDraft, caregiver: CaregiverDraft | None,
              formal: bool) -> Mediator:
    """Interpreter families mostly with a professional interpreter for formal talks."""
    roll = rng.random()
    if hh.interpreter:
        if formal:
            return (Mediator.PROFESSIONAL_INTERPRETER if roll < 0.7 else Mediator.BRIDGE_FIGURE if roll < 0.8
                    else Mediator.INFORMAL_INTERPRETER if roll < 0.9 else Mediator.NONE)
        return (Mediator.INFORMAL_INTERPRETER if roll < 0.35 else Mediator.CHILD if roll < 0.45
                else Mediator.BRIDGE_FIGURE if roll < 0.55 else Mediator.NONE)
    if caregiver and caregiver.language in INTERPRETER_LANGUAGES and roll < 0.3:
        return Mediator.INFORMAL_INTERPRETER
    if hh.language in INTERPRETER_LANGUAGES:
        return Mediator.INFORMAL_INTERPRETER if roll < 0.1 else Mediator.BRIDGE_FIGURE if roll < 0.15 \
            else Mediator.NONE
    return Mediator.NONE


def _logger(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, rule: FormRule, child: ChildDraft | None,
            family: bool, mediator: Mediator) -> User:
    rng, staff = ctx.rng, ctx.staff
    class_name = (year.class_of(hh, child) if child else None) or _youngest(hh.children).class_name
    teacher = ctx.titularis[class_name]
    if mediator is Mediator.BRIDGE_FIGURE:
        return staff["bridge"]
    match rule.logger:
        case "reception" | "care" | "director" | "bridge":
            return staff[rule.logger]
        case "office":
            return staff["reception"] if rng.random() < 0.5 else staff["director"]
        case "teacher_or_reception":
            return staff["reception"] if family and rng.random() < 0.5 else teacher
        case "teacher_or_care":
            return staff["care"] if rng.random() < 0.35 else teacher
        case "teacher_mostly":
            roll = rng.random()
            return staff["director"] if roll < 0.08 else staff["care"] if roll < 0.15 else teacher
    return teacher


def _add_note(rng: random.Random, spec: Spec, oral: bool) -> None:
    if oral and rng.random() < CONFIDENTIAL_SHARE and spec.reach is Reach.TWO_WAY:
        spec.note, spec.confidential = CONFIDENTIAL_NOTE, True
        return
    if rng.random() >= NOTE_SHARE:
        return
    if spec.reach is Reach.NOT_REACHED:
        spec.note = rng.choice(MISSED_NOTES)
    elif spec.tone is Tone.CONCERN:
        spec.note = rng.choice(CONCERN_NOTES)
    elif spec.tone is Tone.POSITIVE and oral:
        spec.note = rng.choice(POSITIVE_NOTES)
    elif spec.form in NOTES:
        spec.note = rng.choice(NOTES[spec.form])


def _child_for(rng: random.Random, hh: HouseholdDraft, year: YearCtx, present: list[ChildDraft],
               form: str) -> ChildDraft:
    if form in KLEUTER_FORMS:
        kleuters = [c for c in present if _level_of(year.class_of(hh, c)) is Level.KLEUTER]
        if kleuters:
            return rng.choice(kleuters)
    return rng.choice(present)


# ---------------------------------------------------------------------------
# Group contacts: activities with attendance, and broadcasts
# ---------------------------------------------------------------------------


# Makes one GroupContact: (year, form code, day, class name or None for the school, title, logged by).
GroupMaker = Callable[[YearCtx, str, dt.date, "str | None", str, User], GroupContact]


def _group_contacts(ctx: Ctx, drafts: list[HouseholdDraft]) -> list[Spec]:
    """Info evenings, the school party and parents' cafés (with attendance); broadcasts (without)."""
    counter = iter(range(1, 100_000))
    groups: list[GroupContact] = []
    specs: list[Spec] = []

    def group(year: YearCtx, form: str, day: dt.date, class_name: str | None, title: str,
              logged_by: User) -> GroupContact:
        row = GroupContact(
            form=ctx.forms[form], school_class=year.classes[class_name] if class_name else None,
            occurred_on=day, title=title, logged_by=logged_by,
            submission_token=f"demo-group-{next(counter)}", created_at=_stamp(day),
        )
        groups.append(row)
        return row

    for year in ctx.years:
        specs += _info_evenings(ctx, year, drafts, group)
        specs += _school_activities(ctx, year, drafts, group)
        _broadcasts(ctx, year, group)
    db.session.add_all(groups)
    db.session.flush()
    return specs


def _info_evenings(ctx: Ctx, year: YearCtx, drafts: list[HouseholdDraft], group: GroupMaker) -> list[Spec]:
    rng, specs = ctx.rng, []
    for i, plan in enumerate(CLASSES):
        days = year.days_between(year.at(0, 9, 8), year.at(0, 9, 19))
        if not days:
            continue
        day = days[i % len(days)]
        invited = [(hh, c) for hh in drafts for c in hh.children
                   if year.class_of(hh, c) == plan.name and hh.join_day <= day]
        if not invited:
            continue
        teacher = ctx.titularis[plan.name]
        evening = group(year, "info_evening", day, plan.name, f"Infoavond {plan.name}", teacher)
        for hh, child in invited:
            roll = rng.random() / hh.engagement
            if roll < 0.7:
                specs.append(_attendance(ctx, hh, year, evening, child, came=True))
            elif roll < 0.9:
                specs.append(_attendance(ctx, hh, year, evening, child, came=False))
    return specs


def _school_activities(ctx: Ctx, year: YearCtx, drafts: list[HouseholdDraft], group: GroupMaker
                       ) -> list[Spec]:
    rng, specs = ctx.rng, []
    party_day = _third_saturday(year.span.start.year + 1, 5)
    if party_day <= year.end:
        party = group(year, "school_party", party_day, None, "Schoolfeest", ctx.staff["director"])
        for hh in drafts:
            if hh.join_day <= party_day and any(year.class_of(hh, c) for c in hh.children) \
                    and rng.random() < 0.55 * hh.engagement:
                specs.append(_attendance(ctx, hh, year, party, None, came=True))
    for offset, month, day in PARENT_CAFES:
        when = _school_day_on_or_before(year.at(offset, month, day))
        if not (year.span.start <= when <= year.end):
            continue
        cafe = group(year, "parent_cafe", when, None, "Oudercafé", ctx.staff["bridge"])
        present = [hh for hh in drafts
                   if hh.join_day <= when and any(year.class_of(hh, c) for c in hh.children)]
        for hh in rng.sample(present, k=min(len(present), rng.randint(6, 14))):
            specs.append(_attendance(ctx, hh, year, cafe, None, came=True))
    return specs


def _broadcasts(ctx: Ctx, year: YearCtx, group: GroupMaker) -> None:
    """Newsletters, letters and class chat posts: logged once, no per-family moments."""
    rng, director = ctx.rng, ctx.staff["director"]
    if year.days:
        group(year, "school_rules", year.days[0], None, "Schoolreglement en afsprakennota", director)
    for month in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6):
        offset = 0 if month >= 9 else 1
        firsts = year.days_between(year.at(offset, month, 1), year.at(offset, month, 10))
        if firsts:
            group(year, "newsletter", firsts[0], None, f"Nieuwsbrief {MONTHS_NL[month]}", director)
    for offset, month, day, title in LETTERS_TO_ALL:
        when = _school_day_on_or_before(year.at(offset, month, day))
        if year.span.start <= when <= year.end:
            group(year, "letter_all", when, None, title, ctx.staff["reception"])
    for plan in CLASSES:
        teacher = ctx.titularis[plan.name]
        every = 7 if plan.level is Level.KLEUTER else 14
        for chunk in _chunks(year.days, every * 5 // 7):
            group(year, "class_chat_group", rng.choice(chunk), plan.name, "Bericht in de klasgroep", teacher)
        if plan.level is Level.KLEUTER:
            for chunk in _chunks(year.days, 20):
                group(year, "photos", rng.choice(chunk), plan.name, "Foto's van de klas", teacher)


def _attendance(ctx: Ctx, hh: HouseholdDraft, year: YearCtx, row: GroupContact, child: ChildDraft | None,
                *, came: bool) -> Spec:
    form = row.form.code or ""
    spec = _spec(ctx, hh, year, form, row.occurred_on, child,
                 reach=Reach.TWO_WAY if came else Reach.NOT_REACHED)
    spec.group = row
    spec.logged_by = row.logged_by
    if not came:
        spec.note = None
    return spec


# ---------------------------------------------------------------------------
# Less-visible families: shape this year's moments to the signal
# ---------------------------------------------------------------------------


def _shape_less_visible(ctx: Ctx, specs: list[Spec]) -> list[Spec]:
    by_household: dict[int, list[Spec]] = {}
    for spec in specs:
        by_household.setdefault(spec.hh.key, []).append(spec)
    shaped: list[Spec] = []
    for own in by_household.values():
        hh = own[0].hh
        earlier = [s for s in own if s.day < ctx.cur.span.start]
        this_year = [s for s in own if s.day >= ctx.cur.span.start]
        for reason in hh.reasons:
            this_year = SHAPERS[reason](ctx, hh, this_year)
        if "rhythm_not_kept" in hh.reasons:
            earlier = _keep_last_year_gate_talks(ctx, hh, earlier)
        shaped += earlier + this_year
    return shaped


def _is_oral(ctx: Ctx, spec: Spec) -> bool:
    return ctx.forms[spec.form].quadrant.is_oral


def _is_formal(ctx: Ctx, spec: Spec) -> bool:
    return ctx.forms[spec.form].quadrant.is_formal


def _lately_from(ctx: Ctx) -> dt.date:
    return max(ctx.cur.span.start, ctx.today - dt.timedelta(days=LATELY_DAYS))


def _no_personal_contact(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Only written this year; invitations to meetings were not answered."""
    kept = []
    for spec in specs:
        if not _is_oral(ctx, spec):
            kept.append(spec)
        elif spec.form in ("info_evening", "parent_meeting"):
            _did_not_come(spec)
            kept.append(spec)
    return kept


def _only_written(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Talked at the start of the year; lately only letters, reports and messages."""
    lately = _lately_from(ctx)
    kept = [s for s in specs if s.day < lately or not _is_oral(ctx, s)]
    early = ctx.cur.days_between(ctx.cur.span.start, lately - dt.timedelta(days=1))
    if early and not any(_is_oral(ctx, s) and s.reach is Reach.TWO_WAY for s in kept):
        kept.append(_spec(ctx, hh, ctx.cur, "gate_conversation", ctx.rng.choice(early),
                          _youngest(hh.children), reach=Reach.TWO_WAY))
    return _top_up(ctx, hh, kept, "platform_message", 3, lambda s: not _is_oral(ctx, s))


def _only_formal(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Lately only reports, letters and the parent meeting; no informal contact."""
    lately = _lately_from(ctx)
    kept = [s for s in specs if s.day < lately or _is_formal(ctx, s)]
    kept = _top_up(ctx, hh, kept, "parent_meeting", 1, lambda s: _is_oral(ctx, s))
    return _top_up(ctx, hh, kept, "platform_message", 4, lambda s: _is_formal(ctx, s))


def _top_up(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec], form: str, wanted: int,
            counts: Callable[[Spec], bool]) -> list[Spec]:
    """Add `form` moments until `wanted` recent, reached moments satisfy `counts`."""
    start = max(ctx.cur.span.start, ctx.today - dt.timedelta(days=TOP_UP_DAYS))
    days = ctx.cur.days_between(start, ctx.today)
    recent_from = days[0] if days else ctx.today
    have = sum(1 for s in specs if s.day >= recent_from and s.reach is not Reach.NOT_REACHED and counts(s))
    for day in _spread(ctx.rng, days, max(0, wanted - have)):
        specs.append(_spec(ctx, hh, ctx.cur, form, day, _youngest(hh.children), reach=_reached_by(ctx, form)))
    return specs


def _unanswered_attempts(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Three attempts in the last two weeks did not reach them, and nothing came after."""
    days = ctx.cur.days_between(ctx.today - dt.timedelta(days=14), ctx.today - dt.timedelta(days=1))
    if not days:
        return specs
    attempt_days = sorted({days[0], days[len(days) // 2], days[-1]})
    kept = [s for s in specs if s.day < attempt_days[0]]
    forms = ("parent_meeting", "planned_call", "planned_call")
    for form, day in zip(forms, attempt_days, strict=False):
        spec = _spec(ctx, hh, ctx.cur, form, day, _youngest(hh.children), reach=Reach.NOT_REACHED)
        spec.note = MISSED_NOTES[1] if form == "parent_meeting" else MISSED_NOTES[0]
        kept.append(spec)
    return kept


def _only_concerns(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Every recent contact was about a concern."""
    lately = _lately_from(ctx)
    for spec in specs:
        if spec.day >= lately and spec.reach is not Reach.NOT_REACHED:
            spec.tone = Tone.CONCERN
            if spec.note and not spec.confidential:
                spec.note = ctx.rng.choice(CONCERN_NOTES)
    days = ctx.cur.days_between(lately, ctx.today)
    if days:
        call = _spec(ctx, hh, ctx.cur, "planned_call", ctx.rng.choice(days), _youngest(hh.children),
                     reach=Reach.TWO_WAY)
        call.tone, call.note, call.logged_by = Tone.CONCERN, CONCERN_NOTES[1], ctx.staff["care"]
        specs.append(call)
    return specs


def _no_agreement(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    return specs  # the household has no intake and no agreement; the moments stay as they are


def _rhythm_not_kept(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """Gate talks every two weeks were agreed; the last informal talk was in the first days of September.

    The signal measures the rhythm on the grid (any informal oral contact keeps a gate rhythm).
    """
    first_days = ctx.cur.days_between(ctx.cur.span.start, ctx.cur.span.start + dt.timedelta(days=6))
    kept = [s for s in specs if not _informal_oral_reached(ctx, s) or s.day in first_days]
    if first_days and not any(_informal_oral_reached(ctx, s) for s in kept):
        kept.append(_spec(ctx, hh, ctx.cur, "gate_conversation", ctx.rng.choice(first_days),
                          _youngest(hh.children), reach=Reach.TWO_WAY))
    return kept


def _informal_oral_reached(ctx: Ctx, spec: Spec) -> bool:
    quadrant = ctx.forms[spec.form].quadrant
    return quadrant.is_oral and not quadrant.is_formal and spec.reach is not Reach.NOT_REACHED


def _keep_last_year_gate_talks(ctx: Ctx, hh: HouseholdDraft, earlier: list[Spec]) -> list[Spec]:
    """The rhythm was kept last year: the last gate talk is months ago, not never."""
    last_year = [c for c in hh.children if ctx.prev.class_of(hh, c)]
    if last_year and not any(s.form == "gate_conversation" for s in earlier):
        june = ctx.prev.days_between(ctx.prev.at(1, 6, 1), ctx.prev.at(1, 6, 20))
        if june:
            earlier.append(_spec(ctx, hh, ctx.prev, "gate_conversation", ctx.rng.choice(june),
                                 ctx.rng.choice(last_year), reach=Reach.TWO_WAY))
    return earlier


def _only_via_go_between(ctx: Ctx, hh: HouseholdDraft, specs: list[Spec]) -> list[Spec]:
    """This school year every contact went through the brugfiguur, never the team itself."""
    through_bridge = {"report", "official_letter", "parent_meeting", "planned_call", "home_visit",
                      "spontaneous_call", "enrolment_interview"}
    kept = [s for s in specs if s.form in through_bridge and s.group is None]
    kept = _top_up(ctx, hh, kept, "home_visit", 1, lambda s: s.form == "home_visit")
    kept = _top_up(ctx, hh, kept, "planned_call", 2, _is_oral_of(ctx))
    for spec in kept:
        spec.mediator = Mediator.BRIDGE_FIGURE
        if spec.reach is not Reach.ONE_WAY:
            spec.logged_by = ctx.staff["bridge"]
    return kept


def _is_oral_of(ctx: Ctx) -> Callable[[Spec], bool]:
    return lambda spec: _is_oral(ctx, spec)


def _did_not_come(spec: Spec) -> None:
    spec.reach, spec.tone, spec.mediator = Reach.NOT_REACHED, Tone.NEUTRAL, Mediator.NONE
    spec.note = None
    spec.confidential = False


SHAPERS: dict[str, Callable[[Ctx, HouseholdDraft, list[Spec]], list[Spec]]] = {
    "no_personal_contact": _no_personal_contact,
    "only_written": _only_written,
    "only_formal": _only_formal,
    "unanswered_attempts": _unanswered_attempts,
    "only_concerns": _only_concerns,
    "no_agreement": _no_agreement,
    "rhythm_not_kept": _rhythm_not_kept,
    "only_via_go_between": _only_via_go_between,
}


# ---------------------------------------------------------------------------
# A resolved case, writing the moments, follow-ups
# ---------------------------------------------------------------------------


def _resolved_case(ctx: Ctx, drafts: list[HouseholdDraft], specs: list[Spec]) -> Spec | None:
    """A family whose calls went unanswered in the autumn, followed up and reached: a closed follow-up."""
    days = ctx.cur.days_between(ctx.today - dt.timedelta(days=50), ctx.today - dt.timedelta(days=10))
    candidates = [hh for hh in drafts if not hh.reasons and hh.newcomer is None and hh.shape == "two_parents"]
    if len(days) < 6 or not candidates:
        return None
    hh = ctx.rng.choice(candidates)
    child = _youngest(hh.children)
    for day in days[:2]:
        missed = _spec(ctx, hh, ctx.cur, "planned_call", day, child, reach=Reach.NOT_REACHED)
        missed.note = MISSED_NOTES[0]
        specs.append(missed)
    reached = _spec(ctx, hh, ctx.cur, "planned_call", days[-1], child, reach=Reach.TWO_WAY)
    reached.tone, reached.logged_by = Tone.POSITIVE, ctx.staff["care"]
    reached.note = "Fijn gesprek; afspraak voor na de vakantie."
    specs.append(reached)
    return reached


def _insert_moments(ctx: Ctx, specs: list[Spec]) -> None:
    """Bulk insert, oldest first, each with its own submission token."""
    specs = [s for s in specs if ctx.prev.span.start <= s.day <= ctx.today]  # never in the future
    specs.sort(key=lambda s: (s.day, s.hh.key, s.form))
    rows = []
    for n, spec in enumerate(specs, start=1):
        spec.token = f"demo-{n}"
        stamp = _stamp(spec.day, hour=15, minute=n % 60)
        rows.append({
            "household_id": spec.hh.row.id,
            "pupil_id": spec.child.row.id if spec.child and spec.child.row else None,
            "caregiver_id": spec.caregiver.row.id if spec.caregiver and spec.caregiver.row else None,
            "form_id": ctx.forms[spec.form].id,
            "occurred_on": spec.day,
            "initiative": spec.initiative,
            "reach": spec.reach,
            "tone": spec.tone,
            "mediator": spec.mediator,
            "note": spec.note,
            "confidential": spec.confidential,
            "group_id": spec.group.id if spec.group else None,
            "logged_by_id": spec.logged_by.id if spec.logged_by else None,
            "submission_token": spec.token,
            "created_at": stamp,
            "updated_at": stamp,
            "version": 1,
        })
    db.session.execute(insert(ContactMoment), rows)


def _create_follow_ups(ctx: Ctx, reasons: dict[str, list[HouseholdDraft]], done_case: Spec | None) -> None:
    today, care, bridge = ctx.today, ctx.staff["care"], ctx.staff["bridge"]
    plans = (
        ("unanswered_attempts", care, Approach.PHONE, -6, FollowUpStatus.OPEN,
         "Een ander moment voorstellen, ook na schooltijd."),
        ("no_personal_contact", care, Approach.FLEXIBLE_MOMENT, 10, FollowUpStatus.IN_PROGRESS,
         "Kort gesprek aan de poort of op een moment dat de ouders passen."),
        ("only_via_go_between", bridge, Approach.GATE, 14, FollowUpStatus.OPEN,
         "Samen met de klasleerkracht een gesprek aan de poort plannen."),
        ("rhythm_not_kept", care, Approach.GATE, 7, FollowUpStatus.OPEN,
         "De afspraak van een babbel om de twee weken opnieuw opnemen."),
    )
    for code, owner, approach, due_in, status, note in plans:
        hh = reasons[code][0]
        if hh.interpreter and approach is Approach.FLEXIBLE_MOMENT:
            approach = Approach.INTERPRETER
        db.session.add(FollowUp(
            household_id=hh.row.id, signal_code=code, owner_id=owner.id, approach=approach,
            due_on=today + dt.timedelta(days=due_in), status=status, note=note,
            created_by_id=ctx.staff["director"].id, created_at=_stamp(today - dt.timedelta(days=12)),
        ))
    if done_case is not None:
        moment_id = db.session.scalar(select(ContactMoment.id).where(
            ContactMoment.submission_token == done_case.token,
            ContactMoment.household_id == done_case.hh.row.id,
        ))
        db.session.add(FollowUp(
            household_id=done_case.hh.row.id, signal_code="unanswered_attempts", owner_id=care.id,
            approach=Approach.PHONE, due_on=done_case.day, status=FollowUpStatus.DONE,
            note="Bellen op een ander uur.", closed_by_moment_id=moment_id, created_by_id=care.id,
            created_at=_stamp(done_case.day - dt.timedelta(days=20)),
            closed_at=_stamp(done_case.day, hour=16),
        ))


# ---------------------------------------------------------------------------
# Small helpers: calendar, randomness, text
# ---------------------------------------------------------------------------


def _is_school_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    md = (day.month, day.day)
    return not any(start <= md <= end for start, end in HOLIDAYS)


def _school_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if _is_school_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _school_day_on_or_before(day: dt.date) -> dt.date:
    while not _is_school_day(day):
        day -= dt.timedelta(days=1)
    return day


def _next_school_day(year: YearCtx, day: dt.date) -> dt.date | None:
    for _ in range(10):
        if day > year.end:
            return None
        if _is_school_day(day):
            return day
        day += dt.timedelta(days=1)
    return None


def _third_saturday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(5 - first.weekday()) % 7 + 14)


def _random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    days = _school_days(start, end) or [start]
    return rng.choice(days)


def _spread(rng: random.Random, days: Sequence[dt.date], count: int) -> list[dt.date]:
    """`count` days, one in each equal stretch of `days`: contact comes and goes, but without long gaps."""
    if not days or count <= 0:
        return []
    stretch = len(days) / count
    return [days[min(len(days) - 1, int(i * stretch + rng.random() * stretch))] for i in range(count)]


def _chunks(days: Sequence[dt.date], size: int) -> Iterable[Sequence[dt.date]]:
    for i in range(0, len(days), size):
        yield days[i : i + size]


def _stamp(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _pick_some(rng: random.Random, options: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """Up to k different options, drawn by weight (zero weights never)."""
    pool = [(o, w) for o, w in zip(options, weights, strict=True) if w > 0]
    picked: list[T] = []
    while pool and len(picked) < k:
        option = rng.choices([o for o, _ in pool], weights=[w for _, w in pool])[0]
        picked.append(option)
        pool = [(o, w) for o, w in pool if o is not option]
    return picked


def _tri(rng: random.Random, shares: tuple[float, float]) -> bool | None:
    """True, False or None (not known yet) with the given shares of True and False."""
    roll = rng.random()
    return True if roll < shares[0] else False if roll < shares[0] + shares[1] else None


def _poisson_like(rng: random.Random, mean: float) -> int:
    """A count around `mean`: cheap and deterministic enough for a demo."""
    if mean <= 0:
        return 0
    spread = rng.uniform(0.6, 1.4) * mean
    whole = int(spread)
    return whole + (1 if rng.random() < spread - whole else 0)


def _phone(rng: random.Random) -> str:
    return (f"+32 4{rng.choice('789')}{rng.randrange(10)} {rng.randrange(100):02d} "
            f"{rng.randrange(100):02d} {rng.randrange(100):02d}")


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("ı", "i"))
    return "".join(ch for ch in plain.encode("ascii", "ignore").decode().lower() if ch.isalnum() or ch == "-")


def _level_of(class_name: str | None) -> Level:
    return next((p.level for p in CLASSES if p.name == class_name), Level.LAGER)


def _youngest(children: list[ChildDraft]) -> ChildDraft:
    return min(children, key=lambda c: c.grade)
