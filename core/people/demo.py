"""The demo school's people: about 650 students in the demo classes with their parents (some
families with two or three children in the school, so a parent has several children), the staff
of about 50 with their positions, the study groups filled, and a few movements during the year.

Deterministic for a seed and a day: the whole school is planned in memory first (names, classes,
families), then written in bulk, because 2,000 accounts through ``PeopleService.add_person`` one
by one would take most of the 30 seconds the demo may take. The movements go through
``PeopleService`` like a secretary's would, so their enrollments obey the same rules; those dated
after the demo's "today" have not happened yet and are left out.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import STAFF
from core.auth.models import RoleGrant, UserAccount
from core.people.models import Enrollment, Guardianship, PersonalDataConsent, PersonProfile, StaffPosition
from core.people.services import TRANSLIT, PeopleService, full_name, login_stem, search_key
from core.structure.demo import first_account_with_role
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, StudyGroupClass, StudyGroupMember, Subject, SubjectPage
from core.structure.models import TeachingAssignment
from core.structure.organisation import OrganisationService

# ---- names ----------------------------------------------------------------------------------------

# Male forms; the female form follows the surname's ending (see ``female_surname``). Some Tatar and
# Bashkir surnames too: the demo school is in the Urals.
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков",
    "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов",
    "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов",
    "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
    "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Щербаков", "Назаров", "Калинин", "Исаев", "Быков", "Маслов",
    "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров",
    "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров",
    "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов",
    "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Галкин", "Лукьянов", "Скворцов",
    "Юдин", "Белоусов", "Нестеров", "Симонов", "Харитонов", "Князев", "Цветков", "Мальцев", "Логинов", "Горшков", "Савин",
    "Краснов", "Демидов", "Елисеев", "Рыбаков", "Плотников", "Хохлов", "Фадеев", "Молчанов", "Литвинов", "Ершов", "Ушаков",
    "Рябов", "Мухин", "Калашников", "Лобанов", "Корнеев", "Бородин", "Некрасов", "Бобров", "Жданов", "Блинов", "Дроздов",
    "Лавров", "Зуев", "Ларин", "Серов", "Зотов", "Устинов", "Фокин", "Шишкин", "Носов", "Зверев", "Седов", "Панин",
    "Головин", "Шестаков", "Зимин", "Широков", "Суворов", "Лукин", "Шилов", "Березин", "Зубков", "Уткин", "Ткачёв",
    "Покровский", "Никольский", "Вишневский", "Островский", "Высоцкий", "Шевченко", "Бондаренко", "Коваленко", "Черных",
    "Седых", "Долгих", "Хабибуллин", "Галиев", "Шарипов", "Сафин", "Гарипов", "Зарипов", "Валиев", "Ахметов", "Юсупов",
    "Нуриев",
)
BOYS = ("Александр", "Максим", "Артём", "Михаил", "Иван", "Дмитрий", "Даниил", "Кирилл", "Матвей", "Егор", "Никита", "Андрей",
        "Тимофей", "Марк", "Лев", "Роман", "Владислав", "Глеб", "Степан", "Фёдор", "Ярослав", "Арсений", "Алексей", "Сергей",
        "Денис", "Павел", "Григорий", "Мирон", "Захар", "Тимур", "Савелий", "Богдан", "Вадим", "Святослав", "Илья")
GIRLS = ("Анастасия", "Мария", "Дарья", "Анна", "Виктория", "Полина", "Елизавета", "Екатерина", "Ксения", "Алиса", "Варвара",
         "Софья", "Вероника", "Александра", "Арина", "Валерия", "Ульяна", "Милана", "Кира", "Ева", "Василиса", "Алёна",
         "Юлия", "Маргарита", "Таисия", "Диана", "Ангелина", "Злата", "Амина", "Есения", "Мирослава", "Яна", "Олеся")
# A man's first name → the patronymics of his son and of his daughter.
FATHERS = {
    "Александр": ("Александрович", "Александровна"), "Сергей": ("Сергеевич", "Сергеевна"),
    "Дмитрий": ("Дмитриевич", "Дмитриевна"), "Андрей": ("Андреевич", "Андреевна"), "Алексей": ("Алексеевич", "Алексеевна"),
    "Михаил": ("Михайлович", "Михайловна"), "Николай": ("Николаевич", "Николаевна"), "Иван": ("Иванович", "Ивановна"),
    "Евгений": ("Евгеньевич", "Евгеньевна"), "Владимир": ("Владимирович", "Владимировна"), "Павел": ("Павлович", "Павловна"),
    "Олег": ("Олегович", "Олеговна"), "Игорь": ("Игоревич", "Игоревна"), "Роман": ("Романович", "Романовна"),
    "Денис": ("Денисович", "Денисовна"), "Максим": ("Максимович", "Максимовна"), "Артём": ("Артёмович", "Артёмовна"),
    "Виктор": ("Викторович", "Викторовна"), "Юрий": ("Юрьевич", "Юрьевна"), "Вячеслав": ("Вячеславович", "Вячеславовна"),
    "Константин": ("Константинович", "Константиновна"), "Антон": ("Антонович", "Антоновна"),
    "Вадим": ("Вадимович", "Вадимовна"), "Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"),
    "Анатолий": ("Анатольевич", "Анатольевна"), "Василий": ("Васильевич", "Васильевна"),
    "Станислав": ("Станиславович", "Станиславовна"), "Кирилл": ("Кириллович", "Кирилловна"),
    "Руслан": ("Русланович", "Руслановна"), "Тимур": ("Тимурович", "Тимуровна"), "Ринат": ("Ринатович", "Ринатовна"),
    "Эдуард": ("Эдуардович", "Эдуардовна"),
}
MOTHERS = ("Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Екатерина", "Анна", "Мария", "Марина",
           "Анастасия", "Ксения", "Оксана", "Надежда", "Евгения", "Людмила", "Виктория", "Алёна", "Дарья", "Кристина", "Яна",
           "Вера", "Любовь", "Алсу", "Гульнара", "Лилия", "Инна")
GRANDMOTHERS = ("Галина", "Людмила", "Валентина", "Нина", "Тамара", "Любовь", "Надежда", "Лидия", "Зинаида", "Раиса")
MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru")
GUARDIANSHIP_DECISION = "Постановление администрации Серовского городского округа № {number} от {day}"


def female_surname(surname: str) -> str:
    """Иванов → Иванова, Покровский → Покровская; Шевченко, Черных stay as they are."""
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith(("ский", "цкий", "ой")):
        return surname[:-2] + "ая"
    return surname


def male_surname(surname: str) -> str:
    """The husband's and sons' form of a wife's surname (the demo's staff have -ова/-ева/-ина)."""
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына")):
        return surname[:-1]
    if surname.endswith("ская"):
        return surname[:-2] + "ий"
    return surname


# ---- the year's numbers ---------------------------------------------------------------------------

FIRST_GRADE_ORDER = ("45-у", (8, 28))  # the first-graders' admission order (regulation 4.2)
CLASS_LISTS_ORDER = ("112-у", (8, 29))  # the year's class lists: everyone who goes on studying here


@dataclass(frozen=True)
class DemoMovement:
    """A planned arrival, transfer or departure, dated by month and day within the demo's year."""

    kind: str  # admitted, transferred, left
    on: tuple[int, int]  # admitted, transferred: the first day in the class; left: the last day
    class_name: str  # admitted: the class arrived in; the others: the class left
    order_number: str
    order_on: tuple[int, int]
    to_class: str = ""
    note: str = ""


MOVEMENTS = (
    DemoMovement("left", (9, 30), "8Б", "131-у", (9, 30), note="выбыл в МАОУ СОШ № 1 г. Серова"),
    DemoMovement("transferred", (10, 1), "6А", "132-у", (9, 30), to_class="6Б"),
    DemoMovement("admitted", (10, 15), "3А", "140-у", (10, 14)),
    DemoMovement("admitted", (11, 10), "7А", "151-у", (11, 9)),
    DemoMovement("transferred", (11, 16), "9Б", "153-у", (11, 13), to_class="9А"),
    DemoMovement("left", (11, 20), "4В", "156-у", (11, 20), note="переезд в г. Екатеринбург"),
    DemoMovement("transferred", (1, 12), "2Б", "3-у", (1, 9), to_class="2А"),
    DemoMovement("admitted", (1, 19), "9А", "8-у", (1, 16)),
    DemoMovement("left", (2, 27), "10Б", "41-у", (2, 27), note="выбыл в ГАПОУ СО «Серовский политехнический техникум»"),
)

# Staff the structure demo does not make: (full name, role, position).
MORE_STAFF = (
    ("Белова Марина Анатольевна", "deputy", "Заместитель директора по воспитательной работе"),
    ("Лебедева Ксения Олеговна", "teacher", "Педагог-психолог"),
    ("Захарова Галина Петровна", "teacher", "Социальный педагог"),
    ("Ершова Людмила Васильевна", "teacher", "Педагог-библиотекарь"),
    ("Титов Артём Игоревич", "teacher", "Педагог-организатор"),
    ("Комарова Юлия Сергеевна", "teacher", "Учитель-логопед"),
    ("Гусева Валентина Николаевна", "secretary", "Делопроизводитель"),
    ("Кудрявцева Оксана Викторовна", "dispatcher", "Методист"),
)
# The position of a staff member by their highest role; teachers' positions follow their load.
ROLE_TITLES = {
    "director": "Директор", "deputy": "Заместитель директора по УВР", "journal_admin": "Заместитель директора по информатизации",
    "secretary": "Секретарь учебной части", "dispatcher": "Диспетчер образовательного учреждения",
    "engineer": "Инженер-программист", "site_admin": "Педагог дополнительного образования",
}
SUBJECT_TITLES = {
    "Русский язык": "Учитель русского языка и литературы", "Литература": "Учитель русского языка и литературы",
    "Иностранный язык (английский)": "Учитель английского языка", "Математика": "Учитель математики",
    "Алгебра": "Учитель математики", "Геометрия": "Учитель математики", "Вероятность и статистика": "Учитель математики",
    "Информатика": "Учитель информатики", "История": "Учитель истории и обществознания",
    "Обществознание": "Учитель истории и обществознания", "География": "Учитель географии", "Биология": "Учитель биологии",
    "Физика": "Учитель физики", "Химия": "Учитель химии", "Изобразительное искусство": "Учитель изобразительного искусства",
    "Музыка": "Учитель музыки", "Труд (технология)": "Учитель труда (технологии)",
    "Физическая культура": "Учитель физической культуры",
    "Основы безопасности и защиты Родины": "Преподаватель-организатор основ безопасности и защиты Родины",
}
PRIMARY_SUBJECTS = {"Литературное чтение", "Окружающий мир"}  # taught only by a primary class's own teacher


def on_day(start: date, month_day: tuple[int, int]) -> date:
    """A month and day of the school year that starts on ``start`` (September–December: that year)."""
    month, day = month_day
    return date(start.year if month >= 8 else start.year + 1, month, day)


# ---- the plan -------------------------------------------------------------------------------------


@dataclass
class Person:
    """A person to write; ``account_id`` when the account exists already (a demo login, a teacher)."""

    last: str
    first: str
    middle: str
    male: bool
    birth_date: date | None = None
    phone: str = ""
    email: str = ""
    account_id: int | None = None
    has_profile: bool = False

    @property
    def key(self) -> str:
        return search_key(self.last, self.first, self.middle)


@dataclass
class Family:
    surname: str = ""  # the male form; the father's first name gives the children's patronymics
    father: str = ""
    children: list[tuple[Person, ClassGroup]] = field(default_factory=list)
    representatives: list[tuple[Person, str, str]] = field(default_factory=list)  # (person, kind, document)
    arrival: DemoMovement | None = None  # a family that comes in the middle of the year
    keep: bool = False  # the demo login's family and teachers' children: never picked to move


class Names:
    """Russian names in their right gender forms, never the same full name twice among the
    students, and unique phones and e-mails."""

    def __init__(self, rng: random.Random, start: date) -> None:
        self.rng, self.start = rng, start
        self.used: set[str] = set()
        self.phones: set[str] = set()
        self.emails: set[str] = set()

    def surname(self) -> str:
        return self.rng.choice(SURNAMES)

    def child(self, surname: str, father: str, male: bool, grade_level: int) -> Person:
        """A student: seven years old on the first school day of grade 1 (some a year older)."""
        last = surname if male else female_surname(surname)
        middle = FATHERS[father][0 if male else 1]
        for _attempt in range(50):
            first = self.rng.choice(BOYS if male else GIRLS)
            if search_key(last, first, middle) not in self.used:
                break
        self.used.add(search_key(last, first, middle))
        born_from = date(self.start.year - 7 - grade_level, 9, 2) - timedelta(days=365 if self.rng.random() < 0.06 else 0)
        birth = born_from + timedelta(days=self.rng.randrange(364))
        phone = self.phone() if grade_level >= 8 else ""
        return Person(last, first, middle, male, birth_date=birth, phone=phone)

    def adult(self, surname: str, first: str, male: bool, with_email: float = 0.4) -> Person:
        last = surname if male else female_surname(surname)
        middle = FATHERS[self.rng.choice(tuple(FATHERS))][0 if male else 1]
        person = Person(last, first, middle, male, phone=self.phone())
        if self.rng.random() < with_email:
            person.email = self.email(first, last)
        return person

    def phone(self) -> str:
        while True:
            digits = f"{self.rng.randrange(10**9):09d}"
            number = f"+7 9{digits[:2]} {digits[2:5]}-{digits[5:7]}-{digits[7:]}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def email(self, first: str, last: str) -> str:
        stem = f"{latin(first)}.{latin(last)}"
        for suffix in ("", *(str(n) for n in self.rng.sample(range(70, 100), 30))):
            address = f"{stem}{suffix}@{self.rng.choice(MAIL_DOMAINS)}"
            if address not in self.emails:
                self.emails.add(address)
                return address
        return ""


def latin(text: str) -> str:
    return "".join(TRANSLIT.get(char, char) for char in text.casefold())


def class_size(rng: random.Random, grade_level: int) -> int:
    """First grades a little smaller, the senior classes (10–11) after those leaving at 9 too."""
    low, high = (22, 26) if grade_level == 1 else (21, 25) if grade_level >= 10 else (25, 29)
    return rng.randint(low, high)


def plan_families(rng: random.Random, start: date, classes: list[ClassGroup], demo_student: int | None,
                  demo_parent: int | None, staff_mothers: list[tuple[int, str]]) -> list[Family]:
    """Every seat of every class taken by a child of some family: the demo family first, then a
    few teachers' children, 60–75 families with two or three children in the school, then one-child
    families for the rest. Last, the families that arrive during the year."""
    names = Names(rng, start)
    free = {c.id: class_size(rng, c.grade_level) for c in classes}
    by_name = {c.name: c for c in classes}
    families: list[Family] = []

    def seat(class_group: ClassGroup) -> ClassGroup:
        free[class_group.id] -= 1
        return class_group

    if demo_student is not None and {"5А", "2Б"} <= set(by_name):  # Петров Илья, his sister; the demo parent is their mother
        names.used.update({search_key("Петров", "Илья"), search_key("Петрова", "Алиса")})
        ilya = Person("Петров", "Илья", "", True, birth_date=date(start.year - 11, 4, 17), account_id=demo_student)
        alisa = Person("Петрова", "Алиса", "", False, birth_date=date(start.year - 9, 10, 3))
        family = Family(children=[(ilya, seat(by_name["5А"])), (alisa, seat(by_name["2Б"]))], keep=True)
        if demo_parent is not None:
            mother = Person("Петрова", "Анна", "Игоревна", False, phone=names.phone(), email="petrova.anna@mail.ru",
                            account_id=demo_parent)
            family.representatives.append((mother, "mother", ""))
        families.append(family)
    for account_id, surname in staff_mothers:  # a teacher whose child studies here
        father = rng.choice(tuple(FATHERS))
        class_group = rng.choice([c for c in classes if free[c.id] > 0])
        child = names.child(male_surname(surname), father, rng.random() < 0.5, class_group.grade_level)
        mother = Person(surname, "", "", False, account_id=account_id, has_profile=True)
        father_person = names.adult(male_surname(surname), father, True)
        families.append(Family(children=[(child, seat(class_group))], keep=True,
                               representatives=[(mother, "mother", ""), (father_person, "father", "")]))
    levels = sorted({c.grade_level for c in classes})
    for _family in range(rng.randint(62, 72)):
        wanted = 3 if rng.random() < 0.15 else 2
        open_levels = [level for level in levels if any(free[c.id] > 0 for c in classes if c.grade_level == level)]
        family = _new_family(names, rng)
        for level in sorted(rng.sample(open_levels, wanted)):
            class_group = rng.choice([c for c in classes if c.grade_level == level and free[c.id] > 0])
            family.children.append((_child_of(names, family, rng.random() < 0.5, level), seat(class_group)))
        families.append(family)
    for class_group in classes:
        while free[class_group.id] > 0:
            family = _new_family(names, rng)
            family.children.append((_child_of(names, family, rng.random() < 0.5, class_group.grade_level), seat(class_group)))
            families.append(family)
    for movement in MOVEMENTS:
        if movement.kind == "admitted" and movement.class_name in by_name:
            family = _new_family(names, rng)
            class_group = by_name[movement.class_name]
            family.children.append((_child_of(names, family, rng.random() < 0.5, class_group.grade_level), class_group))
            family.arrival = movement
            families.append(family)
    return families


def _new_family(names: Names, rng: random.Random) -> Family:
    """Mother and father (60 %), mother only (30 %), father only (5 %), mother and a grandmother
    (3 %), a guardian appointed by the guardianship body (2 %)."""
    family = Family(surname=names.surname(), father=rng.choice(tuple(FATHERS)))
    draw = rng.random()
    if draw < 0.90 or 0.95 <= draw < 0.98:
        family.representatives.append((names.adult(family.surname, rng.choice(MOTHERS), False, 0.5), "mother", ""))
    if draw < 0.60 or 0.90 <= draw < 0.95:
        family.representatives.append((names.adult(family.surname, family.father, True, 0.25), "father", ""))
    if 0.95 <= draw < 0.98:
        family.representatives.append((names.adult(family.surname, rng.choice(GRANDMOTHERS), False, 0.0), "other", ""))
    if draw >= 0.98:
        decided = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{names.start.year - rng.randint(1, 6)}"
        decision = GUARDIANSHIP_DECISION.format(number=rng.randint(300, 1999), day=decided)
        guardian = names.adult(names.surname(), rng.choice(GRANDMOTHERS), False, 0.0)
        family.representatives.append((guardian, "guardian", decision))
    return family


def _child_of(names: Names, family: Family, male: bool, grade_level: int) -> Person:
    return names.child(family.surname, family.father, male, grade_level)


# ---- writing --------------------------------------------------------------------------------------


async def seed_people(session: AsyncSession, school_id: int, year: AcademicYear, *, rng: random.Random | None = None,
                      today: date | None = None) -> None:
    """The staff's profiles and positions, the students with their families, enrollments and
    groups, then the year's movements up to ``today``."""
    rng = rng or random.Random(2026)
    today = today or date.today()
    classes = list((await session.scalars(select(ClassGroup).where(ClassGroup.academic_year_id == year.id)
                                          .order_by(ClassGroup.grade_level, ClassGroup.letter))).all())
    if not classes:
        return
    demo_student = await first_account_with_role(session, school_id, "student")
    demo_parent = await first_account_with_role(session, school_id, "parent")
    teacher_mothers = await seed_staff(session, school_id, year, rng)
    families = plan_families(rng, year.starts_on, classes, demo_student, demo_parent,
                             rng.sample(teacher_mothers, min(2, len(teacher_mothers))))
    families = [family for family in families
                if family.arrival is None or on_day(year.starts_on, family.arrival.on) <= today]
    await write_families(session, school_id, year.starts_on, families)
    groups = await Groups.load(session, year)
    session.add_all(groups.fill([(child, class_group) for family in families if family.arrival is None
                                 for child, class_group in family.children], year.starts_on, rng))
    await session.flush()
    await seed_movements(session, school_id, year, rng, today, families, classes, groups)
    await seed_consents(session, school_id, rng, today)


async def seed_consents(session: AsyncSession, school_id: int, rng: random.Random, today: date) -> None:
    """The written consents given at admission (regulation 1.12): nearly everyone's, a fifth without
    the e-mail copies and the calendar feed; a few families have not brought theirs yet."""
    first_day: dict[int, date] = {}
    for student_id, starts_on in await session.execute(select(Enrollment.student_id, Enrollment.starts_on)
                                                       .where(Enrollment.school_id == school_id)):
        first_day[student_id] = min(starts_on, first_day.get(student_id, starts_on))
    signer: dict[int, int] = {}
    for student_id, guardian_id in await session.execute(select(Guardianship.student_id, Guardianship.guardian_id)
                                                         .where(Guardianship.student_id.in_(first_day))
                                                         .order_by(Guardianship.student_id, Guardianship.id)):
        signer.setdefault(student_id, guardian_id)
        first_day.setdefault(guardian_id, first_day[student_id])
    for number, (person_id, day) in enumerate(sorted(first_day.items()), start=1):
        if rng.random() < 0.03 or day > today:
            continue  # not brought yet
        scopes = ["journal", "contacts", "email", "calendar"] if rng.random() < 0.8 else ["journal", "contacts"]
        consent = PersonalDataConsent(school_id=school_id, person_id=person_id, signed_by=signer.get(person_id), given_on=day,
                                      document=f"заявление от {day:%d.%m.%Y}, личное дело № {number}", scopes=",".join(scopes))
        session.add(consent)
    await session.flush()


async def seed_staff(session: AsyncSession, school_id: int, year: AcademicYear, rng: random.Random) -> list[tuple[int, str]]:
    """A profile and a position for everyone holding a staff role (the demo logins and the
    teachers of the structure demo), and the staff the structure does not need: a second deputy,
    the psychologist, the librarian ... Returns (account, surname) of women who only teach: some
    of them are mothers of students too."""
    roles: dict[int, set[str]] = {}
    for user_id, role in (await session.execute(select(RoleGrant.user_id, RoleGrant.role).where(
            RoleGrant.school_id == school_id, RoleGrant.role.in_(STAFF)))).all():
        roles.setdefault(user_id, set()).add(role)
    accounts = (await session.execute(select(UserAccount.id, UserAccount.login, UserAccount.full_name)
                                      .where(UserAccount.id.in_(roles)).order_by(UserAccount.id))).all()
    profiled = set((await session.scalars(select(PersonProfile.user_id).where(PersonProfile.user_id.in_(roles)))).all())
    titles = await teacher_titles(session, school_id, year)
    for account in accounts:
        parts = account.full_name.split()
        if account.id not in profiled and len(parts) >= 2:
            session.add(PersonProfile(user_id=account.id, last_name=parts[0], first_name=parts[1],
                                      middle_name=" ".join(parts[2:]), search_key=search_key(*parts)))
        title = next((ROLE_TITLES[role] for role in ROLE_TITLES if role in roles[account.id]), titles.get(account.id, "Учитель"))
        session.add(StaffPosition(school_id=school_id, user_id=account.id, title=title, starts_on=hired(rng, year.starts_on)))
    people = PeopleService(session, school_id)
    for name, role, title in MORE_STAFF:
        last, first, middle = name.split()
        account = await people.add_person(last_name=last, first_name=first, middle_name=middle)
        session.add(RoleGrant(user_id=account.id, school_id=school_id, role=role))
        session.add(StaffPosition(school_id=school_id, user_id=account.id, title=title, starts_on=hired(rng, year.starts_on)))
    await session.flush()
    return [(account.id, account.full_name.split()[0]) for account in accounts
            if roles[account.id] <= {"teacher", "class_teacher"} and account.login.startswith("staff")
            and account.full_name.split()[0].endswith("а")]


async def teacher_titles(session: AsyncSession, school_id: int, year: AcademicYear) -> dict[int, str]:
    """«Учитель математики» for whoever teaches mostly mathematics; a primary class's own
    teacher is «Учитель начальных классов»."""
    hours: dict[int, Counter[str]] = {}
    for teacher_id, subject, half_hours in (await session.execute(
            select(TeachingAssignment.teacher_id, Subject.name, func.sum(TeachingAssignment.half_hours))
            .join(SubjectPage, SubjectPage.id == TeachingAssignment.subject_page_id)
            .join(Subject, Subject.id == SubjectPage.subject_id)
            .where(TeachingAssignment.school_id == school_id, SubjectPage.academic_year_id == year.id)
            .group_by(TeachingAssignment.teacher_id, Subject.name))).all():
        hours.setdefault(teacher_id, Counter())[subject] += int(half_hours)
    titles = {}
    for teacher_id, subjects in hours.items():
        if PRIMARY_SUBJECTS & set(subjects):
            titles[teacher_id] = "Учитель начальных классов"
        else:
            main = max(sorted(subjects), key=lambda subject: subjects[subject])
            titles[teacher_id] = SUBJECT_TITLES.get(main, "Учитель")
    return titles


def hired(rng: random.Random, start: date) -> date:
    return date(start.year - rng.randrange(30), 8, rng.randint(15, 31))


async def write_families(session: AsyncSession, school_id: int, start: date, families: list[Family]) -> None:
    """Accounts (without passwords: credentials are issued later), profiles, the student and
    parent roles, the family links and the first day's enrollments, in a few bulk statements."""
    students = [child for family in families for child, _class in family.children]
    adults = list({id(person): person for family in families for person, _kind, _doc in family.representatives}.values())
    taken = set((await session.scalars(select(UserAccount.login))).all())
    new = [person for person in students + adults if person.account_id is None]
    accounts = [UserAccount(login=free_login(taken, login_stem(p.last, p.first, p.middle)),
                            full_name=full_name(p.last, p.first, p.middle), password_hash=None) for p in new]
    session.add_all(accounts)
    await session.flush()
    for person, account in zip(new, accounts):
        person.account_id = account.id
    session.add_all(PersonProfile(user_id=p.account_id, last_name=p.last, first_name=p.first, middle_name=p.middle,
                                  birth_date=p.birth_date, phone=p.phone, email=p.email, search_key=p.key)
                    for p in students + adults if not p.has_profile)
    granted = {(row.user_id, row.role) for row in (await session.execute(select(RoleGrant.user_id, RoleGrant.role).where(
        RoleGrant.school_id == school_id, RoleGrant.role.in_(("student", "parent"))))).all()}
    wanted = dict.fromkeys([(p.account_id, "student") for p in students] + [(p.account_id, "parent") for p in adults])
    session.add_all(RoleGrant(user_id=user_id, school_id=school_id, role=role)
                    for user_id, role in wanted if (user_id, role) not in granted)
    for family in families:
        for child, class_group in family.children:
            for person, kind, document in family.representatives:
                session.add(Guardianship(student_id=child.account_id, guardian_id=person.account_id, kind=kind, document=document,
                                         starts_on=decision_day(document)))
            if family.arrival is None:
                number, order_on = FIRST_GRADE_ORDER if class_group.grade_level == 1 else CLASS_LISTS_ORDER
                session.add(Enrollment(school_id=school_id, student_id=child.account_id, class_group_id=class_group.id,
                                       starts_on=start, start_kind="admitted" if class_group.grade_level == 1 else "continued",
                                       start_order_number=number, start_order_date=on_day(start, order_on)))
    await session.flush()


def free_login(taken: set[str], stem: str) -> str:
    """The login ``PeopleService.add_person`` would give, from logins known in memory."""
    login = stem if stem not in taken else next(f"{stem}{n}" for n in count(2) if f"{stem}{n}" not in taken)
    taken.add(login)
    return login


def decision_day(document: str) -> date | None:
    """A guardian represents the child from the day of the decision that appointed them."""
    if not document:
        return None
    day, month, year = (int(part) for part in document.rsplit(" ", 1)[-1].split("."))
    return date(year, month, day)


@dataclass
class Groups:
    """The year's study groups as splits: the groups of one subject drawn from the same classes
    share those classes' students (English гр. 1 and гр. 2 of 5А; the two algebra groups of the
    10th grade)."""

    splits: list[tuple[tuple[int, ...], list[int]]]  # (class ids, group ids by name)
    members: dict[int, set[int]]  # group → students in it now

    @classmethod
    async def load(cls, session: AsyncSession, year: AcademicYear) -> Groups:
        classes_of: dict[int, list[int]] = {}
        subject_of: dict[int, int | None] = {}
        for group_id, subject_id, class_id in (await session.execute(
                select(StudyGroup.id, StudyGroup.subject_id, StudyGroupClass.class_group_id)
                .join(StudyGroupClass, StudyGroupClass.study_group_id == StudyGroup.id)
                .where(StudyGroup.academic_year_id == year.id).order_by(StudyGroup.name, StudyGroupClass.class_group_id))).all():
            classes_of.setdefault(group_id, []).append(class_id)
            subject_of[group_id] = subject_id
        splits: dict[tuple[int | None, tuple[int, ...]], list[int]] = {}
        for group_id, class_ids in classes_of.items():
            splits.setdefault((subject_of[group_id], tuple(sorted(class_ids))), []).append(group_id)
        members: dict[int, set[int]] = {group_id: set() for group_id in classes_of}
        for group_id, student_id in (await session.execute(select(StudyGroupMember.study_group_id, StudyGroupMember.student_id)
                                                           .where(StudyGroupMember.study_group_id.in_(classes_of)))).all():
            members[group_id].add(student_id)
        return cls([(class_ids, group_ids) for (_subject, class_ids), group_ids in splits.items()], members)

    def fill(self, placed: list[tuple[Person, ClassGroup]], start: date, rng: random.Random) -> list[StudyGroupMember]:
        """Each split's students shared evenly from the first day: a class's own groups by the
        alphabetical list, as schools do; groups across classes at random. A student already in a
        group (the demo student) stays there."""
        by_class: dict[int, list[Person]] = {}
        for person, class_group in placed:
            by_class.setdefault(class_group.id, []).append(person)
        rows = []
        for class_ids, group_ids in self.splits:
            students = sorted((p for class_id in class_ids for p in by_class.get(class_id, [])),
                              key=lambda p: (p.key, p.account_id))
            if len(class_ids) > 1:
                rng.shuffle(students)
            whole, extra = divmod(len(students), len(group_ids))
            targets = [whole + (index < extra) for index in range(len(group_ids))]
            sizes = {group_id: len(self.members[group_id]) for group_id in group_ids}
            for person in students:
                if any(person.account_id in self.members[group_id] for group_id in group_ids):
                    continue
                group_id = next((g for g, target in zip(group_ids, targets) if sizes[g] < target),
                                min(group_ids, key=sizes.__getitem__))
                sizes[group_id] += 1
                self.members[group_id].add(person.account_id)  # type: ignore[arg-type]
                rows.append(StudyGroupMember(study_group_id=group_id, student_id=person.account_id, starts_on=start,
                                             ends_on=None))
        return rows

    def of_class(self, class_id: int) -> list[list[int]]:
        return [group_ids for class_ids, group_ids in self.splits if class_id in class_ids]


async def seed_movements(session: AsyncSession, school_id: int, year: AcademicYear, rng: random.Random, today: date,
                         families: list[Family], classes: list[ClassGroup], groups: Groups) -> None:
    """The year's arrivals, transfers and departures up to ``today``, through ``PeopleService``;
    a moved student's study groups follow the class."""
    people, organisation = PeopleService(session, school_id), OrganisationService(session, school_id)
    by_name = {class_group.name: class_group for class_group in classes}
    arriving = {family.arrival: family.children[0][0] for family in families if family.arrival is not None}
    settled = [(child, class_group) for family in families if family.arrival is None and not family.keep
               for child, class_group in family.children]
    moved: set[int | None] = set()
    for movement in sorted(MOVEMENTS, key=lambda m: on_day(year.starts_on, m.on)):
        day, order_date = on_day(year.starts_on, movement.on), on_day(year.starts_on, movement.order_on)
        if day > today or not {movement.class_name, movement.to_class or movement.class_name} <= set(by_name):
            continue
        if movement.kind == "admitted":
            student_id = arriving[movement].account_id
            assert student_id is not None
            await people.enroll(student_id, by_name[movement.class_name], starts_on=day, order_number=movement.order_number,
                                order_date=order_date, kind="admitted")
            await _join_groups(organisation, groups, student_id, by_name[movement.class_name], day)
            continue
        candidates = [p.account_id for p, class_group in settled if class_group.name == movement.class_name
                      and p.account_id not in moved]
        if not candidates:
            continue
        student_id = rng.choice(candidates)
        assert student_id is not None
        moved.add(student_id)
        if movement.kind == "transferred":
            target = by_name[movement.to_class]
            await people.transfer(student_id, target, on_day=day, order_number=movement.order_number, order_date=order_date)
            staying = {group_id for split in groups.of_class(target.id) for group_id in split}
            await _leave_groups(session, organisation, groups, student_id, day - timedelta(days=1), staying)
            await _join_groups(organisation, groups, student_id, target, day)
        else:
            await people.leave(student_id, last_day=day, order_number=movement.order_number, order_date=order_date,
                               note=movement.note)
            await _leave_groups(session, organisation, groups, student_id, day, set())


async def _join_groups(organisation: OrganisationService, groups: Groups, student_id: int, class_group: ClassGroup,
                       day: date) -> None:
    """Into the smaller group of each split of the class, unless already in one of them."""
    for split in groups.of_class(class_group.id):
        if any(student_id in groups.members[group_id] for group_id in split):
            continue
        group_id = min(split, key=lambda g: (len(groups.members[g]), split.index(g)))
        group = await organisation.session.get(StudyGroup, group_id)
        assert group is not None
        await organisation.add_member(group, student_id=student_id, starts_on=day, ends_on=None)
        groups.members[group_id].add(student_id)


async def _leave_groups(session: AsyncSession, organisation: OrganisationService, groups: Groups, student_id: int,
                        last_day: date, staying: set[int]) -> None:
    """End the student's memberships on ``last_day``, except in the groups of ``staying``."""
    for member in (await session.scalars(select(StudyGroupMember).where(
            StudyGroupMember.student_id == student_id, StudyGroupMember.ends_on.is_(None),
            StudyGroupMember.study_group_id.in_(groups.members)))).all():
        if member.study_group_id not in staying:
            await organisation.end_member(member, last_day)
            groups.members[member.study_group_id].discard(student_id)
