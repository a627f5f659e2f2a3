"""Automatic notices of the day's timetable changes: one per class and day, updated by later
changes, withdrawn with the last of them, unchanged by a repeated event, its text escaped."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from core.db.session import Database
from core.events import TimetableChanged, event_type
from core.outbox import OutboxEvent
from core.timetable.changes import ChangeInput, ChangeService
from core.timetable.lessons import load_timetable
from core.timetable.models import TimetableChange
from plugins.noticeboard.auto import affected_days, handle_event
from plugins.noticeboard.models import NoticeboardAudience, NoticeboardNotice, NoticeboardRevision, NoticeboardSettings
from tests.support.people import add_school
from tests.support.structure import writing
from tests.support.timetable import MONDAY, TODAY, TimetableSchool, add_timetable_school

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)  # 10:00 on TODAY in Yekaterinburg


class Platform:
    """What the handler uses of the platform: its database."""

    def __init__(self, url: str) -> None:
        self.db = Database(url, pooled=False)


class World:
    def __init__(self, url: str, tt: TimetableSchool) -> None:
        self.url, self.tt, self.delivered = url, tt, 0

    async def switch_on(self) -> None:
        async with writing(self.url) as session:
            session.add(NoticeboardSettings(school_id=self.tt.school, auto_timetable=True))

    async def slot(self, page: str, day: date = MONDAY) -> int:
        async with writing(self.url) as session:
            data = await load_timetable(session, self.tt.school, day, day)
        return next(lesson.slot_id for lesson in data.lessons_on(day) if lesson.page.id == self.tt.pages[page])

    async def record(self, change: ChangeInput) -> list[TimetableChanged]:
        async with writing(self.url) as session:
            await ChangeService(session, self.tt.school, TODAY, self.tt.teachers["spare"]).record(change)
        return await self.deliver()

    async def withdraw(self, change_id: int) -> list[TimetableChanged]:
        async with writing(self.url) as session:
            change = await session.get(TimetableChange, change_id)
            assert change is not None
            await ChangeService(session, self.tt.school, TODAY, self.tt.teachers["spare"]).withdraw(change)
        return await self.deliver()

    async def deliver(self, events: list[TimetableChanged] | None = None) -> list[TimetableChanged]:
        """Hand the outbox's new timetable events (or ``events`` again) to the handler."""
        if events is None:
            async with writing(self.url) as session:
                rows = list((await session.execute(select(OutboxEvent).where(OutboxEvent.id > self.delivered)
                                                   .order_by(OutboxEvent.id))).scalars())
            self.delivered = max([self.delivered, *(row.id for row in rows)])
            events = [event_type(row.name).from_payload(row.payload) for row in rows  # type: ignore[union-attr, misc]
                      if row.name == TimetableChanged.name]
        platform = Platform(self.url)
        try:
            for event in events:
                await handle_event(platform, event, now=NOW)
        finally:
            await platform.db.dispose()
        return events

    async def notices(self) -> list[NoticeboardNotice]:
        async with writing(self.url) as session:
            return list((await session.execute(select(NoticeboardNotice).order_by(NoticeboardNotice.id))).scalars())

    async def revisions(self, notice_id: int) -> list[str]:
        async with writing(self.url) as session:
            return list((await session.execute(select(NoticeboardRevision.action).where(
                NoticeboardRevision.notice_id == notice_id).order_by(NoticeboardRevision.id))).scalars())


async def _world(url: str, *, on: bool = True) -> World:
    world = World(url, await add_timetable_school(url, await add_school(url)))
    world.delivered = await _last_event(url)
    if on:
        await world.switch_on()
    return world


async def _last_event(url: str) -> int:
    async with writing(url) as session:
        return await session.scalar(select(func.max(OutboxEvent.id))) or 0


async def _substitute(world: World) -> list[TimetableChanged]:
    return await world.record(ChangeInput("substitute", MONDAY, await world.slot("5А математика"),
                                          teacher_id=world.tt.teachers["spare"], reason="Болезнь учителя"))


async def test_off_by_default_no_notice(database_url):
    world = await _world(database_url, on=False)
    assert await _substitute(world)
    assert await world.notices() == []


async def test_a_substitution_makes_the_class_notice_of_the_day(database_url):
    world = await _world(database_url)
    await _substitute(world)
    [notice] = await world.notices()
    assert notice.title == "Изменения в расписании 5А на 23.11.2026"
    assert notice.body == "<ul><li>1-й урок, Математика: замена — ведёт Запасова В. П. (причина: Болезнь учителя)</li></ul>"
    assert notice.auto_key == f"timetable:{world.tt.classes['5А']}:2026-11-23"
    assert (notice.author_id, notice.pinned, notice.version, notice.withdrawn_at) == (None, False, 1, None)
    assert notice.publish_at == NOW
    assert notice.expire_at == datetime(2026, 11, 23, 19, 0, tzinfo=timezone.utc)  # midnight in Yekaterinburg
    async with writing(database_url) as session:
        audience = (await session.execute(select(NoticeboardAudience))).scalars().all()
    assert [(a.notice_id, a.scope, a.scope_id, a.people) for a in audience] == [
        (notice.id, "class", world.tt.classes["5А"], "everyone")]
    assert await world.revisions(notice.id) == ["created"]


async def test_a_second_change_updates_the_same_notice_and_a_repeat_changes_nothing(database_url):
    world = await _world(database_url)
    await _substitute(world)
    events = await world.record(ChangeInput("cancel", MONDAY, await world.slot("5А физика"), reason="Карантин"))
    [notice] = await world.notices()
    assert notice.version == 2 and notice.body.count("<li>") == 2
    assert "<li>3-й урок, Физика: отменён (причина: Карантин)</li>" in notice.body
    assert await world.revisions(notice.id) == ["created", "edited"]
    await world.deliver(events)  # at least once: the same event again
    [again] = await world.notices()
    assert (again.version, again.body, again.updated_at) == (2, notice.body, notice.updated_at)
    assert await world.revisions(notice.id) == ["created", "edited"]


async def test_withdrawing_every_change_withdraws_the_notice(database_url):
    world = await _world(database_url)
    await _substitute(world)
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("5А физика"), reason="Карантин"))
    async with writing(database_url) as session:
        change_ids = list((await session.execute(select(TimetableChange.id).order_by(TimetableChange.id))).scalars())
    await world.withdraw(change_ids[0])
    [notice] = await world.notices()
    assert notice.withdrawn_at is None and notice.body.count("<li>") == 1
    await world.withdraw(change_ids[1])
    [notice] = await world.notices()
    assert notice.withdrawn_at == NOW
    assert await world.revisions(notice.id) == ["created", "edited", "edited", "withdrawn"]
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("5А физика"), reason="Карантин"))  # a new change brings it back
    [notice] = await world.notices()
    assert notice.withdrawn_at is None and "Физика: отменён" in notice.body


async def test_a_group_lesson_counts_for_its_class_and_5b_gets_only_its_own(database_url):
    world = await _world(database_url)
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("гр1"), reason="Олимпиада"))
    await world.record(ChangeInput("room", MONDAY, await world.slot("5А математика"), room_id=world.tt.rooms["102"],
                                   reason="Ремонт"))
    [notice] = await world.notices()
    assert notice.auto_key == f"timetable:{world.tt.classes['5А']}:2026-11-23"
    assert notice.body == ("<ul><li>1-й урок, Математика: кабинет 102 (причина: Ремонт)</li>"
                           "<li>2-й урок, Иностранный язык (английский) (5А, английский язык, гр. 1): отменён"
                           " (причина: Олимпиада)</li></ul>")
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("5Б математика"), reason="Экскурсия"))
    notices = await world.notices()
    assert len(notices) == 2
    assert notices[0].version == 2  # 5А's notice untouched by 5Б's change
    assert notices[1].title == "Изменения в расписании 5Б на 23.11.2026"
    assert notices[1].body == "<ul><li>2-й урок, Математика: отменён (причина: Экскурсия)</li></ul>"


async def test_a_move_is_announced_on_both_days(database_url):
    world = await _world(database_url)
    tuesday = MONDAY + timedelta(days=1)
    await world.record(ChangeInput("move", MONDAY, await world.slot("5А математика"), to_date=tuesday, to_number=4,
                                   reason="Экскурсия"))
    notices = {notice.auto_key: notice for notice in await world.notices()}
    class_id = world.tt.classes["5А"]
    assert "1-й урок, Математика: перенесён на 24.11, 4-й урок" in notices[f"timetable:{class_id}:2026-11-23"].body
    assert "4-й урок, Математика: перенесён с 23.11 (1-й урок)" in notices[f"timetable:{class_id}:2026-11-24"].body


async def test_the_text_is_escaped(database_url):
    world = await _world(database_url)
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("5А физика"), reason="<script>alert(1)</script>"))
    [notice] = await world.notices()
    assert "<script>" not in notice.body
    assert "(причина: &lt;script&gt;alert(1)&lt;/script&gt;)" in notice.body


def test_affected_days_skip_the_past_and_keep_a_replacement_to_two_weeks():
    def event(**fields: object) -> TimetableChanged:
        return TimetableChanged(school_id=1, change_id=1, class_group_ids=[1], **fields)  # type: ignore[arg-type]

    today = date(2026, 11, 20)
    assert affected_days(event(kind="cancel", on_date=today), today) == [today]
    assert affected_days(event(kind="move", on_date=today - timedelta(days=1), to_date=today), today) == [today]
    replacement = affected_days(event(kind="replacement", on_date=date(2026, 11, 1), ends_on=date(2027, 3, 1)), today)
    assert (replacement[0], replacement[-1], len(replacement)) == (today, today + timedelta(days=14), 15)


async def test_a_person_s_edit_is_kept_and_an_update_is_new_to_those_who_read_it(database_url):
    from plugins.noticeboard.models import NoticeboardRead

    world = await _world(database_url)
    await _substitute(world)
    [notice] = await world.notices()
    async with writing(database_url) as session:
        session.add(NoticeboardRead(notice_id=notice.id, user_id=world.tt.teachers["math"]))
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("5А физика"), reason="Карантин"))
    async with writing(database_url) as session:
        assert await session.scalar(select(func.count(NoticeboardRead.id))) == 0  # updated: unread again
        edited = await session.get(NoticeboardNotice, notice.id)
        edited.body, edited.updated_by = "<p>Уточнение завуча</p>", world.tt.teachers["spare"]
    await world.record(ChangeInput("cancel", MONDAY, await world.slot("гр1"), reason="Карантин"))
    [kept] = await world.notices()
    assert kept.body == "<p>Уточнение завуча</p>"  # a person's words are not overwritten by the next change
