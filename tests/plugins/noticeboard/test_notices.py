"""Notices published, read, edited and withdrawn; bad input refused with nothing published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.exceptions import NotFoundException
from sqlalchemy import select

from core.db.types import utcnow
from core.i18n import gettext as _
from plugins.noticeboard.audience import Target, belonging, reaches
from plugins.noticeboard.models import NoticeboardAudience, NoticeboardRevision
from plugins.noticeboard.notices import NoticeError, NoticeInput, NoticeService
from tests.support.journal import TODAY, as_user
from tests.support.snapshot import database_unchanged
from tests.support.structure import writing


async def publish(url: str, world, user_id: int, roles: tuple[str, ...], **values):
    wanted = NoticeInput(**{"title": "Родительское собрание", "body": "В четверг в 18:00, каб. 205.",
                            "targets": (Target("class", "parents", world.tt.classes["5А"]),), **values})
    async with writing(url) as session:
        notice = await NoticeService(session, as_user(user_id, world.school, *roles), TODAY).publish(wanted)
        return notice.id


async def board(url: str, world, user_id: int, *roles: str) -> list:
    async with writing(url) as session:
        return [(item.notice.title, item.unread) for item in
                await NoticeService(session, as_user(user_id, world.school, *roles), TODAY).board()]


async def test_the_deputy_publishes_for_the_parents_of_5a(database_url, world):
    notice = await publish(database_url, world, world.deputy, ("deputy",), body="<p>В <b>четверг</b></p><script>x()</script>")
    assert await board(database_url, world, world.mother, "parent") == [("Родительское собрание", True)]
    assert await board(database_url, world, world.other_parent, "parent") == []
    assert await board(database_url, world, world.student("Аня"), "student") == []
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.mother, world.school, "parent"), TODAY).mark_read(notice)
        revision = await session.scalar(select(NoticeboardRevision).where(NoticeboardRevision.notice_id == notice))
    assert await board(database_url, world, world.mother, "parent") == [("Родительское собрание", False)]
    assert revision.action == "created" and "<script" not in revision.body and "<b>четверг</b>" in revision.body


async def test_bad_notices_publish_nothing(database_url, world):
    later = utcnow() + timedelta(days=2)
    cases = [
        (world.teacher("math"), ("teacher",), {"targets": (Target("class", "parents", world.tt.classes["6А"]),)}, "audience",
         "You may address the classes and groups you teach, your own class and the staff."),
        (world.deputy, ("deputy",), {"targets": ()}, "audience", "Choose whom the notice is for."),
        (world.deputy, ("deputy",), {"publish_at": later, "expire_at": later - timedelta(hours=1)}, "expire_at",
         "The notice must expire after it is published."),
        (world.deputy, ("deputy",), {"title": "  "}, "title", None),
    ]
    for user_id, roles, values, field, message in cases:
        async with database_unchanged(database_url):
            with pytest.raises(NoticeError) as refused:
                await publish(database_url, world, user_id, roles, **values)
        assert field in refused.value.errors
        if message:
            assert refused.value.errors[field] == _(message)


async def test_edits_and_withdrawals_are_recorded_and_a_stale_edit_is_refused(database_url, world):
    notice = await publish(database_url, world, world.teacher("math"), ("teacher",))
    wanted = NoticeInput("Собрание переносится", "На пятницу.", (Target("class", "parents", world.tt.classes["5А"]),))
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY).edit(notice, wanted, 1)
    async with database_unchanged(database_url):
        with pytest.raises(NoticeError) as stale:
            async with writing(database_url) as session:
                await NoticeService(session, as_user(world.teacher("math"), world.school, "teacher"), TODAY).edit(notice, wanted, 1)
        assert stale.value.status == 409
        with pytest.raises(NotFoundException):  # another teacher's notice is not theirs to change
            async with writing(database_url) as session:
                await NoticeService(session, as_user(world.teacher("physics"), world.school, "teacher"), TODAY).withdraw(notice)
    assert await board(database_url, world, world.mother, "parent") == [("Собрание переносится", True)]
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.teacher("math"), world.school, "teacher"), TODAY).withdraw(notice)
        actions = list((await session.execute(select(NoticeboardRevision.action).where(
            NoticeboardRevision.notice_id == notice).order_by(NoticeboardRevision.id))).scalars())
    assert actions == ["created", "edited", "withdrawn"]
    assert await board(database_url, world, world.mother, "parent") == []


async def test_pinned_first_then_newest_and_not_before_publication(database_url, world):
    await publish(database_url, world, world.deputy, ("deputy",), title="Старое")
    await publish(database_url, world, world.deputy, ("deputy",), title="Новое")
    await publish(database_url, world, world.deputy, ("deputy",), title="Закреплённое", pinned=True,
                  publish_at=utcnow() - timedelta(days=3))
    await publish(database_url, world, world.deputy, ("deputy",), title="Завтрашнее", publish_at=utcnow() + timedelta(days=1))
    titles = [title for title, _unread in await board(database_url, world, world.mother, "parent")]
    assert titles == ["Закреплённое", "Новое", "Старое"]


async def test_a_teacher_s_edit_keeps_what_the_deputy_added_and_the_pin(database_url, world):
    five_a = Target("class", "everyone", world.tt.classes["5А"])
    notice = await publish(database_url, world, world.teacher("math"), ("teacher",), targets=(five_a,))
    school_parents = Target("school", "parents")
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY).edit(
            notice, NoticeInput("Собрание", "Для всех родителей.", (five_a, school_parents), pinned=True), 1)
    async with writing(database_url) as session:  # the teacher's form has neither the school's parents nor the pin
        saved = await NoticeService(session, as_user(world.teacher("math"), world.school, "teacher"), TODAY).edit(
            notice, NoticeInput("Собрание", "Для всех родителей, в 18:00.", (five_a,)), 2)
        assert saved.pinned
        targets = {(row.scope, row.scope_id, row.people) for row in (await session.execute(
            select(NoticeboardAudience).where(NoticeboardAudience.notice_id == notice))).scalars()}
    assert targets == {("class", world.tt.classes["5А"], "everyone"), ("school", None, "parents")}
    assert await board(database_url, world, world.other_parent, "parent") == [("Собрание", True)]  # 6А: a parent of the school


async def test_the_author_has_nothing_new_and_an_edited_text_is_new_again(database_url, world):
    notice = await publish(database_url, world, world.deputy, ("deputy",))
    assert await board(database_url, world, world.deputy, "deputy") == [("Родительское собрание", False)]
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.mother, world.school, "parent"), TODAY).mark_read(notice)
    assert await board(database_url, world, world.mother, "parent") == [("Родительское собрание", False)]
    async with writing(database_url) as session:
        await NoticeService(session, as_user(world.deputy, world.school, "deputy"), TODAY).edit(notice, NoticeInput(
            "Собрание переносится", "На пятницу.", (Target("class", "parents", world.tt.classes["5А"]),)), 1)
    assert await board(database_url, world, world.mother, "parent") == [("Собрание переносится", True)]
    assert await board(database_url, world, world.deputy, "deputy") == [("Собрание переносится", False)]


async def test_the_board_in_sql_agrees_with_reaches(database_url, world):
    """The board selects in SQL what ``reaches`` decides for one notice (the diary, a notice's page)."""
    classes, groups = world.tt.classes, world.tt.groups
    targets = [Target("school", people) for people in ("everyone", "students", "parents", "teachers", "staff")]
    targets += [Target(scope, people, place) for scope, place in (("class", classes["5А"]), ("class", classes["6А"]),
                                                                    ("grade_level", 5), ("grade_level", 6), ("group", groups["гр1"]),
                                                                    ("group", groups["гр2"]))
                for people in ("everyone", "students", "parents", "teachers")]
    targets += [Target("role", "everyone", None, role) for role in ("parent", "teacher", "deputy", "secretary")]
    for number, target in enumerate(targets):
        await publish(database_url, world, world.deputy, ("deputy",), title=f"№{number}", targets=(target,))
    people = [(world.mother, ("parent",)), (world.other_parent, ("parent",)), (world.student("Аня"), ("student",)),
              (world.student("Борис"), ("student",)), (world.teacher("math"), ("teacher",)),
              (world.teacher("english1"), ("teacher",)), (world.class_teacher, ("teacher", "class_teacher"))]
    for user_id, roles in people:
        async with writing(database_url) as session:
            service = NoticeService(session, as_user(user_id, world.school, *roles), TODAY)
            shown = {item.notice.title for item in await service.board(limit=1000)}
            who = await belonging(session, as_user(user_id, world.school, *roles), TODAY)
        expected = {f"№{number}" for number, target in enumerate(targets) if reaches(target, who)}
        assert shown == expected, (roles, sorted(shown ^ expected))
