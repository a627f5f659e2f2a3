"""How teaching is organised: subjects, classes with their class teachers, study groups with their
classes and dated members."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import RoleGrant
from core.i18n import gettext as _
from core.structure.common import (
    StructureError, check_range, check_within_year, lock_school, overlapping, owned, require_staff, shorten,
)
from core.structure.models import (
    GRADE_LEVELS, AcademicYear, ClassGroup, ClassTeacherAppointment, StudyGroup, StudyGroupClass, StudyGroupMember, Subject,
)

# The default list of a Russian school's subjects (ФГОС НОО/ООО/СОО, 2023), in the usual order.
DEFAULT_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("Русский язык", "Рус. яз."),
    ("Литературное чтение", "Лит. чт."),
    ("Литература", "Лит."),
    ("Родной язык (русский)", "Родн. яз."),
    ("Иностранный язык (английский)", "Англ. яз."),
    ("Второй иностранный язык (немецкий)", "Нем. яз."),
    ("Математика", "Матем."),
    ("Алгебра", "Алгебра"),
    ("Геометрия", "Геом."),
    ("Вероятность и статистика", "Вер. и стат."),
    ("Информатика", "Информ."),
    ("Окружающий мир", "Окр. мир"),
    ("История", "История"),
    ("Обществознание", "Общ."),
    ("География", "Геогр."),
    ("Биология", "Биол."),
    ("Физика", "Физика"),
    ("Химия", "Химия"),
    ("Основы религиозных культур и светской этики", "ОРКСЭ"),
    ("Основы духовно-нравственной культуры народов России", "ОДНКНР"),
    ("Изобразительное искусство", "ИЗО"),
    ("Музыка", "Музыка"),
    ("Труд (технология)", "Труд"),
    ("Физическая культура", "Физ-ра"),
    ("Основы безопасности и защиты Родины", "ОБЗР"),
    ("Индивидуальный проект", "Инд. проект"),
)
LATIN_LOOKALIKES = str.maketrans("ABCEHKMOPTXY", "АВСЕНКМОРТХУ")


class OrganisationService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    # ---- subjects -----------------------------------------------------------------------------

    async def subjects(self, *, include_archived: bool = False) -> list[Subject]:
        query = select(Subject).where(Subject.school_id == self.school_id)
        if not include_archived:
            query = query.where(Subject.is_archived.is_(False))
        return list((await self.session.execute(query.order_by(Subject.sort_order, Subject.name))).scalars())

    async def add_default_subjects(self) -> int:
        """The default list, for a school that has no subjects yet; returns how many were added."""
        if await self.session.scalar(select(func.count()).select_from(Subject).where(Subject.school_id == self.school_id)):
            return 0
        self.session.add_all(Subject(school_id=self.school_id, name=name, short_name=short, sort_order=10 * number)
                             for number, (name, short) in enumerate(DEFAULT_SUBJECTS, start=1))
        await self.session.flush()
        return len(DEFAULT_SUBJECTS)

    async def save_subject(self, subject: Subject | None, *, name: str, short_name: str, sort_order: int | None) -> Subject:
        name, short_name = " ".join(name.split()), " ".join(short_name.split())
        if not name or len(name) > 200:
            raise StructureError("name", _("Enter the subject's name.") if not name else _("The name is too long."))
        if len(short_name) > 40:
            raise StructureError("short_name", _("The short name is at most 40 characters."))
        if sort_order is not None and not 0 <= sort_order <= 10000:
            raise StructureError("sort_order", _("The place in the list is a number from 0 to 10000."))
        await lock_school(self.session, self.school_id)
        # Compared casefolded in Python: SQLite's lower() leaves Cyrillic alone, and a list is short.
        same = next(((other_id, other_name) for other_id, other_name in (await self.session.execute(
            select(Subject.id, Subject.name).where(Subject.school_id == self.school_id))).all()
            if other_name.casefold() == name.casefold()), None)
        if same is not None and (subject is None or same[0] != subject.id):  # named as the list has it
            raise StructureError("name", _("The school already has the subject «%(name)s».", name=same[1]))
        if subject is None:
            order = sort_order if sort_order is not None else 10 + int(await self.session.scalar(
                select(func.coalesce(func.max(Subject.sort_order), 0)).where(Subject.school_id == self.school_id)) or 0)
            subject = Subject(school_id=self.school_id, name=name, short_name=short_name or name[:40], sort_order=order)
            self.session.add(subject)
        else:
            subject.name, subject.short_name = name, short_name or name[:40]
            if sort_order is not None:
                subject.sort_order = sort_order
        await self.session.flush()
        return subject

    async def archive_subject(self, subject: Subject, archived: bool) -> None:
        """Archived subjects leave the lists for new pages; existing pages keep them."""
        subject.is_archived = archived
        await self.session.flush()

    # ---- classes ------------------------------------------------------------------------------

    async def classes(self, year: AcademicYear) -> list[ClassGroup]:
        return list((await self.session.execute(
            select(ClassGroup).where(ClassGroup.academic_year_id == year.id).order_by(ClassGroup.grade_level, ClassGroup.letter)
        )).scalars())

    async def open_classes(self, today: date) -> list[ClassGroup]:
        """Classes of the years not over yet: where a student can be admitted or transferred to."""
        years = select(AcademicYear.id).where(AcademicYear.school_id == self.school_id, AcademicYear.ends_on >= today)
        return list((await self.session.execute(
            select(ClassGroup).where(ClassGroup.academic_year_id.in_(years))
            .order_by(ClassGroup.academic_year_id, ClassGroup.grade_level, ClassGroup.letter))).scalars())

    async def add_class(self, year: AcademicYear, *, grade_level: int | None, letter: str, shift: int | None = 1) -> ClassGroup:
        if grade_level not in GRADE_LEVELS:
            raise StructureError("grade_level", _("Choose the class's grade level, from 1 to 11."))
        letter = letter.strip().upper().translate(LATIN_LOOKALIKES)  # «5A» typed on a Latin layout is 5А
        if not letter or len(letter) > 10 or not all(char.isalnum() or char in "-" for char in letter):
            raise StructureError("letter", _("Enter the class letter, e.g. «А»."))
        if shift not in (1, 2):
            raise StructureError("shift", _("Choose the first or the second shift."))
        await lock_school(self.session, self.school_id)
        if await self.session.scalar(select(ClassGroup.id).where(
                ClassGroup.academic_year_id == year.id, ClassGroup.grade_level == grade_level, ClassGroup.letter == letter)):
            name = f"{grade_level}{letter}"
            raise StructureError("letter", _("The class %(name)s already exists this year.", name=name))
        class_group = ClassGroup(school_id=self.school_id, academic_year_id=year.id, grade_level=grade_level,
                                 letter=letter, shift=shift)
        self.session.add(class_group)
        await self.session.flush()
        return class_group

    async def set_shift(self, class_group: ClassGroup, shift: int | None) -> None:
        if shift not in (1, 2):
            raise StructureError("shift", _("Choose the first or the second shift."))
        class_group.shift = shift
        await self.session.flush()

    async def appointments(self, class_group_id: int) -> list[ClassTeacherAppointment]:
        return list((await self.session.execute(
            select(ClassTeacherAppointment).where(ClassTeacherAppointment.class_group_id == class_group_id)
            .order_by(ClassTeacherAppointment.starts_on)
        )).scalars())

    async def appoint_class_teacher(self, class_group: ClassGroup, *, teacher_id: int | None, starts_on: date | None,
                                    ends_on: date | None) -> ClassTeacherAppointment:
        """A class has one class teacher at a time; a new one starts after the previous one ends."""
        await require_staff(self.session, self.school_id, teacher_id)
        check_range(starts_on, ends_on)
        assert starts_on is not None and teacher_id is not None
        year = await self.session.get(AcademicYear, class_group.academic_year_id)
        assert year is not None
        check_within_year(year, starts_on, ends_on)
        await lock_school(self.session, self.school_id)
        clash = (await self.session.execute(select(ClassTeacherAppointment).where(
            ClassTeacherAppointment.class_group_id == class_group.id,
            overlapping(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, starts_on, ends_on),
        ).limit(1))).scalar_one_or_none()
        if clash is not None:
            raise StructureError("starts_on", _(
                "The class already has a class teacher from %(starts)s: end that appointment first.",
                starts=clash.starts_on.strftime("%d.%m.%Y")))
        appointment = ClassTeacherAppointment(school_id=self.school_id, class_group_id=class_group.id, teacher_id=teacher_id,
                                              starts_on=starts_on, ends_on=ends_on)
        self.session.add(appointment)
        await self.session.flush()
        return appointment

    async def end_appointment(self, appointment: ClassTeacherAppointment, ends_on: date | None) -> None:
        await shorten(self.session, appointment, ends_on, select(AcademicYear).join(
            ClassGroup, ClassGroup.academic_year_id == AcademicYear.id).where(ClassGroup.id == appointment.class_group_id))

    # ---- study groups -------------------------------------------------------------------------

    async def add_group(self, year: AcademicYear, *, name: str, class_ids: list[int], subject_id: int | None) -> StudyGroup:
        """A group of one class, or across classes of one grade level."""
        name = " ".join(name.split())
        if not name or len(name) > 200:
            raise StructureError("name", _("Name the group, e.g. «5А, английский язык, гр. 1».") if not name else _("The name is too long."))
        if not class_ids:
            raise StructureError("class_ids", _("Choose the class or classes the group is drawn from."))
        classes = list((await self.session.execute(select(ClassGroup).where(
            ClassGroup.id.in_(class_ids), ClassGroup.academic_year_id == year.id, ClassGroup.school_id == self.school_id))).scalars())
        if len(classes) != len(set(class_ids)):
            raise StructureError("class_ids", _("Choose classes of this school year."))
        levels = {class_group.grade_level for class_group in classes}
        if len(levels) > 1:
            raise StructureError("class_ids", _("A group draws on classes of one grade level; these are of grades %(levels)s.",
                                                levels=", ".join(map(str, sorted(levels)))))
        if subject_id is not None and not await self.session.scalar(
                select(Subject.id).where(Subject.id == subject_id, Subject.school_id == self.school_id)):
            raise StructureError("subject_id", _("Choose a subject of the school."))  # a form's choice: 422, not 404
        await lock_school(self.session, self.school_id)
        if await self.session.scalar(select(StudyGroup.id).where(StudyGroup.academic_year_id == year.id, StudyGroup.name == name)):
            raise StructureError("name", _("A group with this name already exists this year."))
        group = StudyGroup(school_id=self.school_id, academic_year_id=year.id, grade_level=levels.pop(), name=name,
                           subject_id=subject_id)
        self.session.add(group)
        await self.session.flush()
        self.session.add_all(StudyGroupClass(study_group_id=group.id, class_group_id=class_group.id) for class_group in classes)
        await self.session.flush()
        return group

    async def group_classes(self, group_ids: list[int]) -> dict[int, list[ClassGroup]]:
        result: dict[int, list[ClassGroup]] = {group_id: [] for group_id in group_ids}
        for group_id, class_group in (await self.session.execute(
            select(StudyGroupClass.study_group_id, ClassGroup).join(ClassGroup, ClassGroup.id == StudyGroupClass.class_group_id)
            .where(StudyGroupClass.study_group_id.in_(group_ids)).order_by(ClassGroup.grade_level, ClassGroup.letter)
        )).all():
            result[group_id].append(class_group)
        return result

    async def members(self, group_id: int) -> list[StudyGroupMember]:
        return list((await self.session.execute(
            select(StudyGroupMember).where(StudyGroupMember.study_group_id == group_id)
            .order_by(StudyGroupMember.starts_on, StudyGroupMember.id)
        )).scalars())

    async def add_member(self, group: StudyGroup, *, student_id: int | None, starts_on: date | None,
                         ends_on: date | None) -> StudyGroupMember:
        is_student = student_id is not None and await self.session.scalar(select(RoleGrant.id).where(
            RoleGrant.user_id == student_id, RoleGrant.school_id == self.school_id, RoleGrant.role == "student").limit(1))
        if not is_student:
            raise StructureError("student_id", _("Choose a student of this school."))
        assert student_id is not None
        check_range(starts_on, ends_on)
        assert starts_on is not None
        year = await self.session.get(AcademicYear, group.academic_year_id)
        assert year is not None
        check_within_year(year, starts_on, ends_on)
        await lock_school(self.session, self.school_id)
        if await self.session.scalar(select(StudyGroupMember.id).where(
            StudyGroupMember.study_group_id == group.id, StudyGroupMember.student_id == student_id,
            overlapping(StudyGroupMember.starts_on, StudyGroupMember.ends_on, starts_on, ends_on)).limit(1)):
            raise StructureError("student_id", _("The student is already in the group for these dates."))
        member = StudyGroupMember(study_group_id=group.id, student_id=student_id, starts_on=starts_on, ends_on=ends_on)
        self.session.add(member)
        await self.session.flush()
        return member

    async def end_member(self, member: StudyGroupMember, ends_on: date | None) -> None:
        await shorten(self.session, member, ends_on, select(AcademicYear).join(
            StudyGroup, StudyGroup.academic_year_id == AcademicYear.id).where(StudyGroup.id == member.study_group_id))


async def student_choices(session: AsyncSession, school_id: int) -> list[tuple[int, str]]:
    from core.auth.models import UserAccount

    rows = await session.execute(select(UserAccount.id, UserAccount.full_name).where(UserAccount.id.in_(
        select(RoleGrant.user_id).where(RoleGrant.school_id == school_id, RoleGrant.role == "student"))
    ).order_by(UserAccount.full_name, UserAccount.id))
    return [(row.id, row.full_name) for row in rows]


async def owned_year(session: AsyncSession, year_id: int, school_id: int) -> AcademicYear:
    return await owned(session, AcademicYear, year_id, school_id)
