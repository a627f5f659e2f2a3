"""The substitutions of a month (regulation 5.3: the deputy checks them): per teacher, the lessons
they gave in place of another, by the change's kind, with the lessons themselves — and whether each
was filled, since a substitute fills the lesson on its day (4.5)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.i18n import gettext as _
from core.people.spreadsheets import Sheet
from core.structure.models import ClassGroup, StudyGroup, Subject, SubjectPage
from core.timetable.models import CHANGE_KIND_LABELS
from plugins.journal.lessons import REPLACEMENT_KINDS, holder_label
from plugins.journal.models import JournalLesson


@dataclass(frozen=True)
class GivenLesson:
    id: int
    day: date
    number: int | None
    page: str
    kind: str
    replaced: str  # whom the timetable planned
    filled: bool


@dataclass
class SubstituteLine:
    teacher_id: int | None
    name: str
    lessons: list[GivenLesson] = field(default_factory=list)

    @property
    def kinds(self) -> Counter:  # type: ignore[type-arg]
        return Counter(lesson.kind for lesson in self.lessons)


@dataclass
class SubstitutionsReport:
    month: date  # its first day
    teachers: list[SubstituteLine]

    @property
    def total(self) -> int:
        return sum(len(line.lessons) for line in self.teachers)

    @property
    def kinds(self) -> list[str]:
        return [kind for kind in CHANGE_KIND_LABELS if kind in REPLACEMENT_KINDS]

    def filename(self) -> str:
        return f"substitutions-{self.month:%Y-%m}.xlsx"

    def sheets(self) -> list[Sheet]:
        kinds = self.kinds
        summary = [[line.name, len(line.lessons), *[line.kinds.get(kind, 0) for kind in kinds]] for line in self.teachers]
        lessons = [[line.name, lesson.day, lesson.number, lesson.page, _(CHANGE_KIND_LABELS[lesson.kind]), lesson.replaced,
                    _("yes") if lesson.filled else _("no")] for line in self.teachers for lesson in line.lessons]
        return [Sheet(_("Substitutions"), [_("Teacher"), _("Lessons"), *[_(CHANGE_KIND_LABELS[k]) for k in kinds]], summary,
                      footer=[[_("Total"), self.total]]),
                Sheet(_("Lessons"), [_("Teacher"), _("Day"), _("Lesson"), _("Subject page"), _("Kind"), _("Instead of"),
                                     _("Filled")], lessons)]


async def substitutions(session: AsyncSession, school_id: int, month: date) -> SubstitutionsReport:
    """One statement: the month's lessons given in place of another teacher."""
    ends = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    giver, replaced = UserAccount.__table__.alias("giver"), UserAccount.__table__.alias("replaced")
    rows = (await session.execute(
        select(JournalLesson.id, JournalLesson.day, JournalLesson.number, JournalLesson.teacher_id, giver.c.full_name,
               replaced.c.full_name, JournalLesson.change_kind, JournalLesson.completed_at, Subject.name,
               holder_label())
        .join(SubjectPage, SubjectPage.id == JournalLesson.subject_page_id)
        .join(Subject, Subject.id == SubjectPage.subject_id)
        .outerjoin(ClassGroup, ClassGroup.id == SubjectPage.class_group_id)
        .outerjoin(StudyGroup, StudyGroup.id == SubjectPage.study_group_id)
        .outerjoin(giver, giver.c.id == JournalLesson.teacher_id)
        .outerjoin(replaced, replaced.c.id == JournalLesson.replaced_teacher_id)
        .where(JournalLesson.school_id == school_id, JournalLesson.state == "active",
               JournalLesson.change_kind.in_(REPLACEMENT_KINDS), JournalLesson.day.between(month, ends))
        .order_by(JournalLesson.day, JournalLesson.number, JournalLesson.id))).all()
    lines: dict[int | None, SubstituteLine] = {}
    for row in rows:
        line = lines.setdefault(row[3], SubstituteLine(row[3], row[4] or _("no teacher")))
        line.lessons.append(GivenLesson(row[0], row[1], row[2], f"{row[8]}, {row[9]}", row[6], row[5] or "",
                                        row[7] is not None))
    return SubstitutionsReport(month, sorted(lines.values(), key=lambda line: line.name))
