"""The demo school's structure for the current school year: the calendar with Russian holidays,
24 classes in 11 grade levels, study groups, a ФОП-like curriculum, the teaching staff, subject
pages and their load. Deterministic for a seed and a date; written through the services, so the
demo obeys every rule a real school does."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant, UserAccount
from core.structure.calendar import BellInput, CalendarService
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import AcademicYear, ClassGroup, StudyGroup, Subject, SubjectPage
from core.structure.organisation import OrganisationService

CLASS_LETTERS = {1: "АБВ", 2: "АБВ", 3: "АБ", 4: "АБВ", 5: "АБВ", 6: "АБ", 7: "АБ", 8: "АБ", 9: "АБ", 10: "АБ", 11: "А"}
SECOND_SHIFT = {"2В", "3Б", "4В", "6Б"}

# Hours a week by grade level (ФОП-like). A tuple is (hours, pattern); every other week: the average.
CURRICULUM: dict[str, dict[int, Any]] = {
    "Русский язык": {1: 5, 2: 5, 3: 5, 4: 5, 5: 5, 6: 6, 7: 4, 8: 3, 9: 3, 10: 2, 11: 2},
    "Литературное чтение": {1: 4, 2: 4, 3: 4, 4: 3},
    "Литература": {5: 3, 6: 3, 7: 2, 8: 2, 9: 3, 10: 3, 11: 3},
    "Иностранный язык (английский)": {level: 2 if level < 5 else 3 for level in range(2, 12)},
    "Математика": {1: 4, 2: 4, 3: 4, 4: 4, 5: 5, 6: 5},
    "Алгебра": {7: 3, 8: 3, 9: 3, 10: 4, 11: 4},
    "Геометрия": {7: 2, 8: 2, 9: 2, 10: 3, 11: 3},
    "Вероятность и статистика": {7: 1, 8: 1, 9: 1, 10: 1, 11: 1},
    "Информатика": {7: 1, 8: 1, 9: 1, 10: 1, 11: 1},
    "Окружающий мир": {1: 2, 2: 2, 3: 2, 4: 2},
    "История": {5: 2, 6: 2, 7: 2, 8: 2, 9: 2, 10: 2, 11: 2},
    "Обществознание": {6: 1, 7: 1, 8: 1, 9: 1, 10: 2, 11: 2},
    "География": {5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 1, 11: 1},
    "Биология": {5: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 1, 11: 1},
    "Физика": {7: 2, 8: 2, 9: 3, 10: 2, 11: 2},
    "Химия": {8: 2, 9: 2, 10: 1, 11: 1},
    "Основы религиозных культур и светской этики": {4: 1},
    "Основы духовно-нравственной культуры народов России": {5: (0.5, "alternate_weeks"), 6: (0.5, "alternate_weeks")},
    "Изобразительное искусство": {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1},
    "Музыка": {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1},
    "Труд (технология)": {1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 7: 2, 8: 1, 9: 1},
    "Физическая культура": {level: 2 for level in range(1, 12)},
    "Основы безопасности и защиты Родины": {8: 1, 9: 1, 10: 1, 11: 1},
    "Индивидуальный проект": {10: (2, "first_half")},
}
# Who teaches what in grades 5–11 (grades 1–4: their primary teacher, except the subjects here).
SPECIALISTS = {
    "Русский язык": 4, "Иностранный язык (английский)": 5, "Алгебра": 4, "Информатика": 1, "История": 2, "География": 1,
    "Биология": 1, "Физика": 2, "Химия": 1, "Изобразительное искусство": 1, "Музыка": 1, "Труд (технология)": 2,
    "Физическая культура": 3, "Основы безопасности и защиты Родины": 1,
}
# Subjects a specialist of the key subject also teaches.
SAME_TEACHER = {
    "Литература": "Русский язык", "Индивидуальный проект": "Русский язык", "Математика": "Алгебра", "Геометрия": "Алгебра",
    "Вероятность и статистика": "Алгебра", "Обществознание": "История",
    "Основы духовно-нравственной культуры народов России": "История",
}
PRIMARY_BY_SPECIALIST = {"Иностранный язык (английский)", "Музыка", "Физическая культура"}

SURNAMES = ("Иванова", "Смирнова", "Кузнецова", "Попова", "Лебедева", "Козлова", "Новикова", "Морозова", "Павлова",
            "Волкова", "Соловьёва", "Зайцева", "Виноградова", "Богданова", "Воробьёва", "Фролова", "Михайлова",
            "Беляева", "Тарасова", "Белова", "Комарова", "Орлова", "Киселёва", "Макарова", "Андреева", "Ковалёва",
            "Ильина", "Гусева", "Титова", "Кузьмина", "Кудрявцева", "Баранова", "Куликова", "Алексеева", "Степанова",
            "Яковлева", "Сорокина", "Сергеева", "Романова", "Захарова")
MALE_SURNAMES = ("Антонов", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов", "Поляков", "Цветков")
FIRST_NAMES = ("Анна", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Марина", "Юлия", "Екатерина",
               "Людмила", "Галина", "Надежда", "Оксана", "Вера")
MALE_FIRST_NAMES = ("Сергей", "Алексей", "Дмитрий", "Михаил", "Николай", "Владимир")
PATRONYMICS = ("Александровна", "Сергеевна", "Викторовна", "Николаевна", "Петровна", "Ивановна", "Владимировна",
               "Андреевна", "Михайловна", "Юрьевна")
MALE_PATRONYMICS = ("Александрович", "Сергеевич", "Викторович", "Николаевич", "Петрович", "Иванович")


def demo_year_start(today: date) -> date:
    """The current school year starts on 1 September (this year's from August on)."""
    return date(today.year if today.month >= 8 else today.year - 1, 9, 1)


def working_day(day: date) -> date:
    """A holiday on a weekend moves to the next Monday (Трудовой кодекс, ст. 112)."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


async def seed_structure(session: AsyncSession, school_id: int, rng: random.Random, today: date, password_hash: str) -> AcademicYear:
    start = demo_year_start(today)
    year_number = start.year
    calendar = CalendarService(session, school_id)
    year = await calendar.create_year(start, date(year_number + 1, 5, 31))
    for level in (10, 11):
        await calendar.update_level(year, level, period_kind="half_year", days_per_week=6, study_weeks=34, weekly_limit=None)
    await _periods_and_days(calendar, year, year_number)
    await _bells(calendar, year, year_number)

    organisation = OrganisationService(session, school_id)
    await organisation.add_default_subjects()
    subjects = {subject.name: subject for subject in await organisation.subjects()}
    classes: list[ClassGroup] = []
    for level, letters in CLASS_LETTERS.items():
        for letter in letters:
            shift = 2 if f"{level}{letter}" in SECOND_SHIFT else 1
            classes.append(await organisation.add_class(year, grade_level=level, letter=letter, shift=shift))
    groups = await _groups(organisation, year, classes, subjects)

    curriculum = CurriculumService(session, school_id)
    for name, levels in CURRICULUM.items():
        for level, hours in levels.items():
            hours, pattern = hours if isinstance(hours, tuple) else (hours, "weekly")
            await curriculum.set_hours(year, grade_level=level, subject_id=subjects[name].id, half_hours=int(2 * hours), pattern=pattern)

    pages = PageService(session, school_id)
    await pages.generate(year)
    teachers = await _teachers(session, school_id, rng, classes, password_hash)
    await _class_teachers(session, organisation, year, classes, teachers, rng)
    await _load(pages, year, classes, groups, teachers, start)
    await _ungraded(pages, year, subjects)
    demo_student = await first_account_with_role(session, school_id, "student")
    if demo_student is not None:
        english_5a = next(group for group in groups if group.name == "5А, английский язык, гр. 1")
        await organisation.add_member(english_5a, student_id=demo_student, starts_on=start, ends_on=None)
    return year


async def _periods_and_days(calendar: CalendarService, year: AcademicYear, y: int) -> None:
    """A calendar of the kind the Ministry recommends: holidays moved off weekends, the extra
    February week for first grade, and as many lesson days as 34 weeks (33 in first grade) need."""
    quarters = [(date(y, 9, 1), date(y, 10, 24)), (date(y, 11, 5), date(y, 12, 29)),
                (date(y + 1, 1, 11), date(y + 1, 3, 21)), (date(y + 1, 3, 31), date(y + 1, 5, 31))]
    for number, (starts, ends) in enumerate(quarters, start=1):
        await calendar.add_period(year, "quarter", number, starts, ends)
    await calendar.add_period(year, "half_year", 1, date(y, 9, 1), date(y, 12, 29))
    await calendar.add_period(year, "half_year", 2, date(y + 1, 1, 11), date(y + 1, 5, 31))
    vacations = [("Осенние каникулы", date(y, 10, 25), date(y, 11, 4)), ("Зимние каникулы", date(y, 12, 30), date(y + 1, 1, 10)),
                 ("Весенние каникулы", date(y + 1, 3, 22), date(y + 1, 3, 30))]
    for name, starts, ends in vacations:
        await calendar.add_days(year, kind="vacation", name=name, starts_on=starts, ends_on=ends)
    february = date(y + 1, 2, 15) - timedelta(days=date(y + 1, 2, 15).weekday())
    await calendar.add_days(year, kind="vacation", name="Дополнительные каникулы для первоклассников", starts_on=february,
                            ends_on=february + timedelta(days=6), grade_from=1, grade_to=1)
    holidays = [("День защитника Отечества", date(y + 1, 2, 23)), ("Международный женский день", date(y + 1, 3, 8)),
                ("Праздник Весны и Труда", date(y + 1, 5, 1)), ("День Победы", date(y + 1, 5, 9))]
    for name, day in holidays:
        await calendar.add_days(year, kind="holiday", name=name, starts_on=working_day(day), ends_on=None)
        eve = day - timedelta(days=1)
        if eve.weekday() < 5:
            await calendar.add_days(year, kind="shortened", name=f"Предпраздничный день ({name})", starts_on=eve, ends_on=None)


def _times(first: time, count: int, minutes: int, breaks: list[int]) -> list[BellInput]:
    bells, clock = [], first.hour * 60 + first.minute
    for number in range(count):
        bells.append(BellInput(time(clock // 60, clock % 60), time((clock + minutes) // 60, (clock + minutes) % 60)))
        clock += minutes + breaks[number % len(breaks)]
    return bells


async def _bells(calendar: CalendarService, year: AcademicYear, y: int) -> None:
    await calendar.add_bell_schedule(year, name="1 смена", shift=1, kind="regular", grade_level=None, valid_from=None, valid_to=None,
                                     bells=_times(time(8, 0), 7, 40, [10, 20, 20, 10, 10, 10]))
    await calendar.add_bell_schedule(year, name="2 смена", shift=2, kind="regular", grade_level=None, valid_from=None, valid_to=None,
                                     bells=_times(time(13, 10), 6, 40, [10, 20, 10, 10, 10]))
    await calendar.add_bell_schedule(year, name="Сокращённый день, 1 смена", shift=1, kind="shortened", grade_level=None,
                                     valid_from=None, valid_to=None, bells=_times(time(8, 0), 7, 30, [10]))
    await calendar.add_bell_schedule(year, name="1 класс: сентябрь – октябрь", shift=1, kind="stepped", grade_level=1,
                                     valid_from=date(y, 9, 1), valid_to=date(y, 10, 31),
                                     bells=_times(time(8, 0), 3, 35, [10, 40]))
    await calendar.add_bell_schedule(year, name="1 класс: ноябрь – декабрь", shift=1, kind="stepped", grade_level=1,
                                     valid_from=date(y, 11, 1), valid_to=date(y, 12, 31),
                                     bells=_times(time(8, 0), 4, 35, [10, 40, 10]))
    await calendar.add_bell_schedule(year, name="1 класс: январь – май", shift=1, kind="stepped", grade_level=1,
                                     valid_from=date(y + 1, 1, 1), valid_to=date(y + 1, 5, 31),
                                     bells=_times(time(8, 0), 5, 40, [10, 40, 10, 10]))


async def _groups(organisation: OrganisationService, year: AcademicYear, classes: list[ClassGroup],
                  subjects: dict[str, Subject]) -> list[StudyGroup]:
    """English in two groups from grade 2; technology in two groups in 5–7; two algebra groups
    (profile and base) across 10А and 10Б."""
    groups = []
    for class_group in classes:
        splits = []
        if class_group.grade_level >= 2:
            splits.append(("Иностранный язык (английский)", "английский язык"))
        if 5 <= class_group.grade_level <= 7:
            splits.append(("Труд (технология)", "труд (технология)"))
        for subject, label in splits:
            for number in (1, 2):
                groups.append(await organisation.add_group(year, name=f"{class_group.name}, {label}, гр. {number}",
                                                           class_ids=[class_group.id], subject_id=subjects[subject].id))
    tenth = [class_group.id for class_group in classes if class_group.grade_level == 10]
    for kind in ("профильная", "базовая"):
        groups.append(await organisation.add_group(year, name=f"10 классы, алгебра ({kind})", class_ids=tenth,
                                                   subject_id=subjects["Алгебра"].id))
    return groups


def _full_name(rng: random.Random, used: set[str], male: bool = False) -> str:
    while True:
        name = " ".join((rng.choice(MALE_SURNAMES if male else SURNAMES), rng.choice(MALE_FIRST_NAMES if male else FIRST_NAMES),
                         rng.choice(MALE_PATRONYMICS if male else PATRONYMICS)))
        if name not in used:
            used.add(name)
            return name


async def first_account_with_role(session: AsyncSession, school_id: int, role: str) -> int | None:
    """The demo login of a role (the earliest account holding it in the school)."""
    return await session.scalar(select(RoleGrant.user_id).where(RoleGrant.school_id == school_id, RoleGrant.role == role)
                                .order_by(RoleGrant.user_id).limit(1))


async def _teachers(session: AsyncSession, school_id: int, rng: random.Random, classes: list[ClassGroup],
                    password_hash: str) -> dict[str, list[int]]:
    """Teacher accounts by speciality: «primary» (one per class of grades 1–4) and the key subjects
    of SPECIALISTS. The demo «teacher» teaches algebra; the demo «class-teacher» Russian."""
    used: set[str] = set()
    teachers: dict[str, list[int]] = {}
    demo_teacher = await first_account_with_role(session, school_id, "teacher")
    demo_class_teacher = await first_account_with_role(session, school_id, "class_teacher")
    wanted = [("primary", sum(1 for c in classes if c.grade_level <= 4)), *SPECIALISTS.items()]
    number = 0
    for speciality, count in wanted:
        for index in range(count):
            existing = {("Алгебра", 0): demo_teacher, ("Русский язык", 0): demo_class_teacher}.get((speciality, index))
            if existing is None:
                number += 1
                male = speciality in ("Физическая культура", "Основы безопасности и защиты Родины", "Информатика") and index == 0
                account = UserAccount(login=f"staff{number:02d}", full_name=_full_name(rng, used, male), password_hash=password_hash)
                session.add(account)
                await session.flush()
                session.add(RoleGrant(user_id=account.id, school_id=school_id, role="teacher"))
                existing = account.id
            teachers.setdefault(speciality, []).append(existing)
    await session.flush()
    return teachers


async def _class_teachers(session: AsyncSession, organisation: OrganisationService, year: AcademicYear, classes: list[ClassGroup],
                          teachers: dict[str, list[int]], rng: random.Random) -> None:
    """Primary classes: their primary teacher. Others: subject teachers in turn; the demo
    class teacher leads 5А; 7Б changed its class teacher on 1 November."""
    primary = iter(teachers["primary"])
    seniors = [t for speciality, ids in teachers.items() if speciality != "primary" for t in ids]
    demo_class_teacher = teachers["Русский язык"][0]
    seniors.remove(demo_class_teacher)
    rng.shuffle(seniors)
    for class_group in classes:
        if class_group.grade_level <= 4:
            leader = next(primary)
        elif class_group.name == "5А":
            leader = demo_class_teacher
        else:
            leader = seniors.pop()
        if class_group.name == "7Б":
            first = seniors.pop()
            await organisation.appoint_class_teacher(class_group, teacher_id=first, starts_on=year.starts_on,
                                                     ends_on=date(year.starts_on.year, 10, 31))
            await organisation.appoint_class_teacher(class_group, teacher_id=leader, starts_on=date(year.starts_on.year, 11, 1),
                                                     ends_on=None)
        else:
            await organisation.appoint_class_teacher(class_group, teacher_id=leader, starts_on=year.starts_on, ends_on=None)
        if not await session.scalar(_has_role(leader, organisation.school_id, "class_teacher")):
            session.add(RoleGrant(user_id=leader, school_id=organisation.school_id, role="class_teacher"))
            await session.flush()


def _has_role(user_id: int, school_id: int, role: str):  # type: ignore[no-untyped-def]
    return select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.school_id == school_id, RoleGrant.role == role)


async def _load(pages: PageService, year: AcademicYear, classes: list[ClassGroup], groups: list[StudyGroup],
                teachers: dict[str, list[int]], start: date) -> None:
    """Every page gets a teacher with the curriculum's hours: the least loaded of its speciality
    (primary pages: the class's own teacher). 8А physics changed its teacher on 16 November."""
    primary_of = {c.id: t for c, t in zip((c for c in classes if c.grade_level <= 4), teachers["primary"])}
    group_classes = await OrganisationService(pages.session, pages.school_id).group_classes([g.id for g in groups])
    load: dict[int, int] = {}
    replacement_done = False
    for row in await pages.rows(year, start):
        if row.teachers:
            continue
        key = SAME_TEACHER.get(row.subject, row.subject)
        if row.grade_level <= 4 and row.subject not in PRIMARY_BY_SPECIALIST:
            class_id = row.class_group_id or group_classes[row.study_group_id][0].id  # type: ignore[index]
            teacher = primary_of[class_id]
        else:
            teacher = min(teachers[key], key=lambda t: (load.get(t, 0), teachers[key].index(t)))
        load[teacher] = load.get(teacher, 0) + row.curriculum
        page = await pages.session.get(SubjectPage, row.id)
        assert page is not None
        if row.holder == "8А" and row.subject == "Физика" and not replacement_done:
            change = date(start.year, 11, 16)
            await pages.assign(page, teacher_id=teacher, half_hours=row.curriculum, starts_on=start, ends_on=change - timedelta(days=1))
            other = next(t for t in teachers["Физика"] if t != teacher)
            await pages.assign(page, teacher_id=other, half_hours=row.curriculum, starts_on=change, ends_on=None)
            replacement_done = True
            continue
        await pages.assign(page, teacher_id=teacher, half_hours=row.curriculum, starts_on=start, ends_on=None)


async def _ungraded(pages: PageService, year: AcademicYear, subjects: dict[str, Subject]) -> None:
    """No marks in first grade (regulation 3.10) nor in ОРКСЭ (the school's choice)."""
    await pages.add_ungraded(year, subject_id=None, grade_level=1, class_group_id=None, study_period_id=None)
    await pages.add_ungraded(year, subject_id=subjects["Основы религиозных культур и светской этики"].id, grade_level=4,
                             class_group_id=None, study_period_id=None)
