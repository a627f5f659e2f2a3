"""The demo school's mail: the class teacher of 5А invited the class's parents to a museum trip two
days ago; most have read it, two answered (the teacher has read the answers). Sent through the same
code as the pages, so the demo shows what a school would see."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import UserAccount
from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.school.models import School
from core.structure.common import active_on, school_today
from core.structure.models import ClassGroup, ClassTeacherAppointment
from plugins.messaging.directory import Directory, Rules, class_sections
from plugins.messaging.mail import Draft, send_new, send_reply
from plugins.messaging.models import MessagingMessage, MessagingReceipt

INVITATION = ("Экскурсия в краеведческий музей",
              "Уважаемые родители!\nВ пятницу класс едет в краеведческий музей, выезд от школы в 9:00, возвращение к 13:00. "
              "Стоимость — 350 рублей. Прошу до среды ответить, поедет ли ваш ребёнок.\nПрограмма: https://museum.example/5-klass")
ANSWERS = ("Добрый день! Поедет, деньги передам в понедельник.", "Здравствуйте, у нас в пятницу врач, к сожалению, не сможем.")


async def seed_messages(platform: Any, session: AsyncSession, school: School, rng: random.Random) -> None:
    today = school_today(school.timezone)
    found = (await session.execute(
        select(ClassTeacherAppointment.teacher_id, UserAccount.full_name, ClassGroup.id)
        .join(ClassGroup, ClassGroup.id == ClassTeacherAppointment.class_group_id)
        .join(UserAccount, UserAccount.id == ClassTeacherAppointment.teacher_id)
        .where(ClassTeacherAppointment.school_id == school.id, ClassGroup.grade_level == 5, ClassGroup.letter == "А",
               active_on(ClassTeacherAppointment.starts_on, ClassTeacherAppointment.ends_on, today)))).first()
    if found is None:
        return
    teacher_id, teacher_name, class_id = found
    teacher = _person(teacher_id, teacher_name, school.id, "teacher", "class_teacher")
    sections = await class_sections(session, teacher, school.id, today, Rules())
    parents = next((section for section in sections if section.id == f"class-{class_id}-parents"), None)
    if parents is None or not parents.contacts:
        return
    parents = replace(parents, label="Родители: 5А")  # records in Russian, whatever the seeding process's locale
    sent_at = utcnow() - timedelta(days=2, hours=3)
    result = await send_new(session, teacher, Directory([parents]), Draft(*INVITATION, groups=[parents.id]), sent_at)
    await session.flush()
    threads = dict((await session.execute(select(MessagingReceipt.recipient_id, MessagingReceipt.thread_id).join(
        MessagingMessage, MessagingMessage.id == MessagingReceipt.message_id).where(
        MessagingMessage.broadcast_id == result.broadcast_id))).all())
    readers = [contact for contact in parents.contacts if rng.random() < 0.7]
    await session.execute(update(MessagingReceipt).where(
        MessagingReceipt.thread_id.in_([threads[contact.id] for contact in readers]),
        MessagingReceipt.recipient_id.in_([contact.id for contact in readers])).values(read_at=sent_at + timedelta(hours=5)))
    for contact, answer in zip(rng.sample(readers, min(len(ANSWERS), len(readers))), ANSWERS):
        parent = _person(contact.id, contact.name, school.id, "parent")
        await send_reply(session, parent, threads[contact.id], answer, sent_at + timedelta(hours=6))
        await session.flush()
        await session.execute(update(MessagingReceipt).where(  # the teacher has read the answers
            MessagingReceipt.thread_id == threads[contact.id], MessagingReceipt.recipient_id == teacher_id)
            .values(read_at=sent_at + timedelta(hours=8)))



def _person(user_id: int, name: str, school_id: int, *roles: str) -> CurrentUser:
    return CurrentUser(id=user_id, login="", full_name=name, session_id="", school_id=school_id, roles=frozenset(roles))
