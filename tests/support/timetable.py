"""A small school with a timetable to test against, built through the real services.

Year 2026/2027 (quarters; the first ended on 24 October), a holiday on 23 February 2027, a first
shift of six lessons from 08:00 and a second shift from 13:10. Grade 5 has 5А and 5Б (first
shift); 6А studies in the second shift. 5А's English is split into two groups (Аня in group 1,
Борис in group 2, Вера in both: a test moves her). Teachers: ``math`` (mathematics in 5А and 5Б),
``physics`` (physics in 5А), ``english1``/``english2`` (the groups), ``spare`` (no load). Rooms
101, 102, 201.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from core.structure.calendar import BellInput, CalendarService
from core.structure.curriculum import CurriculumService, PageService
from core.structure.models import SubjectPage
from core.structure.organisation import OrganisationService
from core.timetable.models import Timetable
from core.timetable.weekly import SlotInput, TimetableService
from tests.support.people import add_user
from tests.support.structure import writing

TODAY = date(2026, 11, 20)  # a Friday in the second quarter
MONDAY = date(2026, 11, 23)  # the coming week: an even week (the year starts in an odd one)


TEACHERS = {"math": "Числова Анна Петровна", "physics": "Ньютонов Игорь Петрович", "english1": "Инглиш Мария Ивановна",
            "english2": "Лондонова Ольга Ивановна", "spare": "Запасова Вера Павловна"}


@dataclass
class TimetableSchool:
    school: int = 0
    year: int = 0
    version: int = 0  # from 1 September: the timetable in force
    future: int = 0  # from MONDAY: still to come, so editable
    classes: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)  # «5А математика», «5Б математика», «5А физика», «гр1», «гр2», «6А математика»
    teachers: dict[str, int] = field(default_factory=dict)
    rooms: dict[str, int] = field(default_factory=dict)
    students: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)


def bells(first: time, count: int) -> list[BellInput]:
    found, minutes = [], first.hour * 60 + first.minute
    for _ in range(count):
        found.append(BellInput(time(minutes // 60, minutes % 60), time((minutes + 40) // 60, (minutes + 40) % 60)))
        minutes += 50
    return found


async def add_timetable_school(url: str, school_id: int) -> TimetableSchool:
    found = TimetableSchool(school=school_id)
    for name, full_name in TEACHERS.items():
        found.teachers[name] = await add_user(url, f"tt-{name}-{school_id}", [("teacher", school_id)], full_name=full_name)
    for name in ("Аня", "Борис", "Вера"):
        found.students[name] = await add_user(url, f"tt-{name}-{school_id}", [("student", school_id)], full_name=f"{name} Ученица")
    async with writing(url) as session:
        calendar = CalendarService(session, school_id)
        year = await calendar.create_year(date(2026, 9, 1), date(2027, 5, 31))
        found.year = year.id
        await calendar.add_period(year, "quarter", 1, date(2026, 9, 1), date(2026, 10, 24))
        await calendar.add_period(year, "quarter", 2, date(2026, 11, 5), date(2026, 12, 29))
        await calendar.add_days(year, kind="vacation", name="Осенние каникулы", starts_on=date(2026, 10, 25), ends_on=date(2026, 11, 4))
        await calendar.add_days(year, kind="holiday", name="День защитника Отечества", starts_on=date(2027, 2, 23), ends_on=None)
        await calendar.add_bell_schedule(year, name="1 смена", shift=1, kind="regular", grade_level=None, valid_from=None,
                                         valid_to=None, bells=bells(time(8, 0), 6))
        await calendar.add_bell_schedule(year, name="2 смена", shift=2, kind="regular", grade_level=None, valid_from=None,
                                         valid_to=None, bells=bells(time(13, 10), 6))
        organisation = OrganisationService(session, school_id)
        subjects = {}
        for name, short in (("Математика", "Матем."), ("Физика", "Физ."), ("Иностранный язык (английский)", "Англ. яз.")):
            subjects[name] = await organisation.save_subject(None, name=name, short_name=short, sort_order=None)
        for level, letter, shift in ((5, "А", 1), (5, "Б", 1), (6, "А", 2)):
            found.classes[f"{level}{letter}"] = (await organisation.add_class(year, grade_level=level, letter=letter, shift=shift)).id
        for number in (1, 2):
            group = await organisation.add_group(year, name=f"5А, английский язык, гр. {number}", class_ids=[found.classes["5А"]],
                                                 subject_id=subjects["Иностранный язык (английский)"].id)
            found.groups[f"гр{number}"] = group.id
            for student in (("Аня", "Вера") if number == 1 else ("Борис",)):
                await organisation.add_member(group, student_id=found.students[student], starts_on=date(2026, 9, 1), ends_on=None)
        curriculum = CurriculumService(session, school_id)
        for level in (5, 6):
            await curriculum.set_hours(year, grade_level=level, subject_id=subjects["Математика"].id, half_hours=10)
        await curriculum.set_hours(year, grade_level=5, subject_id=subjects["Физика"].id, half_hours=4)
        await curriculum.set_hours(year, grade_level=5, subject_id=subjects["Иностранный язык (английский)"].id, half_hours=6)
        pages = PageService(session, school_id)
        await pages.generate(year)
        for row in await pages.rows(year, date(2026, 9, 1)):
            key = {"Математика": "математика", "Физика": "физика"}.get(row.subject, "английский")
            groups = {found.groups["гр1"]: "гр1", found.groups["гр2"]: "гр2"}
            found.pages[groups.get(row.study_group_id or 0, f"{row.holder} {key}")] = row.id
        load = {"5А математика": "math", "5Б математика": "math", "5А физика": "physics", "гр1": "english1", "гр2": "english2",
                "6А математика": "physics"}
        for page_key, teacher in load.items():
            page = await session.get(SubjectPage, found.pages[page_key])
            assert page is not None
            hours = {"математика": 10, "физика": 4}.get(page_key.split()[-1], 6)
            await pages.assign(page, teacher_id=found.teachers[teacher], half_hours=hours, starts_on=date(2026, 9, 1), ends_on=None)
        service = TimetableService(session, school_id, date(2026, 8, 25))
        for name in ("101", "102", "201"):
            found.rooms[name] = (await service.add_room(name)).id
        version = await service.create_version(year, date(2026, 9, 1), None)
        found.version = version.id
        # Monday: 5А mathematics 1, English groups 2 (both), physics 3; 5Б mathematics 2; 6А mathematics 1 (second shift).
        for weekday in range(5):
            await service.save_slot(version, slot("5А математика", 1, weekday, found, "math", "101"))
            await service.save_slot(version, slot("5Б математика", 2, weekday, found, "math", "101"))
            await service.save_slot(version, slot("гр1", 2, weekday, found, "english1", "201"))
            await service.save_slot(version, slot("гр2", 2, weekday, found, "english2", "102"))
            await service.save_slot(version, slot("6А математика", 1, weekday, found, "physics", "201"))
        await service.save_slot(version, slot("5А физика", 3, 0, found, "physics", "102"))
    async with writing(url) as session:
        year_row = await session.get(Timetable, found.version)
        assert year_row is not None
        from core.structure.models import AcademicYear

        academic_year = await session.get(AcademicYear, found.year)
        assert academic_year is not None
        found.future = (await TimetableService(session, school_id, TODAY).create_version(academic_year, MONDAY, None)).id
    return found


def slot(page: str, number: int, weekday: int, world: TimetableSchool, teacher: str, room: str | None,
         parity: str = "every") -> SlotInput:
    return SlotInput(weekday=weekday, number=number, page_id=world.pages[page], teacher_id=world.teachers[teacher],
                     room_id=world.rooms[room] if room else None, parity=parity)


# ---- the security battery's world ---------------------------------------------------------------------

CHANGE_WRITERS = ("dispatcher", "journal_admin", "operator")
EDITORS = ("journal_admin", "operator")


async def add_timetable_targets(url: str, school_id: int, small, accounts: dict[str, int],
                                target: int) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    """The matrix world's timetable: a room, the timetable in force since 1 September (5А's
    mathematics by ``target`` at lesson 1 every day; the group by the demo «teacher» on Mondays at
    lesson 2), one to come from 3 May 2027, a change on Monday 5 April 2027; and for each role that
    records changes or edits the timetable, its own dates, change, slot, version and room."""
    from core.structure.models import AcademicYear
    from core.timetable.changes import ChangeInput, ChangeService
    from core.timetable.lessons import load_timetable

    common: dict[str, object] = {}
    per_role: dict[str, dict[str, object]] = {role: {} for role in CHANGE_WRITERS}
    async with writing(url) as session:
        year = await session.get(AcademicYear, small.year)
        assert year is not None
        service = TimetableService(session, school_id, date(2026, 8, 25))
        room = await service.add_room("Кабинет мира", "второй этаж")
        common["tt_room"], common["tt_teacher"] = room.id, target  # staff read every teacher's week: not a {target} route
        version = await service.create_version(year, date(2026, 9, 1), None)
        for weekday in range(5):
            await service.save_slot(version, SlotInput(weekday, 1, small.math_page, target, room.id))
        await service.save_slot(version, SlotInput(0, 2, small.group_page, accounts["teacher"], None))
        future = await service.create_version(year, date(2027, 5, 3), None)
        common.update(tt_version=version.id, tt_future=future.id)
        for number, role in enumerate(EDITORS):
            own = await service.save_slot(future, SlotInput(3 + number, 2, small.math_page, target, None))
            doomed = await service.create_version(year, date(2027, 5, 17 + 7 * number), None)
            archived = await service.add_room(f"Кабинет {role}")
            per_role[role].update(own_slot=own.id, own_version=doomed.id, own_room=archived.id, new_slot_weekday=1 + number,
                                  new_version_day=f"2027-05-{10 + number:02d}")
    async with writing(url) as session:
        changes = ChangeService(session, school_id, date(2026, 11, 1), accounts["dispatcher"])
        timetable = await load_timetable(session, school_id, date(2027, 4, 5), date(2027, 4, 5))
        common["tt_slot"] = next(lesson.slot_id for lesson in timetable.lessons_on(date(2027, 4, 5)) if lesson.number == 1)
        await changes.record(ChangeInput("room", date(2027, 4, 5), common["tt_slot"], room_id=per_role["operator"]["own_room"],  # type: ignore[arg-type]
                                         reason="Экскурсия мира"))
        for number, role in enumerate(CHANGE_WRITERS):
            own = await changes.record(ChangeInput("cancel", date(2027, 3, 1 + 14 * number), common["tt_slot"],  # type: ignore[arg-type]
                                                   reason=f"Отмена {role}"))
            per_role[role].update(own_change=own.id, tt_day=f"2027-04-{12 + 7 * number:02d}")
    return common, per_role
