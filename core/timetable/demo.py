"""The demo school's timetable: a room for every teacher, the weekly timetable of the year (and a
second one from the second half-year, without grade 10's project), and a few changes of the past
weeks recorded by the dispatcher.

The weekly timetable of ~700 lessons is built in memory by a randomized greedy with restarts and
written in bulk: through ``TimetableService.save_slot`` one by one it would take most of the
demo's time. It keeps the rules ``save_slot`` checks (``timetable_conflicts`` finds nothing in
it): no teacher in two lessons at overlapping times (across shifts too), no class in two lessons
at once (the groups of one split study at the same time, each with its teacher), a class's day
within its grade level's daily limit, its days and its shift's bells. It also keeps the habits of
a good timetable: lessons from the first one without gaps, one subject at most twice a day.
The changes go through ``ChangeService`` like the dispatcher's own, so they obey every rule.
Deterministic for a seed and a date.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.structure.demo import first_account_with_role
from core.structure.models import AcademicYear, CurriculumLine, StudyPeriod
from core.timetable.common import ConflictError
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.conflicts import Members, clashes, day_length_clashes, load_members
from core.timetable.lessons import Lesson, PageInfo, TimetableData, load_timetable
from core.timetable.models import Room, Timetable, TimetableSlot

PE, INFORMATICS, ENGLISH = "Физическая культура", "Информатика", "Иностранный язык (английский)"
GYMS = ("Спортзал", "Малый спортзал", "Спортзал 2")
COMPUTER_ROOM = "Кабинет информатики"
ROOMS_A_FLOOR = 15  # numbered rooms: the primary classes' from 101, the others from 201 (201–215, 301–315)
ROOM_NOTES = {
    "primary": "кабинет начальных классов", PE: "спортивный зал", INFORMATICS: "компьютерный класс, 14 мест",
    "Физика": "кабинет физики с лаборантской", "Химия": "кабинет химии с лаборантской", "Биология": "кабинет биологии",
    "Музыка": "кабинет музыки", "Изобразительное искусство": "мастерская изобразительного искусства",
    "Труд (технология)": "мастерская", ENGLISH: "кабинет иностранного языка",
}
ATTEMPTS = 60  # restarts of the greedy; the demo's week is usually found in the first few


# ---- the weekly timetable, in memory --------------------------------------------------------------


@dataclass
class Block:
    """Pages given at the same times: a class page, or the study groups of one split, each group
    with its own teacher (two groups of one teacher, or sharing students, are separate blocks)."""

    pages: list[PageInfo]
    teachers: list[int]  # the slot's teacher of each page: its teacher on the year's first day
    busy: set[int]  # everyone who holds a page in the year: none of them may be elsewhere at its times
    every: int  # lessons every week
    odd: bool  # one more lesson in odd weeks (a half-hour line)
    pattern: str  # the curriculum line's: «first_half» lessons are in the first timetable only

    @property
    def class_ids(self) -> tuple[int, ...]:
        return self.pages[0].class_ids

    @property
    def subject_id(self) -> int:
        return self.pages[0].subject_id


@dataclass
class ClassWeek:
    """What the timetable needs to know of a class: its days, its daily limit, its bells in minutes."""

    id: int
    days: int
    limit: int
    times: dict[int, tuple[int, int]]  # lesson number → (start, end), minutes from midnight


@dataclass
class Placement:
    block: int
    weekday: int
    number: int
    parity: str  # every, odd


@dataclass
class Attempt:
    """One run of the greedy: the lessons placed so far and what they occupy."""

    rng: random.Random
    week: "WeekBuilder"
    left: list[int] = field(default_factory=list)  # lessons every week still to place, by block
    odd_left: list[bool] = field(default_factory=list)
    taken: dict[tuple[int, int], dict[int, int]] = field(default_factory=dict)  # (class, weekday) → number → block
    subjects: Counter[tuple[int, int, int]] = field(default_factory=Counter)  # (class, weekday, subject)
    busy: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)  # (teacher, weekday) → times
    load: Counter[int] = field(default_factory=Counter)  # teacher → lessons still to place
    planned: dict[int, list[int]] = field(default_factory=dict)  # class → lessons a day
    placements: list[Placement] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Every class's lessons shared evenly over its days (the longer days drawn at random),
        each day no longer than its limit and its bells allow."""
        week = self.week
        self.left = [block.every for block in week.blocks]
        self.odd_left = [block.odd for block in week.blocks]
        for block in week.blocks:
            for teacher in block.busy:
                self.load[teacher] += block.every + block.odd
        for class_week in week.classes.values():
            total = sum(week.blocks[b].every + week.blocks[b].odd for b in week.blocks_of.get(class_week.id, []))
            base, extra = divmod(total, class_week.days)
            longer = set(self.rng.sample(range(class_week.days), extra))
            most = min(class_week.limit, len(class_week.times))
            self.planned[class_week.id] = [min(base + (day in longer), most) for day in range(class_week.days)]

    def free(self, b: int, weekday: int, number: int) -> bool:
        """Whether block ``b`` may take ``number`` on ``weekday``: its classes free and studying
        then, its subject not twice already, its teachers without a lesson at an overlapping time."""
        block, week = self.week.blocks[b], self.week
        for class_id in block.class_ids:
            class_week = week.classes[class_id]
            if weekday >= class_week.days or number not in class_week.times or number in self.taken.get((class_id, weekday), {}):
                return False
            if self.subjects[(class_id, weekday, block.subject_id)] >= 2:
                return False
        start, end = week.classes[block.class_ids[0]].times[number]
        return not any(start < other_end and other_start < end
                       for teacher in block.busy for other_start, other_end in self.busy.get((teacher, weekday), ()))

    def place(self, b: int, weekday: int, number: int, parity: str) -> None:
        block, week = self.week.blocks[b], self.week
        for class_id in block.class_ids:
            self.taken.setdefault((class_id, weekday), {})[number] = b
            self.subjects[(class_id, weekday, block.subject_id)] += 1
        times = week.classes[block.class_ids[0]].times[number]
        for teacher in block.busy:
            self.busy.setdefault((teacher, weekday), []).append(times)
            self.load[teacher] -= 1
        if parity == "odd":
            self.odd_left[b] = False
        else:
            self.left[b] -= 1
        self.placements.append(Placement(b, weekday, number, parity))

    def run(self) -> None:
        """Fill the week lesson by lesson, every class at once: each class takes the lesson that
        fits best at its next number; what fits nowhere is placed afterwards where it can go."""
        week = self.week
        for weekday in range(6):
            for number in range(1, week.last_number + 1):
                order = [c for c in week.class_order if weekday < week.classes[c].days and
                         number <= self.planned[c][weekday]]
                self.rng.shuffle(order)
                for class_id in order:
                    if number in self.taken.get((class_id, weekday), {}):
                        continue  # taken by a split across classes
                    choice = self.choose(class_id, weekday, number)
                    if choice is not None:
                        self.place(*choice)
                    elif number == self.planned[class_id][weekday]:
                        self.planned[class_id][weekday] -= 1  # a shorter day rather than a gap
        self.place_the_rest()

    def choose(self, class_id: int, weekday: int, number: int) -> tuple[int, int, int, str] | None:
        best, best_score = None, 0.0
        last = number == self.planned[class_id][weekday]
        days_left = self.week.classes[class_id].days - weekday
        for b in self.week.blocks_of.get(class_id, []):
            remaining = self.left[b] + self.odd_left[b]
            if not remaining or not self.free(b, weekday, number):
                continue
            block = self.week.blocks[b]
            if any(number > self.planned[c][weekday] for c in block.class_ids):
                continue  # a split across classes: each of them has a lesson then
            parity = "odd" if self.odd_left[b] and (last or not self.left[b]) else "every"
            score = 2.0 * remaining / days_left + self.rng.random()
            if self.subjects[(class_id, weekday, block.subject_id)]:
                # A second lesson of the subject today only when the week needs it; then next to the first.
                score += -3.0 if remaining < days_left else 0.5 * (self.taken[(class_id, weekday)].get(number - 1) == b)
            if parity == "odd" or block.pattern == "first_half":
                score += 2.0 if last else -2.0  # at the day's end: no gap in even weeks, nor in the second half-year
            score += 3.0 * max(self.load[t] / (self.week.teacher_days[t] - weekday) / 6 for t in block.busy)
            score += 0.5 * (len(block.class_ids) > 1)
            if best is None or score > best_score:
                best, best_score = (b, weekday, number, parity), score
        return best

    def place_the_rest(self) -> None:
        """Lessons the greedy left: into a gap of one of their days, else after the day's last lesson."""
        for b, block in enumerate(self.week.blocks):
            while self.left[b] or self.odd_left[b]:
                spot = self.spot(b)
                if spot is None:
                    return
                parity = "every" if self.left[b] else "odd"
                self.place(b, *spot, parity)

    def spot(self, b: int) -> tuple[int, int] | None:
        block = self.week.blocks[b]
        first = self.week.classes[block.class_ids[0]]
        options = []
        for weekday in range(first.days):
            for number in first.times:
                if not self.free(b, weekday, number):
                    continue
                counts = [len(self.taken.get((c, weekday), {})) for c in block.class_ids]
                if max(counts) >= min(self.week.classes[c].limit for c in block.class_ids):
                    continue
                end = max(max(self.taken.get((c, weekday), {}), default=0) for c in block.class_ids)
                options.append((0 if number < end else number - end, number, weekday))  # a gap first, then the day's end
        if not options:
            return None
        _rank, number, weekday = min(options)
        return weekday, number

    @property
    def unplaced(self) -> int:
        return sum(self.left) + sum(self.odd_left)

    def gaps(self) -> int:
        """Lessons missing before a class's last lesson of a day: in odd weeks, in even weeks and
        in the second timetable (without «first_half» lessons)."""
        found = 0
        for (class_id, weekday), numbers in self.taken.items():
            odd_only = {p.number for p in self.placements if p.parity == "odd" and p.weekday == weekday
                        and class_id in self.week.blocks[p.block].class_ids}
            first_half = {n for n, b in numbers.items() if self.week.blocks[b].pattern == "first_half"}
            for kept in (set(numbers), set(numbers) - odd_only, set(numbers) - first_half):
                found += max(kept, default=0) - len(kept)
        return found


@dataclass
class WeekBuilder:
    blocks: list[Block]
    classes: dict[int, ClassWeek]
    blocks_of: dict[int, list[int]] = field(default_factory=dict)
    class_order: list[int] = field(default_factory=list)
    teacher_days: dict[int, int] = field(default_factory=dict)  # the most days a teacher may teach (5 or 6)
    last_number: int = 0

    def __post_init__(self) -> None:
        for b, block in enumerate(self.blocks):
            for class_id in block.class_ids:
                self.blocks_of.setdefault(class_id, []).append(b)
            for teacher in block.busy:
                days = max(self.classes[c].days for c in block.class_ids)
                self.teacher_days[teacher] = max(self.teacher_days.get(teacher, 0), days)
        self.class_order = list(self.classes)
        self.last_number = max((number for c in self.classes.values() for number in c.times), default=0)

    def build(self, rng: random.Random) -> list[Placement]:
        """The best of a few greedy runs: the first without gaps, else the one with the fewest."""
        best, fewest = None, 0
        for _attempt in range(ATTEMPTS):
            attempt = Attempt(random.Random(rng.random()), self)
            attempt.run()
            if attempt.unplaced:
                continue
            gaps = attempt.gaps()
            if best is None or gaps < fewest:
                best, fewest = attempt, gaps
            if not gaps:
                break
        if best is None:
            raise RuntimeError("The demo timetable could not be built: too many lessons for the teachers and bells.")
        return best.placements


def blocks_of(data: TimetableData, year: AcademicYear, lines: dict[tuple[int, int], tuple[int, str]],
              members: Members) -> list[Block]:
    """Every page with a curriculum line and a teacher, grouped into blocks: the groups of a split
    together when their teachers differ and they share no student."""
    splits: dict[tuple[int, tuple[int, ...]], list[Block]] = {}
    found: list[Block] = []
    pages = sorted((p for p in data.pages.values() if p.year_id == year.id),
                   key=lambda p: (p.grade_level, p.holder, p.subject_id, p.id))
    for page in pages:
        line = lines.get((page.grade_level, page.subject_id))
        holders = [t for t, starts, ends in data.assignments.get(page.id, [])]
        teacher = data.teacher_on(page.id, year.starts_on, None)
        if line is None or teacher is None or not line[0]:
            continue
        half_hours, pattern = line
        block = Block([page], [teacher], set(holders), half_hours // 2, bool(half_hours % 2), pattern)
        if page.group_id is None:
            found.append(block)
            continue
        split = splits.setdefault((page.subject_id, page.class_ids), [])
        partner = next((other for other in split if not other.busy & block.busy and not any(
            members.share_students(p.group_id, page.group_id, year.starts_on, year.ends_on)  # type: ignore[arg-type]
            for p in other.pages)), None)
        if partner is None:
            split.append(block)
            found.append(block)
        else:
            partner.pages.append(page)
            partner.teachers.append(teacher)
            partner.busy |= block.busy
    return found


def class_weeks(data: TimetableData, year: AcademicYear) -> dict[int, ClassWeek]:
    weeks = {}
    for class_group in data.classes.values():
        if class_group.academic_year_id != year.id:
            continue
        level = data.levels[(year.id, class_group.grade_level)]
        bells = data.bell_times(year.starts_on, class_group.shift, class_group.grade_level, regular_only=True)
        times = {number: (minutes(start), minutes(end)) for number, (start, end) in bells.items()}
        weeks[class_group.id] = ClassWeek(class_group.id, level.days_per_week, level.daily_limit, times)
    return weeks


def minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


# ---- writing --------------------------------------------------------------------------------------


async def seed_timetable(session: AsyncSession, school_id: int, year: AcademicYear, *, rng: random.Random,
                         today: date) -> None:
    """Rooms, the year's weekly timetable (a second version from the second half-year) and the
    dispatcher's changes of the past weeks."""
    data = await load_timetable(session, school_id, year.starts_on, year.ends_on)
    if not data.pages:
        return
    lines = {(grade, subject): (half_hours, pattern) for grade, subject, half_hours, pattern in (await session.execute(
        select(CurriculumLine.grade_level, CurriculumLine.subject_id, CurriculumLine.half_hours, CurriculumLine.pattern)
        .where(CurriculumLine.academic_year_id == year.id))).all()}
    members = await load_members(session, {p.group_id for p in data.pages.values() if p.group_id})
    blocks = blocks_of(data, year, lines, members)
    placements = WeekBuilder(blocks, class_weeks(data, year)).build(rng)
    rooms = await add_rooms(session, school_id, blocks)
    await add_versions(session, school_id, year, data, blocks, placements, rooms)
    await seed_changes(session, school_id, year, rng, today)


async def add_versions(session: AsyncSession, school_id: int, year: AcademicYear, data: TimetableData, blocks: list[Block],
                       placements: list[Placement], rooms: dict[int, int]) -> None:
    """The timetable from the year's first day and, from the second half-year, the same without
    the «first_half» lessons; each slot's teacher is the page's teacher when the version starts."""
    admin = await first_account_with_role(session, school_id, "journal_admin")
    second_half = await session.scalar(select(StudyPeriod.starts_on).where(
        StudyPeriod.academic_year_id == year.id, StudyPeriod.kind == "half_year", StudyPeriod.number == 2))
    starts = [year.starts_on] + ([second_half] if second_half and second_half > year.starts_on else [])
    for index, valid_from in enumerate(starts):
        version = Timetable(school_id=school_id, academic_year_id=year.id, valid_from=valid_from, created_by=admin)
        session.add(version)
        await session.flush()
        other_half = "second_half" if index == 0 else "first_half"
        rows = []
        for placement in placements:
            block = blocks[placement.block]
            if block.pattern == other_half:
                continue
            for page, teacher in zip(block.pages, block.teachers):
                teacher = data.teacher_on(page.id, valid_from, teacher) or teacher
                rows.append({"school_id": school_id, "timetable_id": version.id, "weekday": placement.weekday,
                             "lesson_number": placement.number, "week_parity": placement.parity,
                             "subject_page_id": page.id, "teacher_id": teacher, "room_id": rooms.get(teacher)})
        if rows:
            await session.execute(insert(TimetableSlot), rows)


async def add_rooms(session: AsyncSession, school_id: int, blocks: list[Block]) -> dict[int, int]:
    """A room for every teacher (teacher → room id): the gyms for PE, the computer room for
    informatics, the primary classes' teachers on the first floor, the others by subject above."""
    hours: dict[int, Counter[str]] = {}
    primary: dict[int, bool] = {}
    for block in blocks:
        for page in block.pages:
            for teacher in block.busy:
                hours.setdefault(teacher, Counter())[page.subject] += block.every * 2 + block.odd
                primary[teacher] = primary.get(teacher, True) and page.grade_level <= 4 and page.subject not in (PE, ENGLISH)
    gyms, names, notes = list(GYMS), {}, {}
    numbered = sorted(hours, key=lambda t: (not primary[t], main_subject(hours[t]), t))
    floor, number = 1, 0
    for teacher in numbered:
        subject = main_subject(hours[teacher])
        if subject == PE and gyms:
            names[teacher] = gyms.pop(0)
        elif subject == INFORMATICS and COMPUTER_ROOM not in names.values():
            names[teacher] = COMPUTER_ROOM
        else:
            if (floor == 1 and not primary[teacher]) or number == ROOMS_A_FLOOR:
                floor, number = floor + 1, 0
            number += 1
            names[teacher] = f"{floor}{number:02d}"
        notes[teacher] = ROOM_NOTES.get("primary" if primary[teacher] else subject, "")
    rooms = {teacher: Room(school_id=school_id, name=name, note=notes[teacher]) for teacher, name in names.items()}
    session.add_all(rooms.values())
    await session.flush()
    return {teacher: room.id for teacher, room in rooms.items()}


def main_subject(hours: Counter[str]) -> str:
    return max(sorted(hours), key=lambda subject: hours[subject])


# ---- the dispatcher's changes ---------------------------------------------------------------------

REASONS = {
    "replacement": "болезнь учителя (больничный лист)",
    "substitute": "болезнь учителя",
    "other_subject": "курсы повышения квалификации",
    "cancel": "экскурсия в краеведческий музей",
    "room": "ремонт в кабинете",
    "move": "учитель на семинаре в управлении образования",
    "merge": "болезнь учителя",
}
LESSON_KINDS = ("substitute", "other_subject", "cancel", "room", "move", "merge")
WINDOW = timedelta(days=21)  # changes in the past three weeks
ILL_SINCE, ILL_FOR = timedelta(days=10), timedelta(days=13)  # the long-term replacement: two weeks from ~10 days ago


async def seed_changes(session: AsyncSession, school_id: int, year: AcademicYear, rng: random.Random, today: date) -> None:
    """One change of each kind on lesson days of the past three weeks of the current study period
    (the coming days too when it has just begun): the long-term replacement first, so the others
    are checked with its substitute's lessons."""
    days = await change_days(session, school_id, year, today)
    if not days:
        return
    dispatcher = await first_account_with_role(session, school_id, "dispatcher")
    service = ChangeService(session, school_id, today, dispatcher)
    # Not on the year's first day: the teachers start on their pages then, and are replaced on the load instead.
    ill_from = next((day for day in days if day >= today - ILL_SINCE and day > year.starts_on), None)
    if ill_from is not None:
        await record_first(service, await replacements(session, school_id, year, rng, ill_from))
    data = await load_timetable(session, school_id, days[0], days[-1])
    members = await load_members(session, {p.group_id for p in data.pages.values() if p.group_id})
    desk = ChangeDesk(data, members, rng)
    order = rng.sample(days, len(days))
    for index, kind in enumerate(LESSON_KINDS):
        for day in order[index:] + order[:index]:  # a day of its own for each kind while there are enough
            if await record_first(service, desk.candidates(kind, day)):
                break


async def change_days(session: AsyncSession, school_id: int, year: AcademicYear, today: date) -> list[date]:
    """Lesson days of the past three weeks, not before the current study period began nor in an
    ended one; if fewer than three, the coming three weeks' too."""
    periods = (await session.execute(select(StudyPeriod.starts_on, StudyPeriod.ends_on)
                                     .where(StudyPeriod.academic_year_id == year.id))).all()
    lower = max([today - WINDOW, year.starts_on] + [starts for starts, ends in periods if starts <= today <= ends]
                + [ends + timedelta(days=1) for _starts, ends in periods if ends < today])
    upper = min(today + WINDOW, year.ends_on)
    if lower > upper:
        return []
    data = await load_timetable(session, school_id, lower, upper)
    days = [lower + timedelta(days=n) for n in range((upper - lower).days + 1)]
    days = [day for day in days if data.planned_on(day)]
    past = [day for day in days if day < today]
    return past if len(past) >= 3 else days


async def record_first(service: ChangeService, candidates) -> bool:  # type: ignore[no-untyped-def]
    """Record the first candidate the service accepts (each was checked in memory already; the
    service checks again against the database, with the changes recorded before it)."""
    for candidate in candidates:
        try:
            await service.record(candidate)
            return True
        except ConflictError:
            continue
    return False


async def replacements(session: AsyncSession, school_id: int, year: AcademicYear, rng: random.Random, day: date) -> list[ChangeInput]:
    """A teacher ill for two weeks: one of their class pages taken over by a colleague of the same
    subject who is free at all its lessons of those days."""
    # Back before the year's last day: ChangeService._reassign would give the teacher back the page
    # from the day after it, outside the year (reported).
    ends_on = min(day + ILL_FOR, year.ends_on - timedelta(days=1))
    if ends_on < day:
        return []
    data = await load_timetable(session, school_id, day, ends_on)
    members = await load_members(session, {p.group_id for p in data.pages.values() if p.group_id})
    teachers_of: dict[int, set[int]] = {}
    for page_id, rows in data.assignments.items():
        if page_id in data.pages:
            teachers_of.setdefault(data.pages[page_id].subject_id, set()).update(t for t, _starts, _ends in rows)
    dates = [day + timedelta(days=n) for n in range((ends_on - day).days + 1)]
    lessons = {date_: data.lessons_on(date_) for date_ in dates}
    pages = sorted((p for p in data.pages.values() if p.year_id == year.id and p.group_id is None and p.grade_level >= 5),
                   key=lambda p: p.id)
    found = []
    for page in rng.sample(pages, len(pages)):
        holder = data.teacher_on(page.id, day, None)
        if holder is None or any(starts == day for _t, starts, _ends in data.assignments.get(page.id, [])):
            continue
        colleagues = sorted(teachers_of.get(page.subject_id, set()) - {holder})
        for colleague in rng.sample(colleagues, len(colleagues)):
            if all(not clashes(replace(lesson, teacher_id=colleague), [o for o in lessons[d] if o is not lesson], data, members, (d, d))
                   for d in dates for lesson in lessons[d] if lesson.page.id == page.id and lesson.given):
                found.append(ChangeInput("replacement", day, page_id=page.id, teacher_id=colleague, ends_on=ends_on,
                                         reason=REASONS["replacement"]))
                break
        if len(found) >= 3:
            break
    return found


@dataclass
class ChangeDesk:
    """Candidates for the dispatcher's changes of a day, checked in memory by the service's own
    conflict rules; a lesson changed once is not offered again."""

    data: TimetableData
    members: Members
    rng: random.Random
    used: set[tuple[date, int | None]] = field(default_factory=set)

    def candidates(self, kind: str, day: date):  # type: ignore[no-untyped-def]
        lessons = self.data.lessons_on(day)
        free = [lesson for lesson in lessons if lesson.status == "planned" and lesson.change is None
                and (day, lesson.slot_id) not in self.used]
        for lesson in self.rng.sample(free, len(free)):
            others = [item for item in lessons if item.key != lesson.key]
            for candidate in getattr(self, kind)(lesson, others, day):
                self.used.add((day, lesson.slot_id))
                yield candidate

    def fits(self, result: Lesson, others: list[Lesson]) -> bool:
        return not clashes(result, others, self.data, self.members, (result.day, result.day))

    def substitute(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """A colleague of the same subject who is free then."""
        colleagues = sorted({t for p in self.data.pages.values() if p.subject_id == lesson.page.subject_id
                             for t, _starts, _ends in self.data.assignments.get(p.id, [])} - {lesson.teacher_id})
        for teacher in colleagues:
            if self.fits(replace(lesson, teacher_id=teacher, planned_teacher_id=lesson.teacher_id), others):
                yield ChangeInput("substitute", day, slot_id=lesson.slot_id, teacher_id=teacher, reason=REASONS["substitute"])
                return

    def other_subject(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """Another subject of the class, given by its own teacher, who is free then."""
        if lesson.page.group_id is not None:
            return
        for page in sorted(self.data.pages.values(), key=lambda p: p.id):
            if page.class_ids != lesson.page.class_ids or page.group_id is not None or page.subject_id == lesson.page.subject_id:
                continue
            teacher = self.data.teacher_on(page.id, day, None)
            if teacher is not None and self.fits(replace(lesson, page=page, planned_page=lesson.page, teacher_id=teacher), others):
                yield ChangeInput("other_subject", day, slot_id=lesson.slot_id, page_id=page.id, reason=REASONS["other_subject"])
                return

    def cancel(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """The class's last lesson of the day (the class is out on an excursion after it)."""
        if lesson.page.group_id is None and lesson.number == self.last_number(lesson, others):
            yield ChangeInput("cancel", day, slot_id=lesson.slot_id, reason=REASONS["cancel"])

    def room(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """A numbered room free then (a class room, not a gym nor the computer room)."""
        for room in sorted(self.data.rooms.values(), key=lambda r: r.name):
            if room.id != lesson.room_id and room.name[0].isdigit() and self.fits(replace(lesson, room_id=room.id), others):
                yield ChangeInput("room", day, slot_id=lesson.slot_id, room_id=room.id, reason=REASONS["room"])
                return

    def move(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """The class's first lesson after its last one (the class starts later: no gap)."""
        same_class = [o for o in others if o.given and set(o.page.class_ids) & set(lesson.page.class_ids)]
        if lesson.page.group_id is not None or lesson.number != 1 or any(o.number == 1 for o in same_class):
            return
        target = self.last_number(lesson, others) + 1
        if target not in self.data.bell_times(day, lesson.page.shift, lesson.page.grade_level):
            return
        moved = self.data.timed(Lesson(day=day, number=target, page=lesson.page, teacher_id=lesson.teacher_id,
                                       room_id=lesson.room_id, slot_id=lesson.slot_id, status="moved_in"))
        if self.fits(moved, others) and not day_length_clashes(moved, others, self.data, ""):
            yield ChangeInput("move", day, slot_id=lesson.slot_id, to_date=day, to_number=target, reason=REASONS["move"])

    def merge(self, lesson: Lesson, others: list[Lesson], day: date):  # type: ignore[no-untyped-def]
        """An English group joins the other group of its class at the same lesson, under its teacher."""
        if lesson.page.subject != ENGLISH or lesson.page.group_id is None:
            return
        for host in others:
            if host.given and host.change is None and host.slot_id is not None and host.page.subject_id == lesson.page.subject_id \
                    and host.page.class_ids == lesson.page.class_ids and host.number == lesson.number \
                    and host.teacher_id != lesson.teacher_id:
                merged = replace(lesson, teacher_id=host.teacher_id, room_id=host.room_id, merged_into=host.slot_id)
                if self.fits(merged, others):
                    self.used.add((day, host.slot_id))
                    yield ChangeInput("merge", day, slot_id=lesson.slot_id, merged_slot_id=host.slot_id, reason=REASONS["merge"])
                    return

    @staticmethod
    def last_number(lesson: Lesson, others: list[Lesson]) -> int:
        return max([o.number for o in others if o.given and set(o.page.class_ids) & set(lesson.page.class_ids)] + [lesson.number])
