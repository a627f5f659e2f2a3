"""People for the security battery: the home school's student and parent accounts enrolled and
linked, a class led by the class-teacher account with a student and a mother, and for each role
that manages people its own students, link, position and uploaded list to act on."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.people.models import ImportUpload, StaffPosition
from core.people.services import PeopleService
from core.structure.models import AcademicYear, ClassGroup
from core.structure.organisation import OrganisationService
from tests.support.structure import SmallSchool, writing

ORDER = {"order_number": "45-у", "order_date": date(2026, 8, 28)}
CLASS_TEACHER_STUDENT = "Руководимый Ученик Классович"
UPLOAD_CSV = "ФИО;Дата рождения;Родитель;Кем приходится\n{name};01.03.2015;Загружова Мать Ивановна;мать\n"


async def add_people_targets(url: str, school_id: int, small: SmallSchool, accounts: dict[str, int],
                             managers: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(values every role shares, values per managing role)."""
    shared: dict[str, Any] = {}
    per_role: dict[str, dict[str, Any]] = {}
    async with writing(url) as session:
        year = await session.get(AcademicYear, small.year)
        class_5a = await session.get(ClassGroup, small.class_5a)
        assert year is not None and class_5a is not None
        organisation, people = OrganisationService(session, school_id), PeopleService(session, school_id)
        await people.enroll(accounts["student"], class_5a, starts_on=date(2026, 9, 1), **ORDER)
        await people.add_guardian(accounts["student"], accounts["parent"], kind="mother")
        led = await organisation.add_class(year, grade_level=7, letter="А")
        await organisation.appoint_class_teacher(led, teacher_id=accounts["class_teacher"], starts_on=date(2026, 9, 1), ends_on=None)
        led_student = await people.add_person(last_name="Руководимый", first_name="Ученик", middle_name="Классович",
                                              birth_date=date(2013, 4, 2))
        await people.enroll(led_student.id, led, starts_on=date(2026, 9, 1), **ORDER)
        led_parent = await people.add_person(last_name="Родительская", first_name="Мать", middle_name="Ученикова",
                                             phone="+7 900 100-20-30")
        await people.add_guardian(led_student.id, led_parent.id, kind="mother")
        transfer_class = await organisation.add_class(year, grade_level=5, letter="Т")
        shared.update(ct_class=led.id, ct_student=led_student.id, ct_parent=led_parent.id, transfer_class=transfer_class.id)
        for number, role in enumerate(managers):
            own: dict[str, Any] = {}
            for key, last in (("mover", "Переводимый"), ("leaver", "Выбывающий"), ("rep_student", "Представляемый"),
                              ("linked", "Связанный")):
                person = await people.add_person(last_name=last, first_name="Ученик", middle_name=f"Номер{'абвгд'[number]}",
                                                 birth_date=date(2015, 1, 1 + number))
                await people.enroll(person.id, class_5a, starts_on=date(2026, 9, 1), **ORDER)
                own[key] = person.id
            father = await people.add_person(last_name="Связанный", first_name="Отец", middle_name="Петрович")
            own["own_link"] = (await people.add_guardian(own["linked"], father.id, kind="father")).id
            position = StaffPosition(school_id=school_id, user_id=accounts["teacher"], title=f"Должность {number}",
                                     starts_on=date(2026, 9, 1))
            session.add(position)
            upload = ImportUpload(school_id=school_id, uploaded_by=accounts[role], kind="students",
                                  filename=f"5А-{role}.csv", academic_year_id=year.id, class_group_id=class_5a.id,
                                  starts_on=date(2026, 11, 30), order_number="140-у", order_date=date(2026, 11, 27),
                                  content=UPLOAD_CSV.format(name=f"Загружов Ученик {'АБВГД'[number]}вич").encode("cp1251"))
            session.add(upload)
            await session.flush()
            own.update(own_position=position.id, own_upload=upload.id)
            per_role[role] = own
    return shared, per_role
