"""Which lessons a person reaches, from dated structure data as of the lesson's day.

Writing: the teachers who hold the page on the lesson's day (teaching assignments) and the one the
timetable gives the lesson to (a substitute). Reading: those, the class teacher of a class on the
page, and the school's administration (director, deputy, journal administrator), who read every
journal and write none (regulation 4.1, 4.2). Anything else is a 404, like a lesson that does
not exist.
"""

from __future__ import annotations

from datetime import date

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.people.models import Enrollment
from core.structure.common import active_on
from core.structure.models import ClassTeacherAppointment, StudyGroupClass, SubjectPage, TeachingAssignment
from plugins.journal.models import JournalLesson

ADMINISTRATION = frozenset({"director", "deputy", "journal_admin"})
WRITERS = frozenset({"teacher", "class_teacher"})


def reads_everything(user: CurrentUser) -> bool:
    return bool(user.roles & ADMINISTRATION)


async def holds_page(session: AsyncSession, user_id: int, page_id: int, day: date) -> bool:
    return await session.scalar(select(TeachingAssignment.id).where(
        TeachingAssignment.subject_page_id == page_id, TeachingAssignment.teacher_id == user_id,
        active_on(TeachingAssignment.starts_on, TeachingAssignment.ends_on, day)).limit(1)) is not None


async def leads_page_class(session: AsyncSession, user_id: int, page: SubjectPage, day: date) -> bool:
    """Whether the person is class teacher, on ``day``, of a class whose students the page teaches."""
    classes = select(StudyGroupClass.class_group_id).where(StudyGroupClass.study_group_id == page.study_group_id) \
        if page.class_group_id is None else select(SubjectPage.class_group_id).where(SubjectPage.id == page.id)
    return await session.scalar(select(ClassTeacherAppointment.id).where(
        ClassTeacherAppointment.teacher_id == user_id, ClassTeacherAppointment.class_group_id.in_(classes),
        active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, day)).limit(1)) is not None


async def may_write(session: AsyncSession, user: CurrentUser, lesson: JournalLesson) -> bool:
    if lesson.school_id != user.school_id or not user.roles & WRITERS:
        return False
    return lesson.teacher_id == user.id or await holds_page(session, user.id, lesson.subject_page_id, lesson.day)


async def may_read(session: AsyncSession, user: CurrentUser, lesson: JournalLesson, page: SubjectPage) -> bool:
    if lesson.school_id != user.school_id:
        return False
    if reads_everything(user) or await may_write(session, user, lesson):
        return True
    return "class_teacher" in user.roles and await leads_page_class(session, user.id, page, lesson.day)


async def lesson_of(session: AsyncSession, user: CurrentUser, lesson_id: int, *, write: bool,
                    lock: bool = False) -> tuple[JournalLesson, SubjectPage]:
    """The lesson and its page if ``user`` may read (or write) it; otherwise 404."""
    query = select(JournalLesson).where(JournalLesson.id == lesson_id, JournalLesson.school_id == user.school_id)
    lesson = await session.scalar(query.with_for_update() if lock else query)
    page = await session.get(SubjectPage, lesson.subject_page_id) if lesson is not None else None
    if lesson is None or page is None:
        raise NotFoundException()
    allowed = await may_write(session, user, lesson) if write else await may_read(session, user, lesson, page)
    if not allowed:
        raise NotFoundException()
    return lesson, page


async def visible_students(session: AsyncSession, user: CurrentUser, lesson: JournalLesson, *,
                           can_write: bool | None = None) -> set[int] | None:
    """Whose cells the person sees on the lesson: everyone's (None) for its teachers and the
    administration; a class teacher reading a group that mixes classes, only their own class's.
    ``can_write``: ``may_write`` when the caller has it already."""
    if can_write is None:
        can_write = await may_write(session, user, lesson)
    if reads_everything(user) or can_write:
        return None
    return set((await session.execute(select(Enrollment.student_id).join(
        ClassTeacherAppointment, ClassTeacherAppointment.class_group_id == Enrollment.class_group_id).where(
        ClassTeacherAppointment.teacher_id == user.id,
        active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, lesson.day),
        active_on(Enrollment.starts_on, Enrollment.ends_on, lesson.day)))).scalars())
